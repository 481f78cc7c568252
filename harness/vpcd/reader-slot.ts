/**
 * A card in a PC/SC reader slot, as the virtual reader presents it: power (cold reset, warm reset,
 * power off), the identity the reader itself reports for `FF CA` (UID and historical bytes,
 * PC/SC part 3 §3.2.2.1.3), and the deterministic fault plan of faults.ts. No ISO-DEP here: frame
 * sizes, frame waiting time and WTX belong to the contactless endpoint (harness/nfc); a reader slot
 * has no transceive limit of its own and never makes up a status word.
 *
 * | fault                   | in a reader slot                                                   |
 * |-------------------------|--------------------------------------------------------------------|
 * | `tag-lost`              | the card is pulled before APDU n reaches it                        |
 * | `tag-lost-after`        | the card is pulled `ms` after power-on (seen at the next APDU)     |
 * | `field-off-mid-command` | APDU n reaches the card (its state changes), then the card is pulled |
 * | `delay`                 | APDU n (or every APDU) is answered `ms` later                      |
 * | `corrupt-response`      | APDU n's answer arrives damaged (one bit flipped, or cut short)    |
 * | `random`                | each of the above with a rate, drawn from `seed` and n             |
 *
 * An optional gate (the control server's hand on the card, card-gate.ts) is asked before each
 * APDU; it can hold the APDU or pull the card before the command reaches it.
 *
 * A pulled card loses power; the link that carries the slot is closed by its owner (removal).
 */
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import type { Card } from '../../emulator/src/card/card.ts';
import { systemClock, type Clock } from '../../emulator/src/crypto/clock.ts';
import { systemRng, type Rng } from '../../emulator/src/crypto/rng.ts';
import { corrupt, FaultPlan, type FaultInput } from '../nfc/faults.ts';
import { activationUid, isoDepConfig, type IsoDepConfigInput } from '../nfc/iso-dep-config.ts';
import { historicalBytesOf } from '../transport/atr.ts';
import type { ContactlessIdentity } from '../transport/reader-pseudo-apdu.ts';
import type { CardGate } from '../transport/card-gate.ts';

/** What the reader reports about the card (`FF CA`): a fixed or per-power-on random UID. */
export type SlotIdentityInput = Pick<IsoDepConfigInput, 'uid' | 'historicalBytes'>;

export interface ReaderSlotOptions {
  readonly card: Card;
  readonly identity?: SlotIdentityInput;
  readonly faults?: readonly FaultInput[];
  readonly rng?: Rng;
  readonly clock?: Clock;
  /** How delays are spent; tests inject an instant one. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The bench's hand on the card (control server): may hold an APDU or take the card out. */
  readonly gate?: CardGate;
}

export type SlotResult =
  | { readonly kind: 'response'; readonly response: Uint8Array }
  | { readonly kind: 'removed'; readonly reason: string };

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class ReaderSlot {
  readonly card: Card;
  private readonly plan: FaultPlan;
  private readonly uidConfig: ReturnType<typeof isoDepConfig>;
  private readonly rng: Rng;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly gate: CardGate | undefined;
  private current: ContactlessIdentity | undefined;
  private poweredAt = 0;
  private apdus = 0;

  constructor(o: ReaderSlotOptions) {
    this.card = o.card;
    this.plan = new FaultPlan(o.faults ?? []);
    this.uidConfig = isoDepConfig(o.identity ?? {});
    this.rng = o.rng ?? systemRng;
    this.clock = o.clock ?? systemClock;
    this.sleep = o.sleep ?? realSleep;
    this.gate = o.gate;
  }

  /** UID and historical bytes while the card is powered. */
  get identity(): ContactlessIdentity | undefined {
    return this.current;
  }

  get powered(): boolean {
    return this.current !== undefined;
  }

  /** Cold reset (a new random UID when the UID is random). */
  powerOn(): void {
    this.card.powerOn();
    this.started();
  }

  /** Warm reset: every volatile state of the card is lost. */
  reset(): void {
    this.card.reset();
    this.started();
  }

  powerOff(): void {
    if (this.current) this.card.powerOff();
    this.current = undefined;
  }

  /** One APDU to the powered card, with the fault plan applied. */
  async transmit(command: Uint8Array): Promise<SlotResult> {
    const n = ++this.apdus;
    if (this.gate && (await this.gate.beforeApdu(n)) === 'removed')
      return this.pull(`card taken out by the bench before APDU ${n}`);
    const lostAfter = this.plan.lostAfterMs();
    if (lostAfter !== undefined && (this.clock.nowMicros() - this.poweredAt) / 1000 >= lostAfter)
      return this.pull(`card pulled ${lostAfter} ms after power-on`);
    const d = this.plan.decide(n);
    if (d.tagLostBefore) return this.pull(`card pulled before APDU ${n}`);
    const response = this.card.transmit(command);
    if (d.delayMs > 0) await this.sleep(d.delayMs);
    if (!this.current) return { kind: 'removed', reason: 'card powered off during the command' };
    if (d.fieldOffAfter) return this.pull(`card pulled while APDU ${n} was being processed`);
    const answer = this.gate?.afterApdu?.(n, response) ?? { kind: 'response', response };
    if (answer.kind === 'removed')
      return this.pull(`card taken out by the bench while APDU ${n} was being processed`);
    return {
      kind: 'response',
      response: d.corruption ? corrupt(answer.response, d.corruption) : answer.response,
    };
  }

  private started(): void {
    const historicalBytes =
      this.uidConfig.historicalBytes !== undefined
        ? fromHex(this.uidConfig.historicalBytes)
        : historicalBytesOf(this.card.atr);
    this.current = { uid: activationUid(this.uidConfig, this.rng), historicalBytes };
    this.poweredAt = this.clock.nowMicros();
    this.apdus = 0;
  }

  private pull(reason: string): SlotResult {
    this.powerOff();
    return { kind: 'removed', reason };
  }
}
