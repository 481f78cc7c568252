/**
 * The IAS terminal's APDU layer over any ApduChannel, speaking like the official clients
 * (ias/README.md §4.2–4.4, §11):
 *
 * - plain commands with more than 255 data bytes go out chained (CLA 10, 255 + rest, §3 row 10);
 * - `61xx` → GET RESPONSE `00 C0 00 00 xx`; the desktop sends `0C C0 00 00 00` when xx = 00 under
 *   SM; `6Cxx` → the command again with Le = xx (desktop, Android) or GET RESPONSE (iOS);
 * - protected commands: plain data split into 231-byte segments, each wrapped on its own (CLA 1C
 *   for all but the last), DO 97 only with Le — except the desktop, which adds `97 01 00` to
 *   commands without data and without Le (§4.2 item 8);
 * - protected responses are verified (MAC, DO 99 mandatory) when the outer SW is 9000, 6282 or
 *   6B00 (desktop, Android) or always (iOS); otherwise the outer SW is returned as is.
 * Every exchange is recorded with its plain form; PIN/PUK bytes are masked unless asked.
 */
import { isPlainFormSink, type ApduChannel } from '../../channel/apdu-channel.ts';
import {
  commandApdu,
  encodeCommandApdu,
  type CommandApdu,
} from '../../../emulator/src/apdu/command-apdu.ts';
import {
  encodeResponseApdu,
  parseResponseApdu,
  type ResponseApdu,
} from '../../../emulator/src/apdu/response-apdu.ts';
import {
  SW_6282_END_OF_FILE,
  SW_6B00_WRONG_P1P2,
  SW_9000_OK,
  statusWordOf,
} from '../../../emulator/src/apdu/status-words.ts';
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import { SmError, unwrapResponse, wrapCommand } from '../../../emulator/src/sm/sm-codec.ts';
import type { SmSession } from '../../../emulator/src/sm/sm-session.ts';
import { IAS_SEGMENT } from '../../../emulator/src/applications/ias/ias-constants.ts';
import {
  plainCommandHex,
  type StepRecorder,
  swText,
  TerminalError,
} from '../common/step-report.ts';
import type { StyleRules } from './styles.ts';

const PLAIN_CHUNK = 255;
const MAX_GET_RESPONSE = 64;

export interface Reply {
  readonly data: Uint8Array;
  readonly sw: number;
}

export class IasLink {
  private readonly channel: ApduChannel;
  private readonly recorder: StepRecorder;
  readonly rules: StyleRules;
  private readonly showSecrets: boolean;
  /** Current IAS secure-messaging session (undefined = plain). */
  session: SmSession | undefined;

  constructor(
    channel: ApduChannel,
    recorder: StepRecorder,
    rules: StyleRules,
    showSecrets: boolean,
  ) {
    this.channel = channel;
    this.recorder = recorder;
    this.rules = rules;
    this.showSecrets = showSecrets;
  }

  private async exchange(
    command: Uint8Array,
    plain?: { command: Uint8Array; response?: () => Uint8Array | undefined },
  ): Promise<ResponseApdu> {
    const startedAt = performance.now();
    const raw = await this.channel.transmit(command);
    const durationMs = performance.now() - startedAt;
    if (raw.length < 2)
      throw new TerminalError(
        'BAD_RESPONSE',
        `response of ${raw.length} byte(s) has no status word`,
      );
    const rsp = parseResponseApdu(raw);
    this.recorder.record({
      command: toHex(command),
      response: toHex(raw),
      ...(plain ? { plainCommand: plainCommandHex(plain.command, this.showSecrets) } : {}),
      startedAt,
      durationMs,
    });
    return rsp;
  }

  /** Collects `61xx` continuations. `underSm`: the desktop's `0C C0 00 00 00` form applies. */
  private async collect(first: ResponseApdu, underSm: boolean): Promise<ResponseApdu> {
    let data = first.data;
    let sw: number = first.sw;
    for (let i = 0; sw >> 8 === 0x61; i++) {
      if (i >= MAX_GET_RESPONSE) throw new TerminalError('BAD_RESPONSE', 'endless 61xx chain');
      const xx = sw & 0xff;
      const cla = underSm && xx === 0 && this.rules.smGetResponseCla0C ? 0x0c : 0x00;
      const next = await this.exchange(Uint8Array.of(cla, 0xc0, 0x00, 0x00, xx));
      data = concatBytes(data, next.data);
      sw = next.sw;
    }
    return { data, sw: statusWordOf(sw) };
  }

