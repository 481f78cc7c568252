/**
 * The control server's in-process reader: one slot holding one emulated card, from which the
 * card can be removed and into which it can be inserted again while a terminal talks to it.
 *
 * A session (an {@link ApduChannel} from {@link ReaderSlot.channel}) belongs to one insertion of
 * the card. Once the card is removed — or reset by someone else — that session fails on its next
 * exchange with the harness's channel errors, as a PC/SC application sees it: `CARD_REMOVED`
 * (SCARD_W_REMOVED_CARD) after a removal, `CARD_RESET` (SCARD_W_RESET_CARD) after a reset by
 * another party. A removal powers the card off, so every volatile state (selection, security
 * status, secure messaging) is lost exactly as on a real card pulled from the field.
 *
 * Every exchange first yields to the event loop, as a real reader's I/O does: the emulated card
 * answers synchronously, and without the yield a whole login would run before the server could
 * act on a "remove" request made while it runs.
 *
 * The same card may also sit in readers outside this process — the virtual PC/SC reader (vpcd)
 * and the NFC endpoint of `ciebench start`. The slot then stands for the card's place in the
 * world: `remove` and `insert` act on those readers too ({@link OuterReaders}), and the faults
 * apply to their exchanges through the gate the slot hands them ({@link ReaderSlot.gate}), so a
 * terminal on PC/SC sees a stalled reader or a removed card exactly as one in-process does.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Card } from '../../emulator/src/card/card.ts';
import { ChannelError, type ApduChannel } from '../../harness/channel/apdu-channel.ts';
import type { CardGate, GateAnswer, GateDecision } from '../../harness/transport/card-gate.ts';

/** Readers outside the process holding the same card (the bench's CardHost). */
export interface OuterReaders {
  /** Where they are, for the state shown (`vpcd 127.0.0.1:35963`, `nfc ws://…`). */
  readonly places: readonly string[];
  /** Takes the card out of all of them (resolves when their commands in flight have ended). */
  removeCard(): Promise<void>;
  /** Puts it back. */
  insertCard(): void;
}

/** Where the card is: in the slot (with the insertion number) or out of it. */
export type SlotState =
  | { readonly kind: 'inserted'; readonly insertion: number }
  | { readonly kind: 'removed'; readonly insertion: number };

/** The reader's faults for sessions (what the control API sets). */
export interface SlotFaults {
  /** Delay before every exchange, milliseconds (a slow reader; 0: none). */
  readonly delayMs: number;
  /**
   * After this many exchanges of a session, the reader holds the next one until the card is
   * removed or reset (a card left in a stalled field); undefined: never.
   */
  readonly stallAfter?: number;
  /**
   * The card leaves the field after this many exchanges of the next session (a tag lost at APDU
   * n + 1): the session fails with `CARD_REMOVED` and the card is out of the reader. One-shot.
   */
  readonly removeAfter?: number;
  /**
   * The answer to exchange n (1-based) of the next session reaches the terminal with its last
   * data byte's low bit flipped (SW2's when the answer has no data): a corrupted answer. One-shot.
   */
  readonly corruptAt?: number;
  /**
   * Exchange n (1-based) of the next session reaches the card — its state changes — and the card
   * leaves the field before its answer does (the field switched off mid-command): the session
   * fails with `CARD_REMOVED` and the card is out of the reader. One-shot.
   */
  readonly fieldOffAt?: number;
}

export class ReaderSlot {
  private s: SlotState = { kind: 'inserted', insertion: 1 };
  /** Bumped by every reset and removal: sessions opened before it are over. */
  private epoch = 0;
  /** Why each epoch ended (index: the epoch). */
  private readonly ended: ('removed' | 'reset')[] = [];
  private stalled: (() => void)[] = [];
  faults: SlotFaults = { delayMs: 0 };
  private readonly card: Card;
  private readonly onChange: () => void;
  private outer: OuterReaders | undefined;
  /** What the outer readers still have to do, in order (removals, insertions). */
  private pendingOuter: Promise<void> = Promise.resolve();
  /** In-process sessions holding the card: it is out of the outer readers meanwhile. */
  private inProcess = 0;
  /** Wakes what the open gates hold, so that each held APDU checks again (see openGate). */
  private readonly gateKicks = new Set<() => void>();

