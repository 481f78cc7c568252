/**
 * PC/SC without pcscd: named readers holding in-process emulated cards, behind the same
 * {@link PcscAccess} interface the relay implements (the daemon's tests, and the scenario runner's
 * desktop journeys, whose card lives in the runner's process). Cards can be inserted, removed (also in the
 * middle of an operation, after the n-th APDU) and reset; a handle opened before a removal gets
 * SCARD_W_REMOVED_CARD, as pcsc-lite answers.
 */
import type { Card } from '../../emulator/src/card/card.ts';
import {
  PcscRelayError,
  SCARD,
  STATE_PRESENT,
  type PcscAccess,
  type RelayConnection,
  type RelayReader,
} from './pcsc-relay.ts';

const STATE_EMPTY = 0x10;

interface FakeReader {
  card: Card | undefined;
  atr: Uint8Array;
  /** Counts insertions and removals (pcsc-lite's event counter). */
  counter: number;
  /** Pull the card out when this many more APDUs have been answered. */
  removeAfter: number | undefined;
}

export class InProcessPcsc implements PcscAccess {
  readonly alive = true;
  private readonly readers = new Map<string, FakeReader>();
  private readonly handles = new Map<number, { reader: string; counter: number }>();
  private nextHandle = 1;
  /** Every APDU sent, per reader (hex), for assertions. */
  readonly sent: { reader: string; apdu: Uint8Array }[] = [];

  constructor(names: readonly string[]) {
    for (const n of names)
      this.readers.set(n, {
        card: undefined,
        atr: new Uint8Array(),
        counter: 0,
        removeAfter: undefined,
      });
  }

  private reader(name: string): FakeReader {
    const r = this.readers.get(name);
    if (!r) throw new PcscRelayError(`reader '${name}'`, SCARD.E_UNKNOWN_READER);
    return r;
  }

  insert(name: string, card: Card): Uint8Array {
    const r = this.reader(name);
    r.card = card;
    r.atr = card.powerOn();
    r.counter++;
    r.removeAfter = undefined;
    return r.atr;
  }

  remove(name: string): void {
    const r = this.reader(name);
    if (!r.card) return;
    r.card.powerOff();
    r.card = undefined;
    r.atr = new Uint8Array();
    r.counter++;
  }

  /** Removes the card once `n` more APDUs have been answered. */
  removeAfterApdus(name: string, n: number): void {
    this.reader(name).removeAfter = n;
  }

  async list(): Promise<RelayReader[]> {
    return [...this.readers.entries()].map(([name, r]) => ({
      name,
      state: ((r.counter & 0xffff) << 16) | (r.card ? STATE_PRESENT : STATE_EMPTY),
      atr: r.atr,
    }));
  }

  private live(handle: number, during: string): { r: FakeReader; card: Card; name: string } {
    const h = this.handles.get(handle);
    if (!h) throw new PcscRelayError(during, SCARD.E_INVALID_HANDLE);
    const r = this.reader(h.reader);
    if (!r.card || r.counter !== h.counter) throw new PcscRelayError(during, SCARD.W_REMOVED_CARD);
    return { r, card: r.card, name: h.reader };
  }

  async connect(name: string): Promise<RelayConnection> {
    const r = this.reader(name);
    if (!r.card) throw new PcscRelayError(`connect to '${name}'`, SCARD.E_NO_SMARTCARD);
    const handle = this.nextHandle++;
    this.handles.set(handle, { reader: name, counter: r.counter });
    return { handle, protocol: 2, atr: r.atr };
  }

  async transmit(handle: number, apdu: Uint8Array): Promise<Uint8Array> {
    const { r, card, name } = this.live(handle, 'transmit');
    this.sent.push({ reader: name, apdu });
    if (r.removeAfter !== undefined && r.removeAfter-- <= 0) {
      this.remove(name);
      throw new PcscRelayError('transmit', SCARD.W_REMOVED_CARD);
    }
    return card.transmit(apdu);
  }

  async begin(handle: number): Promise<void> {
    this.live(handle, 'begin transaction');
  }

  async end(handle: number): Promise<void> {
    this.live(handle, 'end transaction');
  }

  async reconnect(handle: number, init: number): Promise<{ protocol: number; atr: Uint8Array }> {
    const { r, card } = this.live(handle, 'reconnect');
    const atr = init === 0 ? r.atr : card.reset();
    return { protocol: 2, atr };
  }

  async disconnect(handle: number): Promise<void> {
    this.handles.delete(handle);
  }

  async close(): Promise<void> {
    this.handles.clear();
  }
}
