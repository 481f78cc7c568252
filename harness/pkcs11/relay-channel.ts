/**
 * A card in one PC/SC reader, reached through the relay, as an {@link ApduChannel} — with
 * transactions. The daemon runs every card operation (identify, login, sign) inside
 * {@link RelayChannel.transaction}: pcsc-lite then holds other clients' APDUs until the operation
 * ends, so a secure-messaging session is never broken by a plain APDU from another application
 * (the card would end the session, ISO/IEC 7816-4 §10.3 and emulator/src/applications/ias/README.md §5.1).
 */
import { ChannelError, type ApduChannel } from '../channel/apdu-channel.ts';
import { transmitT0 } from '../pcsc/t0.ts';
import {
  DISPOSITION,
  PcscRelayError,
  SCARD,
  STATE_PRESENT,
  type PcscAccess,
} from './pcsc-relay.ts';

const SCARD_PROTOCOL_T0 = 1;

/** Failures that may hide a removal: the reader is asked before the error is reported. */
const AMBIGUOUS: ReadonlySet<number> = new Set([
  SCARD.E_NOT_TRANSACTED,
  SCARD.W_UNRESPONSIVE_CARD,
  SCARD.W_UNPOWERED_CARD,
  SCARD.E_INVALID_HANDLE,
  SCARD.E_READER_UNAVAILABLE,
]);

export class RelayChannel implements ApduChannel {
  readonly kind = 'pcsc';
  private handle: number | undefined;
  private protocol = 0;
  private atr: Uint8Array = new Uint8Array();
  private readonly relay: PcscAccess;
  readonly reader: string;

  constructor(relay: PcscAccess, reader: string) {
    this.relay = relay;
    this.reader = reader;
  }

  get description(): string {
    return `pcsc: ${this.reader}`;
  }

  get connected(): boolean {
    return this.handle !== undefined;
  }

  async connect(): Promise<Uint8Array> {
    if (this.handle !== undefined) return this.atr;
    try {
      const c = await this.relay.connect(this.reader);
      this.handle = c.handle;
      this.protocol = c.protocol;
      this.atr = c.atr;
      return this.atr;
    } catch (e) {
      throw await this.resolve(e);
    }
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    const handle = this.require();
    const send = async (c: Uint8Array): Promise<Uint8Array> => {
      try {
        const r = await this.relay.transmit(handle, c);
        if (r.length < 2)
          throw new ChannelError('TRANSMIT_FAILED', `transmit: ${r.length}-byte answer`);
        return r;
      } catch (e) {
        throw await this.resolve(e);
      }
    };
    return this.protocol === SCARD_PROTOCOL_T0 ? transmitT0(send, command) : send(command);
  }

  /** Warm reset (SCardReconnect with SCARD_RESET_CARD). */
  async reset(): Promise<Uint8Array> {
    const handle = this.require();
    try {
      const r = await this.relay.reconnect(handle, DISPOSITION.reset);
      this.protocol = r.protocol;
      this.atr = r.atr;
      return this.atr;
    } catch (e) {
      throw await this.resolve(e);
    }
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle === undefined) return;
    await this.relay.disconnect(handle, DISPOSITION.leave).catch(() => undefined);
  }

  /**
   * Runs `fn` holding the reader's transaction. A card reset by another application in between
   * (SCARD_W_RESET_CARD) is reconnected first: `fn` always starts from a card state it sets itself.
   */
  async transaction<T>(fn: (channel: RelayChannel) => Promise<T>): Promise<T> {
    await this.connect();
    const handle = this.require();
    try {
      await this.relay.begin(handle);
    } catch (e) {
      if (!(e instanceof PcscRelayError) || e.scard !== SCARD.W_RESET_CARD)
        throw await this.resolve(e);
      await this.relay.reconnect(handle, DISPOSITION.leave).catch(async (e2: unknown) => {
        throw await this.resolve(e2);
      });
      await this.relay.begin(handle).catch(async (e3: unknown) => {
        throw await this.resolve(e3);
      });
    }
    try {
      return await fn(this);
    } finally {
      await this.relay.end(handle, DISPOSITION.leave).catch(() => undefined);
    }
  }

  private require(): number {
    if (this.handle === undefined)
      throw new ChannelError('CHANNEL_NOT_CONNECTED', `${this.reader}: not connected`);
    return this.handle;
  }

  /** Maps a relay failure; an ambiguous one becomes CARD_REMOVED when the reader shows no card. */
  private async resolve(e: unknown): Promise<Error> {
    if (!(e instanceof PcscRelayError)) return e as Error;
    if (e.code === 'CARD_REMOVED') {
      await this.close();
      return e;
    }
    if (!AMBIGUOUS.has(e.scard)) return e;
    const readers = await this.relay.list().catch(() => []);
    const r = readers.find((x) => x.name === this.reader);
    if (!r || (r.state & STATE_PRESENT) === 0) {
      await this.close();
      return new ChannelError('CARD_REMOVED', `${e.message}; '${this.reader}' shows no card`);
    }
    return e;
  }
}
