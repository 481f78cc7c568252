/**
 * A PC/SC reader — physical, or virtual (this project's driver, Debian's vpcd) — as an
 * {@link ApduChannel}, through the `smartcard` N-API binding. Conformance suites, scenarios and the
 * reference terminals run over it unchanged.
 *
 * - connects SHARED (other applications keep working), T=0 or T=1 as the ATR offers;
 * - extended APDUs: the receive buffer is `maxRecvLength` (default 65 538 = 65 536 + SW);
 * - over T=0, 61xx/6Cxx are resolved as a T=0 reader would (t0.ts);
 * - removal is reported as `CARD_REMOVED`, including the cases pcsc-lite reports late or not at
 *   all (pcsc-errors.ts): an empty response is never returned as an answer.
 */
import { ChannelError, type ApduChannel } from '../channel/apdu-channel.ts';
import {
  loadPcscBinding,
  SCARD_LEAVE_CARD,
  SCARD_PROTOCOL_T0,
  SCARD_PROTOCOL_T1,
  SCARD_RESET_CARD,
  SCARD_SHARE_SHARED,
  SCARD_STATE_PRESENT,
  type PcscBinding,
  type PcscCard,
  type PcscContext,
  type PcscReader,
} from './pcsc-binding.ts';
import { cardRemovedError, mapPcscError } from './pcsc-errors.ts';
import { transmitT0 } from './t0.ts';

export interface PcscChannelOptions {
  /** Exact reader name, or a unique part of it; default: the only reader with a card. */
  readonly reader?: string;
  /** Wait this long for a card to be present at connect (default 0: it must be there). */
  readonly waitForCardMs?: number;
  readonly protocols?: 'T0' | 'T1' | 'any';
  readonly maxRecvLength?: number;
  /** Resolve 61xx/6Cxx when T=0 was negotiated (default true). */
  readonly t0GetResponse?: boolean;
  /** How long to watch the reader after an ambiguous failure (default 1500 ms: > 3 pcscd polls). */
  readonly removalProbeMs?: number;
  readonly binding?: PcscBinding;
}

const PROTOCOLS = {
  T0: SCARD_PROTOCOL_T0,
  T1: SCARD_PROTOCOL_T1,
  any: SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
} as const;
const POLL_MS = 50;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Picks the reader: exact name first, then a unique substring; without a name, the one with a card. */
export function chooseReader(
  readers: readonly PcscReader[],
  wanted: string | undefined,
): PcscReader {
  const names = readers.map((r) => r.name);
  const list = names.length > 0 ? names.map((n) => `'${n}'`).join(', ') : 'none';
  if (wanted === undefined) {
    const withCard = readers.filter((r) => (r.state & SCARD_STATE_PRESENT) !== 0);
    if (withCard.length === 1) return withCard[0] as PcscReader;
    throw new ChannelError(
      'READER_NOT_FOUND',
      `${withCard.length === 0 ? 'no reader has a card' : 'several readers have a card'}; name one with --reader (readers: ${list})`,
    );
  }
  const exact = readers.find((r) => r.name === wanted);
  if (exact) return exact;
  const partial = readers.filter((r) => r.name.includes(wanted));
  if (partial.length === 1) return partial[0] as PcscReader;
  throw new ChannelError(
    'READER_NOT_FOUND',
    `${partial.length === 0 ? 'no reader matches' : 'several readers match'} '${wanted}' (readers: ${list})`,
  );
}

export class PcscChannel implements ApduChannel {
  readonly kind = 'pcsc';
  private readonly options: PcscChannelOptions;
  private ctx: PcscContext | undefined;
  private card: PcscCard | undefined;
  private readerName: string | undefined;

  constructor(options: PcscChannelOptions = {}) {
    this.options = options;
  }

  get description(): string {
    return `pcsc: ${this.readerName ?? this.options.reader ?? '(first reader with a card)'}`;
  }

  /** The reader actually used (after connect). */
  get reader(): string | undefined {
    return this.readerName;
  }

  /** The negotiated protocol: 0 for T=0, 1 for T=1 (after connect). */
  get protocol(): 0 | 1 | undefined {
    if (!this.card) return undefined;
    return this.card.protocol === SCARD_PROTOCOL_T0 ? 0 : 1;
  }

