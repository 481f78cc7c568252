/**
 * `trace replay`: send a trace's commands to another card and record what it answers, so the two
 * can be diffed. Plain exchanges are resent as recorded (masked PIN/PUK bytes are refilled from
 * the secrets given, or the exchange is skipped); `61xx` chains are followed as the target card
 * needs (the source's own GET RESPONSE commands are transport-level and not resent). A session
 * establishment block (PACE, BAC, IAS DH+DAPP; see `segments.ts`) is run again by a
 * {@link SessionEstablisher} — a reference terminal — when one is given; otherwise it is resent
 * as recorded (enough for a fragment that stops inside it). Protected exchanges are resent from
 * their plain form (recorded, or decrypted with `--sm-keys`) wrapped in the new session.
 * Every exchange not resent is listed with its reason, and noted in the replay trace.
 */
import {
  commandApdu,
  encodeCommandApdu,
  parseCommandApdu,
} from '../../emulator/src/apdu/command-apdu.ts';
import { encodeResponseApdu } from '../../emulator/src/apdu/response-apdu.ts';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import type { Clock } from '../../emulator/src/crypto/clock.ts';
import { unwrapResponse, wrapCommand } from '../../emulator/src/sm/sm-codec.ts';
import type { SmSession } from '../../emulator/src/sm/sm-session.ts';
import type { ApduChannel } from '../../harness/channel/apdu-channel.ts';
import { annotateTrace, type AnnotateOptions } from '../annotate/annotate.ts';
import { parseTrace } from '../format/read.ts';
import type { Trace, TraceExchange } from '../format/schema.ts';
import { MemorySink, TraceWriter } from '../format/write.ts';
import { RecordingChannel } from '../record/recording-channel.ts';
import { transmitAll } from '../record/transmit-all.ts';
import { classify, type SessionProtocol } from './segments.ts';

/** A command and its answer from the target card, in plain form. */
export interface AnsweredExchange {
  readonly command: Uint8Array;
  readonly response: Uint8Array;
}

/** The narrow port a reference terminal implements for replay (DESIGN.md rule 5). */
export interface SessionEstablisher {
  /**
   * Runs `protocol` on `channel` (which records every exchange) the way the source block did —
   * the block is given for its parameters (PACE OID and password reference, IAS key references)
   * — and returns the secure-messaging session it established. `answered` holds what the target
   * answered so far in this replay (the IAS DH group, CA key and EF 1004 are read before the key
   * exchange, ias/README.md §8.1).
   */
  establish(
    channel: ApduChannel,
    protocol: SessionProtocol,
    block: readonly TraceExchange[],
    answered: readonly AnsweredExchange[],
  ): Promise<SmSession>;
}

export interface ReplaySecrets {
  readonly pin?: string;
  readonly puk?: string;
}

export interface ReplayOptions {
  readonly profile: string;
  readonly establisher?: SessionEstablisher;
  readonly secrets?: ReplaySecrets;
  /** To decrypt protected exchanges of the source that carry no plain form. */
  readonly sourceAnnotation?: AnnotateOptions;
  readonly clock?: Clock;
  readonly description?: string;
}

export interface SkippedExchange {
  readonly seq: number;
  readonly reason: string;
}

export interface ReplayResult {
  readonly trace: Trace;
  readonly skipped: readonly SkippedExchange[];
  readonly established: readonly SessionProtocol[];
}

/** Refills masked PIN/PUK bytes (VERIFY/CHANGE/RESET RETRY COUNTER, ias/README.md §3 rows 18-21). */
function unmask(
  hex: string,
  x: TraceExchange,
  field: 'command' | 'plainCommand',
  secrets: ReplaySecrets | undefined,
): Uint8Array | string {
  const bytes = fromHex(hex);
  const ranges = (x.masked ?? []).filter((m) => m.field === field);
  if (ranges.length === 0) return bytes;
  const p2 = bytes[3];
  const secret = p2 === 0x81 ? secrets?.pin : p2 === 0x82 ? secrets?.puk : undefined;
  if (secret === undefined) return `masked ${p2 === 0x82 ? 'PUK' : 'PIN'} and no --pin/--puk given`;
  for (const r of ranges) {
    if (r.length !== secret.length)
      return `masked field of ${r.length} bytes does not fit the secret given (${secret.length})`;
    bytes.set(new TextEncoder().encode(secret), r.offset);
  }
  return bytes;
}

class Replayer {
  readonly skipped: SkippedExchange[] = [];
  readonly established: SessionProtocol[] = [];
  readonly answered: AnsweredExchange[] = [];
  private session: SmSession | undefined;
  private readonly ch: RecordingChannel;
  private readonly o: ReplayOptions;
  private readonly plainOf: ReadonlyMap<number, { command?: string; response?: string }>;