  constructor(card: Card, onChange: () => void = () => undefined) {
    this.card = card;
    this.onChange = onChange;
  }

  /** Where else the card sits (none when only in this slot). */
  get places(): readonly string[] {
    return this.outer?.places ?? [];
  }

  /**
   * A gate for readers outside the process that are about to hold the card (their count of
   * APDUs from power-on): the slot's delay and stall hold an APDU; after a removal or a reset by
   * the bench, while an in-process session holds the card, or when the `removeAfter` fault takes
   * it out, the gate answers 'removed', so the command never reaches the card; after the card
   * answered, the answer faults apply. `release()` is called when the card moves away from those
   * readers: what they hold is let go as removed (nothing there may keep waiting on this slot).
   */
  openGate(): { readonly gate: CardGate; release(): void } {
    let released = false;
    const wakers = new Set<() => void>();
    // Ends every wait of this gate now; each held APDU then checks again whether it may go.
    const kick = (): void => {
      for (const w of [...wakers]) w();
    };
    const interruptible = (wait: Promise<void>): Promise<void> =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          wakers.delete(done);
          resolve();
        };
        wakers.add(done);
        void wait.then(done);
      });
    const out = (epoch: number): boolean =>
      released ||
      this.state.kind === 'removed' ||
      this.inProcess > 0 ||
      this.endedBy(epoch) !== undefined;
    const gate: CardGate = {
      beforeApdu: async (n: number): Promise<GateDecision> => {
        const epoch = this.epoch;
        if (out(epoch)) return 'removed';
        const { delayMs, stallAfter, removeAfter } = this.faults;
        if (delayMs > 0) await interruptible(new Promise((r) => setTimeout(r, delayMs)));
        if (stallAfter !== undefined && n > stallAfter && !out(epoch)) {
          const stall = this.stall();
          await interruptible(stall.ended);
          stall.cancel();
        }
        if (removeAfter !== undefined && n > removeAfter && !out(epoch)) {
          this.fired('removeAfter');
          this.remove();
        }
        // Read again: the slot may have changed while the APDU was held.
        return out(epoch) ? 'removed' : 'go';
      },
      afterApdu: (n: number, response: Uint8Array): GateAnswer =>
        released ? { kind: 'removed' } : this.answer(n, response),
    };
    this.gateKicks.add(kick);
    return {
      gate,
      release: () => {
        released = true;
        this.gateKicks.delete(kick);
        kick();
      },
    };
  }

  /** The readers outside the process the card also sits in; they follow remove and insert. */
  attachOuter(outer: OuterReaders): void {
    this.outer = outer;
    if (this.s.kind === 'removed' || this.inProcess > 0) this.queueOuter((o) => o.removeCard());
  }

  /** The card left the outer readers (moved out of them by the bench). */
  detachOuter(): void {
    this.outer = undefined;
  }

  /** Resolves once the outer readers have done what was asked of them so far. */
  settle(): Promise<void> {
    return this.pendingOuter;
  }

  /** @internal an in-process session takes the card out of the outer readers while it runs. */
  async takeFromOuter(): Promise<void> {
    this.inProcess++;
    // An APDU the outer readers hold (delay, stall) is let go as removed first: their removal
    // waits for their command in flight.
    for (const kick of this.gateKicks) kick();
    if (this.inProcess === 1) this.queueOuter((o) => o.removeCard());
    await this.pendingOuter;
  }

  /** @internal the in-process session is over: the card goes back to the outer readers. */
  returnToOuter(): void {
    if (this.inProcess === 0) return;
    this.inProcess--;
    if (this.inProcess === 0 && this.s.kind === 'inserted') this.queueOuter((o) => o.insertCard());
  }

  /** @internal the one-shot answer faults, for exchange n (in-process sessions and the gate). */
  answer(n: number, response: Uint8Array): GateAnswer {
    if (this.faults.fieldOffAt === n) {
      this.fired('fieldOffAt');
      this.remove();
      return { kind: 'removed' };
    }
    if (this.faults.corruptAt !== n) return { kind: 'response', response };
    this.fired('corruptAt');
    return { kind: 'response', response: corrupted(response) };
  }

  get state(): SlotState {
    return this.s;
  }

  /** The card is out of the slot (a method: a fresh read where a property read was narrowed). */
  isOut(): boolean {
    return this.s.kind === 'removed';
  }

  /** Sessions waiting in a stall now. */
  get stalledSessions(): number {
    return this.stalled.length;
  }

  remove(): void {
    if (this.s.kind === 'removed') return;
    this.s = { kind: 'removed', insertion: this.s.insertion };
    this.endSessions('removed');
    if (this.card.powered) this.card.powerOff();
    if (this.inProcess === 0) this.queueOuter((o) => o.removeCard());
    this.onChange();
  }

  insert(): void {
    if (this.s.kind === 'inserted') return;
    this.s = { kind: 'inserted', insertion: this.s.insertion + 1 };
    if (this.inProcess === 0) this.queueOuter((o) => o.insertCard());
    this.onChange();
  }

  /**
   * Warm reset by the bench: open sessions see `CARD_RESET`; the card keeps its power. The outer
   * readers cannot tell their applications of a reset by someone else, so there it is a removal
   * and a re-insertion (what the application sees after a power cycle).
   */
  reset(): void {
    this.endSessions('reset');
    if (this.s.kind === 'inserted') this.card.reset();
    if (this.s.kind === 'inserted' && this.inProcess === 0) {
      this.queueOuter((o) => o.removeCard());
      this.queueOuter((o) => o.insertCard());
    }
    this.onChange();
  }

  /**
   * Runs `act` on the outer readers after what was asked before (a removal finishing must not
   * undo a later insertion), on the readers attached when it runs.
   */
  private queueOuter(act: (o: OuterReaders) => Promise<void> | void): void {
    if (!this.outer) return;
    // A reader that fails to act is reported by its own log lines; the slot's state stands.
    this.pendingOuter = this.pendingOuter
      .then(() => (this.outer ? act(this.outer) : undefined))
      .catch(() => undefined);
  }

  /** A new session on the card in the slot (connect fails with `CARD_REMOVED` when it is out). */
  channel(description: string): ApduChannel {
    return new SlotChannel(this, this.card, description);
  }

  /** @internal the session's view of the slot. */
  currentEpoch(): number {
    return this.epoch;
  }

  /** @internal clears a one-shot fault once it has fired. */
  fired(which: 'removeAfter' | 'corruptAt' | 'fieldOffAt'): void {
    const { [which]: _gone, ...rest } = this.faults;
    this.faults = rest;
    this.onChange();
  }

  /** @internal resolves when the stall ends (removal or reset). */
  waitStall(): Promise<void> {
    return this.stall().ended;
  }

  /** @internal a stall: ends at the next removal or reset, or when its holder gives up (cancel). */
  stall(): { readonly ended: Promise<void>; cancel(): void } {
    let release!: () => void;
    const ended = new Promise<void>((resolve) => (release = resolve));
    this.stalled.push(release);
    this.onChange();
    return {
      ended,
      cancel: () => {
        const before = this.stalled.length;
        this.stalled = this.stalled.filter((r) => r !== release);
        release();
        if (this.stalled.length !== before) this.onChange();
      },
    };
  }

  /** @internal why the sessions of `epoch` are over (undefined: they are not). */
  endedBy(epoch: number): 'removed' | 'reset' | undefined {
    return this.ended[epoch];
  }

  private endSessions(cause: 'removed' | 'reset'): void {
    this.ended[this.epoch] = cause;
    this.epoch++;
    const waiting = this.stalled;
    this.stalled = [];
    for (const release of waiting) release();
  }
}

