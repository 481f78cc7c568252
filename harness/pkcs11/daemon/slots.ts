/**
 * Slots and tokens: one slot per PC/SC reader (slot ids stay with the reader name for the
 * daemon's lifetime), a token when the reader holds a card whose ATR is a CIE 3.0's (the desktop
 * ATR table, harness/terminals/ias/personality.ts). A card is identified once per insertion
 * (pcsc-lite's event counter or a new ATR tell insertions apart) and its pairing is re-read when
 * the pairing file changes. Card operations on a slot run one at a time.
 */
import type { Rng } from '../../../emulator/src/crypto/rng.ts';
import { detectFromAtr, type MiddlewareType } from '../../terminals/ias/personality.ts';
import type { CardKey } from '../pairing/card-key.ts';
import { openPairing, pairingStamp, readPairing } from '../pairing/store.ts';
import { CKR } from '../p11-constants.ts';
import type { PcscAccess } from '../pcsc-relay.ts';
import { STATE_MUTE, STATE_PRESENT } from '../pcsc-relay.ts';
import { RelayChannel } from '../relay-channel.ts';
import { CardOpError, identifyCard } from './card-ops.ts';
import { tokenObjects, type TokenObject } from './objects.ts';

export interface Pairing {
  readonly stamp: string;
  readonly first4: string;
  readonly holder: string;
  readonly notAfter: Date;
  readonly certificate: TokenObject;
  readonly privateKey: TokenObject;
  readonly modulusBytes: number;
}

export interface Token {
  readonly insertion: number;
  readonly atrType: MiddlewareType;
  readonly nis: string;
  readonly key: CardKey;
  /** Tries left as the last VERIFY answered (unknown before the first). */
  tries: number | undefined;
  pairing: Pairing | undefined;
  /** A pairing file that does not open with this card's key (another card, or damaged). */
  pairingProblem: string | undefined;
}

export interface Slot {
  readonly id: number;
  readonly reader: string;
  present: boolean;
  atr: Uint8Array;
  counter: number;
  insertion: number;
  channel: RelayChannel | undefined;
  token: Token | undefined;
  /** Card operations on this slot, one after the other. */
  queue: Promise<unknown>;
}

export interface SlotRegistryOptions {
  readonly relay: () => PcscAccess;
  readonly pairingsDir: string;
  readonly rng: Rng;
  /** Called when the card of a slot went away or changed (its sessions close). */
  readonly onRemoved: (slot: Slot, insertion: number) => void;
  /** Shortest interval between two reader listings (default 150 ms). */
  readonly refreshMs?: number;
}

export class SlotRegistry {
  private readonly slots = new Map<string, Slot>();
  private nextSlotId = 1;
  private nextInsertion = 1;
  private nextHandle = 1;
  private lastRefresh = 0;
  private refreshing: Promise<void> | undefined;
  private readonly o: SlotRegistryOptions;

  constructor(o: SlotRegistryOptions) {
    this.o = o;
  }

  all(): Slot[] {
    return [...this.slots.values()].sort((a, b) => a.id - b.id);
  }

  byId(id: number): Slot | undefined {
    return this.all().find((s) => s.id === id);
  }

  /** Re-reads the readers (rate-limited unless `force`). */
  async refresh(force = false): Promise<void> {
    if (!force && Date.now() - this.lastRefresh < (this.o.refreshMs ?? 150)) return;
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const readers = await this.o.relay().list();
    this.lastRefresh = Date.now();
    const seen = new Set<string>();
    for (const r of readers) {
      seen.add(r.name);
      let slot = this.slots.get(r.name);
      if (!slot) {
        slot = {
          id: this.nextSlotId++,
          reader: r.name,
          present: false,
          atr: new Uint8Array(),
          counter: -1,
          insertion: 0,
          channel: undefined,
          token: undefined,
          queue: Promise.resolve(),
        };
        this.slots.set(r.name, slot);
      }
      const present =
        (r.state & STATE_PRESENT) !== 0 &&
        (r.state & STATE_MUTE) === 0 &&
        detectFromAtr(r.atr) !== undefined;
      const counter = r.state >>> 16;
      const changed =
        present &&
        (!slot.present ||
          counter !== slot.counter ||
          !Buffer.from(r.atr).equals(Buffer.from(slot.atr)));
      if ((!present && slot.present) || changed) this.remove(slot);
      if (changed) {
        slot.present = true;
        slot.insertion = this.nextInsertion++;
      }
      slot.counter = counter;
      slot.atr = r.atr;
    }
    for (const slot of this.slots.values())
      if (!seen.has(slot.reader) && slot.present) this.remove(slot);
  }

