/**
 * Client-side recording: a {@link RecordingChannel} wraps any {@link ApduChannel} (a PC/SC reader
 * with a physical card, vpcd, the NFC relay, in-process) and writes every exchange in the trace
 * format, with µs timings taken around the inner `transmit`. Each exchange is written once, when
 * the next exchange starts or the channel closes, so a secure-messaging layer above the channel
 * can first attach the plain form it knows ({@link PlainFormSink}: the reference terminal's own
 * session keys). PIN/PUK bytes are masked unless `revealSecrets`.
 */
import { equalBytes } from '../../emulator/src/bytes/bytes.ts';
import { toHex } from '../../emulator/src/bytes/hex.ts';
import { systemClock, type Clock } from '../../emulator/src/crypto/clock.ts';
import { TOOL_NAME, TOOL_VERSION } from '../../emulator/src/version.ts';
import type { ApduChannel, PlainFormSink } from '../../harness/channel/apdu-channel.ts';

export { isPlainFormSink, type PlainFormSink } from '../../harness/channel/apdu-channel.ts';
import {
  maskBytes,
  maskSecretsInText,
  secretRanges,
} from '../../emulator/src/apdu/secret-masking.ts';
import { transportSchema, type MaskedRange, type TraceTransport } from '../format/schema.ts';
import type { TraceWriter } from '../format/write.ts';

/** What an SM layer above a recording channel calls to attach the plain form of the last exchange. */
export interface RecordingChannelOptions {
  readonly profile?: string;
  readonly transport?: TraceTransport;
  readonly revealSecrets?: boolean;
  readonly description?: string;
  readonly clock?: Clock;
}

interface Pending {
  readonly command: Uint8Array;
  readonly response: Uint8Array;
  readonly tStart: number;
  readonly tEnd: number;
  plainCommand?: Uint8Array;
  plainResponse?: Uint8Array;
  readonly notes: string[];
  readonly incomplete: boolean;
}

function transportOf(kind: string): TraceTransport {
  const parsed = transportSchema.safeParse(kind);
  return parsed.success ? parsed.data : 'pcsc';
}

export class RecordingChannel implements ApduChannel, PlainFormSink {
  readonly kind: string;
  readonly description: string;
  private readonly inner: ApduChannel;
  private readonly writer: TraceWriter;
  private readonly clock: Clock;
  private readonly reveal: boolean;
  private readonly t0: number;
  /**
   * Exchanges held back for their plain form: the last exchange and the GET RESPONSE commands
   * that continue its `61xx` chain (a terminal knows the plain response only once the chain is
   * complete). Written when the next other command, event or flush comes.
   */
  private held: Pending[] = [];

  constructor(inner: ApduChannel, writer: TraceWriter, options: RecordingChannelOptions = {}) {
    this.inner = inner;
    this.writer = writer;
    this.kind = inner.kind;
    this.description = `recording ${inner.description}`;
    this.clock = options.clock ?? systemClock;
    this.reveal = options.revealSecrets ?? false;
    this.t0 = this.clock.nowMicros();
    writer.header({
      type: 'header',
      format: 'ciebench-trace',
      version: 1,
      profile: options.profile ?? 'unknown',
      transport: options.transport ?? transportOf(inner.kind),
      tool: `${TOOL_NAME} ${TOOL_VERSION}`,
      startedAt: this.clock.now().toISOString(),
      recordedBy: 'terminal',
      secrets: this.reveal ? 'revealed' : 'masked',
      ...(options.description ? { description: options.description } : {}),
    });
  }

  private now(): number {
    return Math.max(0, Math.round(this.clock.nowMicros() - this.t0));
  }

  async connect(): Promise<Uint8Array> {
    this.flush();
    const atr = await this.inner.connect();
    this.writer.event({ t: this.now(), kind: 'power-on', atr: toHex(atr) });
    return atr;
  }

  /** A GET RESPONSE answering the `61xx` of the last held exchange (ISO/IEC 7816-4:2020 §7.6.1). */
  private continuesChain(command: Uint8Array): boolean {
    const last = this.held.at(-1);
    return (
      command.length >= 4 &&
      command[1] === 0xc0 &&
      last !== undefined &&
      last.response.length >= 2 &&
      last.response[last.response.length - 2] === 0x61
    );
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    if (!this.continuesChain(command)) this.flush();
    const tStart = this.now();
    try {
      const response = await this.inner.transmit(command);
      this.held.push({
        command: command.slice(),
        response: response.slice(),
        tStart,
        tEnd: this.now(),
        notes: [],
        incomplete: response.length < 2,
      });
      return response;
    } catch (e) {
      const err = e as Error & { code?: string };
      this.held.push({
        command: command.slice(),
        response: new Uint8Array(0),
        tStart,
        tEnd: this.now(),
        notes: [`transmit failed: ${err.code ? `[${err.code}] ` : ''}${err.message}`],
        incomplete: true,
      });
      this.flush();
      throw e;
    }
  }

  notePlain(wireCommand: Uint8Array, plainCommand: Uint8Array, plainResponse?: Uint8Array): void {
    const p = this.held.find((h) => equalBytes(h.command, wireCommand));
    if (p === undefined) return;
    p.plainCommand = plainCommand.slice();
    if (plainResponse) p.plainResponse = plainResponse.slice();
  }

  /** Adds a remark to the last exchange (a terminal's own log line). */
  note(text: string): void {
    this.held.at(-1)?.notes.push(this.reveal ? text : maskSecretsInText(text));
  }

  /** A free-text note event in the trace, after the exchanges so far. */
  remark(text: string): void {
    this.flush();
    this.writer.event({
      t: this.now(),
      kind: 'note',
      text: this.reveal ? text : maskSecretsInText(text),
    });
  }

  async reset(): Promise<Uint8Array> {
    this.flush();
    const atr = await this.inner.reset();
    this.writer.event({ t: this.now(), kind: 'reset', atr: toHex(atr) });
    return atr;
  }

  async close(): Promise<void> {
    this.flush();
    await this.inner.close();
    this.writer.event({ t: this.now(), kind: 'power-off' });
  }

  /** Writes the exchanges held back for their plain form. */
  flush(): void {
    const held = this.held;
    this.held = [];
    for (const p of held) this.write(p);
  }

  private write(p: Pending): void {
    const masked: MaskedRange[] = [];
    const mask = (field: 'command' | 'plainCommand', bytes: Uint8Array): string => {
      if (this.reveal) return toHex(bytes);
      const ranges = secretRanges(bytes);
      for (const r of ranges) masked.push({ field, ...r });
      return toHex(maskBytes(bytes, ranges));
    };
    this.writer.exchange({
      tStart: p.tStart,
      tEnd: p.tEnd,
      command: mask('command', p.command),
      response: toHex(p.response),
      ...(p.plainCommand ? { plainCommand: mask('plainCommand', p.plainCommand) } : {}),
      ...(p.plainResponse ? { plainResponse: toHex(p.plainResponse) } : {}),
      ...(masked.length ? { masked } : {}),
      ...(p.notes.length ? { notes: p.notes } : {}),
      ...(p.incomplete ? { incomplete: true as const } : {}),
    });
  }
}