/** The answer with the low bit of its last data byte flipped (of SW2 when it has no data). */
function corrupted(response: Uint8Array): Uint8Array {
  const out = response.slice();
  const at = out.length > 2 ? out.length - 3 : out.length - 1;
  out[at] = (out[at] ?? 0) ^ 0x01;
  return out;
}

class SlotChannel implements ApduChannel {
  readonly kind = 'control-slot';
  readonly description: string;
  private epoch: number | undefined;
  private exchanges = 0;
  /** This session took the card out of the outer readers (until close). */
  private holding = false;
  private readonly slot: ReaderSlot;
  private readonly card: Card;

  constructor(slot: ReaderSlot, card: Card, description: string) {
    this.slot = slot;
    this.card = card;
    this.description = `control reader: ${description}`;
  }

  async connect(): Promise<Uint8Array> {
    await yieldToLoop();
    if (this.slot.state.kind === 'removed')
      throw new ChannelError('CARD_REMOVED', 'no card in the control reader');
    // One card, one place: while this session holds it, it is out of the readers outside the
    // process (their applications see a removal), and back in them when the session closes.
    if (!this.holding) {
      this.holding = true;
      await this.slot.takeFromOuter();
    }
    // Read again: the card may have been removed while the outer readers let it go.
    if (this.slot.isOut()) {
      await this.close();
      throw new ChannelError('CARD_REMOVED', 'no card in the control reader');
    }
    // A card another session holds powered is reset for this one: that session is over
    // (CARD_RESET), as PC/SC tells an application another one reset the card.
    if (this.card.powered) this.slot.reset();
    else this.card.powerOn();
    this.epoch = this.slot.currentEpoch();
    this.exchanges = 0;
    return this.card.atr;
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    this.live();
    const { delayMs, stallAfter, removeAfter } = this.slot.faults;
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    else await yieldToLoop();
    if (stallAfter !== undefined && this.exchanges >= stallAfter) await this.slot.waitStall();
    if (removeAfter !== undefined && this.exchanges >= removeAfter) {
      this.slot.fired('removeAfter');
      this.slot.remove();
    }
    this.live();
    this.exchanges++;
    const answer = this.slot.answer(this.exchanges, this.card.transmit(command));
    if (answer.kind === 'removed')
      throw new ChannelError('CARD_REMOVED', 'the card left the field during the command');
    return answer.response;
  }

  async reset(): Promise<Uint8Array> {
    this.live();
    await yieldToLoop();
    this.live();
    // The session's own reset: it stays the session's (no CARD_RESET for itself).
    this.exchanges = 0;
    return this.card.reset();
  }

  async close(): Promise<void> {
    const mine = this.epoch !== undefined && this.epoch === this.slot.currentEpoch();
    this.epoch = undefined;
    if (mine && this.slot.state.kind === 'inserted' && this.card.powered) this.card.powerOff();
    if (this.holding) {
      this.holding = false;
      this.slot.returnToOuter();
    }
  }

  /** Throws the channel error of a session that is over. */
  private live(): void {
    if (this.epoch === undefined)
      throw new ChannelError('CHANNEL_NOT_CONNECTED', 'transmit before connect');
    const cause = this.slot.endedBy(this.epoch);
    if (cause === 'removed' || this.slot.state.kind === 'removed')
      throw new ChannelError('CARD_REMOVED', 'card removed from the control reader');
    if (cause === 'reset')
      throw new ChannelError('CARD_RESET', 'the card was reset by another party');
  }
}