  async connect(): Promise<Uint8Array> {
    const binding = this.options.binding ?? (await loadPcscBinding());
    await this.close();
    const ctx = this.guard(() => new binding.Context(), 'establish a PC/SC context');
    this.ctx = ctx;
    const reader = await this.findReader(ctx);
    this.readerName = reader.name;
    const protocols = PROTOCOLS[this.options.protocols ?? 'any'];
    try {
      this.card = await reader.connect(SCARD_SHARE_SHARED, protocols);
    } catch (e) {
      throw mapPcscError(e, `connect to '${reader.name}'`).error;
    }
    return this.atr();
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    const card = this.requireCard('transmit');
    const send = (c: Uint8Array): Promise<Uint8Array> => this.send(card, c);
    const t0 = card.protocol === SCARD_PROTOCOL_T0 && (this.options.t0GetResponse ?? true);
    return t0 ? transmitT0(send, command) : send(command);
  }

  async reset(): Promise<Uint8Array> {
    const card = this.requireCard('reset');
    try {
      await card.reconnect(
        SCARD_SHARE_SHARED,
        PROTOCOLS[this.options.protocols ?? 'any'],
        SCARD_RESET_CARD,
      );
    } catch (e) {
      throw await this.resolve(e, 'reset');
    }
    return this.atr();
  }

  async close(): Promise<void> {
    const card = this.card;
    const ctx = this.ctx;
    this.card = undefined;
    this.ctx = undefined;
    try {
      card?.disconnect(SCARD_LEAVE_CARD);
    } catch {
      // A removed card cannot be disconnected cleanly; the handle is released either way.
    }
    ctx?.close();
  }

  private atr(): Uint8Array {
    const card = this.requireCard('read the ATR');
    const status = this.guard(() => card.getStatus(), 'read the ATR');
    return new Uint8Array(status.atr);
  }

  private async findReader(ctx: PcscContext): Promise<PcscReader> {
    const deadline = Date.now() + (this.options.waitForCardMs ?? 0);
    for (;;) {
      const readers = this.guard(() => ctx.listReaders(), 'list readers');
      let reader: PcscReader | undefined;
      let failure: ChannelError | undefined;
      try {
        reader = chooseReader(readers, this.options.reader);
      } catch (e) {
        if (!(e instanceof ChannelError)) throw e;
        failure = e;
      }
      const present = reader !== undefined && (reader.state & SCARD_STATE_PRESENT) !== 0;
      if (reader && (present || Date.now() >= deadline)) {
        if (!present) throw new ChannelError('CARD_REMOVED', `no card in '${reader.name}'`);
        return reader;
      }
      if (!reader && Date.now() >= deadline) throw failure as ChannelError;
      await sleep(POLL_MS);
    }
  }

  private async send(card: PcscCard, command: Uint8Array): Promise<Uint8Array> {
    let response: Buffer;
    try {
      response = await card.transmit(Buffer.from(command), {
        maxRecvLength: this.options.maxRecvLength ?? 65_538,
      });
    } catch (e) {
      throw await this.resolve(e, 'transmit');
    }
    if (response.length >= 2) return new Uint8Array(response);
    // An empty "successful" answer is what Debian's vpcd returns when the card vanished mid-APDU.
    if (await this.removed()) throw cardRemovedError('transmit', 'the card left during the APDU');
    throw new ChannelError(
      'TRANSMIT_FAILED',
      `transmit: the reader returned ${response.length} byte(s), not a response APDU`,
    );
  }

  /** Maps an error; for ambiguous ones, watches the reader to tell a removal from a failure. */
  private async resolve(e: unknown, during: string): Promise<ChannelError> {
    const mapped = mapPcscError(e, during);
    if (mapped.ambiguous && (await this.removed()))
      return cardRemovedError(during, mapped.error.message);
    return mapped.error;
  }

  /** True when the reader shows no card (or another card) within the probe window. */
  private async removed(): Promise<boolean> {
    const card = this.card;
    const ctx = this.ctx;
    if (!card || !ctx) return false;
    const deadline = Date.now() + (this.options.removalProbeMs ?? 1500);
    for (;;) {
      try {
        card.getStatus();
      } catch (e) {
        if (mapPcscError(e, 'status').error.code === 'CARD_REMOVED') return true;
      }
      const reader = ctx.listReaders().find((r) => r.name === this.readerName);
      if (!reader || (reader.state & SCARD_STATE_PRESENT) === 0) return true;
      if (Date.now() >= deadline) return false;
      await sleep(POLL_MS);
    }
  }

  private requireCard(what: string): PcscCard {
    if (!this.card) throw new ChannelError('CHANNEL_NOT_CONNECTED', `${what} before connect`);
    return this.card;
  }

  private guard<T>(fn: () => T, during: string): T {
    try {
      return fn();
    } catch (e) {
      throw mapPcscError(e, during).error;
    }
  }
}