  /** Forgets the card of `slot` (removed, changed, or found gone during an operation). */
  remove(slot: Slot): void {
    const insertion = slot.insertion;
    const wasPresent = slot.present;
    slot.present = false;
    slot.token = undefined;
    const ch = slot.channel;
    slot.channel = undefined;
    void ch?.close();
    if (wasPresent) this.o.onRemoved(slot, insertion);
  }

  /** Runs a card operation on `slot` after the ones before it. */
  exclusive<T>(slot: Slot, fn: () => Promise<T>): Promise<T> {
    const next = slot.queue.then(fn, fn);
    slot.queue = next.catch(() => undefined);
    return next;
  }

  channelOf(slot: Slot): RelayChannel {
    slot.channel ??= new RelayChannel(this.o.relay(), slot.reader);
    return slot.channel;
  }

  /**
   * The token of a present slot, identified on first use, with its pairing current. Throws
   * {@link CardOpError} (CKR_TOKEN_NOT_PRESENT, CKR_TOKEN_NOT_RECOGNIZED, CKR_DEVICE_REMOVED, …).
   */
  async token(slot: Slot): Promise<Token> {
    if (!slot.present) throw new CardOpError(CKR.TOKEN_NOT_PRESENT, `no CIE in '${slot.reader}'`);
    const insertion = slot.insertion;
    const token =
      slot.token ??
      (await this.exclusive(slot, async () => {
        if (slot.token && slot.token.insertion === insertion) return slot.token;
        try {
          const id = await identifyCard(this.channelOf(slot), this.o.rng);
          const t: Token = {
            insertion,
            atrType: id.atrType,
            nis: id.nis,
            key: id.key,
            tries: undefined,
            pairing: undefined,
            pairingProblem: undefined,
          };
          if (slot.insertion === insertion && slot.present) slot.token = t;
          return t;
        } catch (e) {
          if (e instanceof CardOpError && e.rv === CKR.DEVICE_REMOVED) this.remove(slot);
          throw e;
        }
      }));
    this.loadPairing(token);
    return token;
  }

  /** (Re)reads the pairing file of the token when it changed on disk. */
  private loadPairing(t: Token): void {
    const stamp = pairingStamp(this.o.pairingsDir, t.nis);
    if (t.pairing?.stamp === stamp || (stamp === '-' && !t.pairing && !t.pairingProblem)) return;
    t.pairing = undefined;
    t.pairingProblem = undefined;
    let record;
    try {
      record = readPairing(this.o.pairingsDir, t.nis);
    } catch (e) {
      t.pairingProblem = (e as Error).message;
      return;
    }
    if (!record) return;
    const secrets = openPairing(record, t.key);
    if (!secrets) {
      t.pairingProblem = `the pairing of ${t.nis} does not open with this card's key: pair the card again`;
      return;
    }
    try {
      const objects = tokenObjects(secrets.certificate, {
        certificate: this.nextHandle++,
        privateKey: this.nextHandle++,
      });
      t.pairing = {
        stamp,
        first4: secrets.pinHalf,
        holder: record.holder,
        notAfter: new Date(record.notAfter),
        ...objects,
      };
    } catch (e) {
      t.pairingProblem = `the paired certificate is unusable: ${(e as Error).message}`;
    }
  }
}