  constructor(
    ch: RecordingChannel,
    o: ReplayOptions,
    plainOf: ReadonlyMap<number, { command?: string; response?: string }>,
  ) {
    this.ch = ch;
    this.o = o;
    this.plainOf = plainOf;
  }

  skip(x: TraceExchange, reason: string): void {
    this.skipped.push({ seq: x.seq, reason });
    this.ch.remark(`replay: source #${x.seq} not resent: ${reason}`);
  }

  async plain(x: TraceExchange): Promise<void> {
    if (x.incomplete)
      return this.skip(x, 'incomplete in the source (cut short): nothing to resend');
    const cmd = unmask(x.command, x, 'command', this.o.secrets);
    if (typeof cmd === 'string') return this.skip(x, cmd);
    this.session = undefined; // a plain command ends any SM session (ICAO 9303-11 §9.8.4.2)
    const rsp = await transmitAll(this.ch, cmd);
    this.answered.push({ command: cmd, response: rsp });
    if (rsp.length < 2) this.skip(x, 'target gave no status word');
  }

  async establish(protocol: SessionProtocol, block: TraceExchange[]): Promise<void> {
    if (this.o.establisher === undefined) {
      for (const x of block) await this.plain(x);
      return;
    }
    for (const x of block)
      this.skip(x, `session establishment (${protocol}) run again by the reference terminal`);
    this.session = await this.o.establisher.establish(this.ch, protocol, block, this.answered);
    this.established.push(protocol);
  }

  async protectedExchange(x: TraceExchange): Promise<void> {
    const plain = this.plainOf.get(x.seq);
    if (this.session === undefined)
      return this.skip(
        x,
        'protected, and no session was established on the target (give a reference terminal)',
      );
    if (plain?.command === undefined)
      return this.skip(
        x,
        'protected, and its plain form is unknown (record it with plain forms or give --sm-keys)',
      );
    const bytes = unmask(plain.command, x, 'plainCommand', this.o.secrets);
    if (typeof bytes === 'string') return this.skip(x, bytes);
    const apdu = parseCommandApdu(bytes);
    const w = wrapCommand(
      this.session,
      commandApdu({
        cla: apdu.cla,
        ins: apdu.ins,
        p1: apdu.p1,
        p2: apdu.p2,
        data: apdu.data,
        ne: apdu.ne,
        form: apdu.form,
      }),
    );
    const wire = encodeCommandApdu(w.apdu);
    const rsp = await transmitAll(this.ch, wire);
    if (rsp.length <= 2) {
      this.session = undefined; // plain SM error: the card ended the session
      return;
    }
    const u = unwrapResponse(w.session, apdu.ins, rsp.subarray(0, rsp.length - 2));
    this.session = u.session;
    const plainResponse = encodeResponseApdu(u.response);
    this.answered.push({ command: bytes, response: plainResponse });
    this.ch.notePlain(wire, bytes, plainResponse);
  }
}

export async function replayTrace(
  source: Trace,
  target: ApduChannel,
  o: ReplayOptions,
): Promise<ReplayResult> {
  const plainOf = new Map<number, { command?: string; response?: string }>();
  for (const item of annotateTrace(source, o.sourceAnnotation).items) {
    if ('exchange' in item && item.exchange.sm?.plainCommand)
      plainOf.set(item.exchange.seq, {
        command: item.exchange.sm.plainCommand.hex,
        ...(item.exchange.sm.plainResponse ? { response: item.exchange.sm.plainResponse.hex } : {}),
      });
  }
  const sink = new MemorySink();
  const ch = new RecordingChannel(target, new TraceWriter(sink.write), {
    profile: o.profile,
    description: o.description ?? `replay of a ${source.header.profile} trace`,
    ...(o.clock ? { clock: o.clock } : {}),
  });
  const r = new Replayer(ch, o, plainOf);
  await ch.connect();
  const exchanges = source.records.filter((x): x is TraceExchange => x.type === 'exchange');
  const classified = classify(exchanges);
  let block: TraceExchange[] = [];
  try {
    for (const c of classified) {
      if (c.kind === 'establish') {
        block.push(c.exchange);
        if (c.last) {
          await r.establish(c.protocol as SessionProtocol, block);
          block = [];
        }
      } else if (c.kind === 'transport')
        r.skip(
          c.exchange,
          'GET RESPONSE of the source (after 61xx): re-issued as the target card requires',
        );
      else if (c.kind === 'protected') await r.protectedExchange(c.exchange);
      else await r.plain(c.exchange);
    }
  } finally {
    await ch.close();
  }
  return { trace: parseTrace(sink.text()), skipped: r.skipped, established: r.established };
}
