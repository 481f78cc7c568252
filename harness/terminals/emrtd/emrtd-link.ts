/**
 * The inspection system's APDU layer over any ApduChannel (ICAO 9303-11 §9.8; emrtd/README.md §2.1,
 * §2.3): plain and secure-messaging commands, extended length whenever a field exceeds the short
 * form (PACE-DH mapping data is 256 bytes, emrtd/README.md §1.1), `61xx` continuation with GET RESPONSE
 * and `6Cxx` retry. Every exchange is recorded (wire and plain form) in the current step.
 *
 * A protected response is verified (MAC, DO 99) whenever it has a body; an error answered in plain
 * (e.g. `6988` after a bad MAC) means the chip dropped the session, so the link drops it too.
 */
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
import { SW_9000_OK, statusWordOf } from '../../../emulator/src/apdu/status-words.ts';
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import { SmError, unwrapResponse, wrapCommand } from '../../../emulator/src/sm/sm-codec.ts';
import type { SmSession } from '../../../emulator/src/sm/sm-session.ts';
import type { ApduChannel } from '../../channel/apdu-channel.ts';
import {
  plainCommandHex,
  type StepRecorder,
  swText,
  TerminalError,
} from '../common/step-report.ts';

const MAX_GET_RESPONSE = 512;

export interface Reply {
  readonly data: Uint8Array;
  readonly sw: number;
}

export interface CommandInit {
  readonly cla?: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly data?: Uint8Array;
  /** Expected response length (0 = no Le; 256/65536 = Le 00/0000). */
  readonly ne?: number;
  /** Force the extended form (Lc/Le on three/two bytes). */
  readonly extended?: boolean;
}

export class EmrtdLink {
  private readonly channel: ApduChannel;
  private readonly recorder: StepRecorder;
  private readonly showSecrets: boolean;
  /** Current secure-messaging session (undefined = plain). */
  session: SmSession | undefined;

  constructor(channel: ApduChannel, recorder: StepRecorder, showSecrets = false) {
    this.channel = channel;
    this.recorder = recorder;
    this.showSecrets = showSecrets;
  }

  private async raw(
    command: Uint8Array,
  ): Promise<{ rsp: ResponseApdu; raw: Uint8Array; startedAt: number; durationMs: number }> {
    const startedAt = performance.now();
    const raw = await this.channel.transmit(command);
    const durationMs = performance.now() - startedAt;
    if (raw.length < 2)
      throw new TerminalError(
        'BAD_RESPONSE',
        `response of ${raw.length} byte(s) has no status word`,
      );
    return { rsp: parseResponseApdu(raw), raw, startedAt, durationMs };
  }

  private async exchange(
    command: Uint8Array,
    plain?: Uint8Array,
    plainResponse?: (r: ResponseApdu) => Uint8Array | undefined,
  ): Promise<ResponseApdu> {
    const x = await this.raw(command);
    let rsp = x.rsp;
    let plainRsp: Uint8Array | undefined;
    try {
      rsp = await this.collect(x.rsp);
      plainRsp = plainResponse?.(rsp);
    } finally {
      this.recorder.record({
        command: toHex(command),
        response: toHex(x.raw),
        ...(plain ? { plainCommand: plainCommandHex(plain, this.showSecrets) } : {}),
        ...(plainRsp ? { plainResponse: toHex(plainRsp) } : {}),
        startedAt: x.startedAt,
        durationMs: x.durationMs,
      });
    }
    return rsp;
  }

  /** `61xx` continuations (ISO/IEC 7816-4 §5.3.4): GET RESPONSE until done. */
  private async collect(first: ResponseApdu): Promise<ResponseApdu> {
    let data = first.data;
    let sw: number = first.sw;
    for (let i = 0; sw >> 8 === 0x61; i++) {
      if (i >= MAX_GET_RESPONSE) throw new TerminalError('BAD_RESPONSE', 'endless 61xx chain');
      const next = await this.raw(Uint8Array.of(0x00, 0xc0, 0x00, 0x00, sw & 0xff));
      this.recorder.record({
        command: toHex(Uint8Array.of(0x00, 0xc0, 0x00, 0x00, sw & 0xff)),
        response: toHex(next.raw),
        startedAt: next.startedAt,
        durationMs: next.durationMs,
      });
      data = concatBytes(data, next.rsp.data);
      sw = next.rsp.sw;
    }
    return { data, sw: statusWordOf(sw) };
  }

  static build(c: CommandInit): CommandApdu {
    const data = c.data ?? new Uint8Array(0);
    const ne = c.ne ?? 0;
    const extended = c.extended === true || data.length > 255 || ne > 256;
    return commandApdu({
      cla: c.cla ?? 0x00,
      ins: c.ins,
      p1: c.p1,
      p2: c.p2,
      data,
      ne: extended && ne === 256 ? 65536 : ne,
      ...(extended ? { form: 'extended' as const } : {}),
    });
  }

  /** A plain command; ends the link's SM session (a plain APDU ends the chip's, emrtd/README.md §2.3). */
  async plain(c: CommandInit): Promise<Reply> {
    this.session = undefined;
    const apdu = EmrtdLink.build(c);
    let r = await this.exchange(encodeCommandApdu(apdu));
    if (r.sw >> 8 === 0x6c) {
      const xx = r.sw & 0xff;
      r = await this.exchange(
        encodeCommandApdu(
          commandApdu({
            cla: apdu.cla,
            ins: apdu.ins,
            p1: apdu.p1,
            p2: apdu.p2,
            data: apdu.data,
            ne: xx === 0 ? 256 : xx,
          }),
        ),
      );
    }
    return { data: r.data, sw: r.sw };
  }

  /** A protected command: wrapped, sent, the response verified and decrypted (SW from DO 99). */
  async protected(c: CommandInit): Promise<Reply> {
    const session = this.session;
    if (!session)
      throw new TerminalError('NO_SECURE_CHANNEL', 'protected command without an SM session');
    const plain = EmrtdLink.build(c);
    const wrapped = wrapCommand(session, plain);
    this.session = wrapped.session;
    let reply: Reply | undefined;
    const r = await this.exchange(
      encodeCommandApdu(wrapped.apdu),
      encodeCommandApdu(plain),
      (rsp) => {
        if (rsp.data.length === 0) return undefined;
        try {
          const u = unwrapResponse(this.session as SmSession, plain.ins, rsp.data);
          this.session = u.session;
          reply = { data: u.response.data, sw: u.response.sw };
          return encodeResponseApdu(u.response);
        } catch (e) {
          this.session = undefined;
          if (e instanceof SmError)
            throw new TerminalError(
              'SM_RESPONSE_INVALID',
              `protected response rejected: ${e.message}`,
              rsp.sw,
            );
          throw e;
        }
      },
    );
    if (reply) return reply;
    // An answer without SM objects: the chip has dropped the session (ICAO 9303-11 §9.8.4).
    this.session = undefined;
    return { data: r.data, sw: r.sw };
  }

  /** Under SM when a session is open, in plain otherwise. */
  async send(c: CommandInit): Promise<Reply> {
    return this.session ? this.protected(c) : this.plain(c);
  }

  /** Like {@link send}; throws TerminalError(code) unless the SW is one of `ok` (default 9000). */
  async expect(
    c: CommandInit,
    code: string,
    what: string,
    ok: readonly number[] = [SW_9000_OK],
  ): Promise<Reply> {
    const r = await this.send(c);
    if (!ok.includes(r.sw)) throw new TerminalError(code, `${what}: SW ${swText(r.sw)}`, r.sw);
    return r;
  }
}
