/**
 * The bench's readers outside the process — one slot of the virtual PC/SC reader (vpcd) and the
 * WebSocket NFC endpoint, as `ciebench start` runs them — and which managed card sits in each.
 * A reader holds one card at a time, as a real one does: placing a card in a reader takes the
 * card that was there out of it (a PC/SC application sees the removal, a phone loses the tag).
 *
 * A card in both readers is one card in one place at a time (CardHost's rule: an NFC session
 * takes it out of the PC/SC reader until the session ends). Every placement brings up the card's
 * transports afresh on the same addresses; the card's faults, Remove and Insert reach them through
 * its slot (reader-slot.ts: the gate and the outer readers).
 */
import { BenchError } from '../../emulator/src/host-error.ts';
import { CardHost, type Endpoint } from '../../harness/transport/card-host.ts';
import type { ControlCard } from './control-card.ts';

export type BenchReaderName = 'vpcd' | 'nfc';

export interface BenchReadersOptions {
  /** The vpcd reader slot the cards connect to (absent: no PC/SC here). */
  readonly vpcd?: Endpoint;
  /** Where the NFC endpoint listens (port 0: a free port, kept for every later placement). */
  readonly nfc?: Endpoint;
  /** Transport events as text lines (the bench's log). */
  readonly onLine?: (tag: string, text: string) => void;
}

/** A reader and the card in it, as the API lists them. */
export interface BenchReaderInfo {
  readonly reader: BenchReaderName;
  /** `127.0.0.1:35963` or `ws://127.0.0.1:35990` (the NFC one once it has listened). */
  readonly address: string;
  readonly card?: string;
}

interface Placed {
  readonly card: ControlCard;
  readonly host: CardHost;
  readonly readers: ReadonlySet<BenchReaderName>;
  /** Lets go what these transports hold at the card's gate (before they are stopped). */
  readonly release: () => void;
}

export class BenchReaders {
  private readonly o: BenchReadersOptions;
  private nfcPort: number | undefined;
  private readonly placed = new Map<string, Placed>();
  /** One placement at a time: transports come down before others come up on the same address. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(o: BenchReadersOptions) {
    this.o = o;
    this.nfcPort = o.nfc?.port || undefined;
  }

  /** The readers this bench has. */
  get available(): readonly BenchReaderName[] {
    return [...(this.o.vpcd ? ['vpcd' as const] : []), ...(this.o.nfc ? ['nfc' as const] : [])];
  }

  /** The NFC endpoint's URL once it has listened. */
  get nfcUrl(): string | undefined {
    return this.o.nfc && this.nfcPort ? `ws://${this.o.nfc.host}:${this.nfcPort}` : undefined;
  }

  list(): BenchReaderInfo[] {
    const holder = (r: BenchReaderName): string | undefined =>
      [...this.placed.values()].find((p) => p.readers.has(r))?.card.id;
    return this.available.map((reader) => {
      const card = holder(reader);
      const address =
        reader === 'vpcd'
          ? `${this.o.vpcd?.host}:${this.o.vpcd?.port}`
          : (this.nfcUrl ?? `ws://${this.o.nfc?.host}:${this.o.nfc?.port}`);
      return { reader, address, ...(card ? { card } : {}) };
    });
  }

  /**
   * Puts `card` in exactly the readers named (none: out of every bench reader); the cards that
   * held those readers leave them. Resolves once the transports are up.
   */
  async place(card: ControlCard, readers: readonly BenchReaderName[]): Promise<void> {
    if (this.closed) throw new BenchError('CONTROL_CLOSING', 'the bench is stopping', 'input');
    for (const r of readers)
      if (!this.available.includes(r))
        throw new BenchError(
          'CONTROL_NO_READER',
          r === 'vpcd'
            ? 'this bench has no virtual PC/SC reader (pcscd with vpcd or the CIE Bench driver was not found at start)'
            : 'this bench has no NFC endpoint (started with --no-nfc)',
          'input',
        );
    const run = this.queue.then(() => this.doPlace(card, new Set(readers)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Takes every card out and stops the transports. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    for (const p of this.placed.values()) {
      p.release();
      p.card.detachOuter();
      await p.host.stop();
    }
    this.placed.clear();
  }

  private async doPlace(card: ControlCard, wanted: ReadonlySet<BenchReaderName>): Promise<void> {
    const now = this.placed.get(card.id)?.readers ?? new Set<BenchReaderName>();
    // Where it already is: nothing to bring down (its sessions there go on).
    if (now.size === wanted.size && [...wanted].every((r) => now.has(r))) return;
    // The cards holding a wanted reader give it up (with their other readers kept).
    for (const other of [...this.placed.values()]) {
      if (other.card === card) continue;
      const keep = new Set([...other.readers].filter((r) => !wanted.has(r)));
      if (keep.size !== other.readers.size) await this.rehost(other.card, keep);
    }
    await this.rehost(card, wanted);
  }

  private async rehost(card: ControlCard, readers: ReadonlySet<BenchReaderName>): Promise<void> {
    const old = this.placed.get(card.id);
    if (old) {
      // Held APDUs are let go first: the transports' stop waits for their commands in flight.
      old.release();
      card.detachOuter();
      this.placed.delete(card.id);
      await old.host.stop();
    }
    if (readers.size === 0) return;
    const gate = card.slot.openGate();
    const host = new CardHost({
      card: card.card,
      description: card.recipe.description,
      ...(readers.has('vpcd') && this.o.vpcd ? { vpcd: this.o.vpcd } : {}),
      ...(readers.has('nfc') && this.o.nfc
        ? {
            nfc: { host: this.o.nfc.host, port: this.nfcPort ?? this.o.nfc.port },
            nfcCards: 'shared' as const,
          }
        : {}),
      gate: gate.gate,
      ...(this.o.onLine ? { onLine: this.o.onLine } : {}),
    });
    // A transport that cannot come up (the NFC port taken) must not leave the others running.
    const addresses = await host.start().catch(async (e: unknown) => {
      gate.release();
      await host.stop();
      throw e;
    });
    if (addresses.nfc) this.nfcPort = Number(new URL(addresses.nfc).port);
    this.placed.set(card.id, { card, host, readers, release: gate.release });
    card.attachOuter({
      places: [
        ...(addresses.vpcd ? [`virtual PC/SC reader (vpcd ${addresses.vpcd})`] : []),
        ...(addresses.nfc ? [`NFC endpoint ${addresses.nfc}`] : []),
      ],
      removeCard: () => host.removeCard(),
      insertCard: () => host.insertCard(),
    });
  }
}