  /** A plain command, chained when longer than 255 bytes, with 61xx/6Cxx handling. */
  async plain(cmd: CommandApdu): Promise<Reply> {
    if (this.session) this.session = undefined; // a plain APDU ends the card's SM session (§5.1 B)
    const parts: CommandApdu[] = [];
    for (let off = 0; off + PLAIN_CHUNK < cmd.data.length; off += PLAIN_CHUNK) {
      parts.push(
        commandApdu({
          cla: cmd.cla | 0x10,
          ins: cmd.ins,
          p1: cmd.p1,
          p2: cmd.p2,
          data: cmd.data.subarray(off, off + PLAIN_CHUNK),
        }),
      );
    }
    const lastOff = parts.length * PLAIN_CHUNK;
    for (const p of parts) {
      const r = await this.exchange(encodeCommandApdu(p));
      if (r.sw !== SW_9000_OK) return { data: r.data, sw: r.sw };
    }
    const last =
      parts.length === 0
        ? cmd
        : commandApdu({
            cla: cmd.cla,
            ins: cmd.ins,
            p1: cmd.p1,
            p2: cmd.p2,
            data: cmd.data.subarray(lastOff),
            ne: cmd.ne,
          });
    let r = await this.exchange(encodeCommandApdu(last));
    if (r.sw >> 8 === 0x6c) {
      const xx = r.sw & 0xff;
      r = this.rules.sixCxxAsGetResponse
        ? await this.exchange(Uint8Array.of(0x00, 0xc0, 0x00, 0x00, xx))
        : await this.exchange(
            encodeCommandApdu(
              commandApdu({
                cla: last.cla,
                ins: last.ins,
                p1: last.p1,
                p2: last.p2,
                data: last.data,
                ne: xx === 0 ? 256 : xx,
              }),
            ),
          );
    }
    return this.collect(r, false);
  }

  /** A protected command (segmented at 231 bytes), returning the plain reply (SW from DO 99). */
  async protected(cmd: CommandApdu): Promise<Reply> {
    if (!this.session)
      throw new TerminalError('NO_SECURE_CHANNEL', 'protected command without an SM session');
    const segments: CommandApdu[] = [];
    for (let off = 0; off + IAS_SEGMENT < cmd.data.length; off += IAS_SEGMENT) {
      segments.push(
        commandApdu({
          cla: cmd.cla | 0x10,
          ins: cmd.ins,
          p1: cmd.p1,
          p2: cmd.p2,
          data: cmd.data.subarray(off, off + IAS_SEGMENT),
        }),
      );
    }
    const done = segments.length * IAS_SEGMENT;
    segments.push(
      commandApdu({
        cla: cmd.cla,
        ins: cmd.ins,
        p1: cmd.p1,
        p2: cmd.p2,
        data: cmd.data.subarray(done),
        ne: cmd.ne,
      }),
    );
    let reply: Reply = { data: new Uint8Array(0), sw: SW_9000_OK };
    for (const [i, seg] of segments.entries()) {
      reply = await this.protectedSegment(seg);
      if (i < segments.length - 1 && reply.sw !== SW_9000_OK) return reply;
    }
    return reply;
  }

  private async protectedSegment(seg: CommandApdu): Promise<Reply> {
    const session = this.session as SmSession;
    const leQuirk =
      this.rules.leWhenAbsent !== undefined && seg.data.length === 0 && seg.ne === 0
        ? { leWhenAbsent: this.rules.leWhenAbsent }
        : {};
    const wrapped = wrapCommand(session, seg, leQuirk);
    this.session = wrapped.session;
    // The plain form as the card reads it: with the desktop's DO 97 the command carries an Le.
    const le = leQuirk.leWhenAbsent;
    const plainBytes = encodeCommandApdu(
      le === undefined
        ? seg
        : commandApdu({
            cla: seg.cla,
            ins: seg.ins,
            p1: seg.p1,
            p2: seg.p2,
            ne: le === 0 ? 256 : le,
          }),
    );
    const wire = encodeCommandApdu(wrapped.apdu);
    const first = await this.exchange(wire, { command: plainBytes });
    // A recording channel keeps the plain forms: the command now, the response once verified
    // (that second note is ignored when a 61xx chain came in between).
    const sink = isPlainFormSink(this.channel) ? this.channel : undefined;
    sink?.notePlain(wire, plainBytes);
    const r = await this.collect(first, true);
    const decode =
      this.rules.smDecodeAlways ||
      r.sw === SW_9000_OK ||
      r.sw === SW_6282_END_OF_FILE ||
      r.sw === SW_6B00_WRONG_P1P2;
    if (!decode) return { data: r.data, sw: r.sw };
    if (r.data.length === 0) {
      this.session = undefined;
      throw new TerminalError(
        'SM_RESPONSE_INVALID',
        `protected response with outer SW ${swText(r.sw)} and an empty body (the desktop client crashes on it, ias/README.md §4.3)`,
        r.sw,
      );
    }
    try {
      const u = unwrapResponse(this.session, seg.ins, r.data);
      this.session = u.session;
      this.annotateLast(u.response);
      sink?.notePlain(wire, plainBytes, encodeResponseApdu(u.response));
      return { data: u.response.data, sw: u.response.sw };
    } catch (e) {
      this.session = undefined;
      if (e instanceof SmError)
        throw new TerminalError(
          'SM_RESPONSE_INVALID',
          `protected response rejected: ${e.message}`,
          r.sw,
        );
      throw e;
    }
  }

  /** Adds the plain response to the last recorded exchange (for reports). */
  private annotateLast(plain: ResponseApdu): void {
    this.recorder.annotateLast({ plainResponse: toHex(encodeResponseApdu(plain)) });
  }

  /** Sends under SM when a session is open, in plain otherwise. */
  async send(cmd: CommandApdu): Promise<Reply> {
    return this.session ? this.protected(cmd) : this.plain(cmd);
  }
}
