/**
 * The ISO-DEP session model every contactless transport drives: field on/off, activation
 * (UID/ATQA/SAK/ATS), frame sizes and maximum transceive length, frame waiting time and WTX, and
 * deterministic faults (faults.ts). APDUs reach the card through `Card.transmit`, so observers of
 * the card (trace recorder, live log) see exactly the exchanges the card really processed.
 *
 * ```
 *            fieldOn()                     transceive() ... ok
 *  field-off ─────────► active ◄──────────────────────────────┘
 *      ▲                  │ tag lost / field off mid-command / FWT expired without WTX
 *      │ fieldOff()       ▼
 *      └──────────────── lost   (every transceive fails until the field is switched off and on)
 * ```
 * Block framing is not simulated byte by byte; its visible consequences are: chained I-block
 * counts for FSC/FSD, S(WTX) rounds when the card needs longer than FWT, and the reader-side
 * limits Android exposes (maxTransceiveLength, isExtendedLengthApduSupported).
 */
import type { Card } from '../../emulator/src/card/card.ts';
import { systemClock, type Clock } from '../../emulator/src/crypto/clock.ts';
import { systemRng, type Rng } from '../../emulator/src/crypto/rng.ts';
import { historicalBytesOf } from '../transport/atr.ts';
import type { ContactlessIdentity } from '../transport/reader-pseudo-apdu.ts';
import { corrupt, FaultPlan, type FaultInput } from './faults.ts';
import {
  activationUid,
  atqaFor,
  blocksFor,
  buildAts,
  frameSize,
  frameWaitingTimeMs,
  isoDepConfig,
  type IsoDepConfig,
  type IsoDepConfigInput,
} from './iso-dep-config.ts';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import type { CardGate } from '../transport/card-gate.ts';

export type IsoDepState = 'field-off' | 'active' | 'lost';

export interface IsoDepActivation extends ContactlessIdentity {
  readonly atqa: Uint8Array;
  readonly sak: number;
  readonly ats: Uint8Array;
  readonly fsc: number;
  readonly fsd: number;
  readonly fwtMs: number;
  readonly maxTransceiveLength: number;
  readonly extendedLengthSupported: boolean;
}

export type RejectCode =
  'NFC_FIELD_OFF' | 'NFC_TAG_LOST' | 'NFC_EMPTY_COMMAND' | 'NFC_TRANSCEIVE_TOO_LONG' | 'NFC_BUSY';

export type TransceiveResult =
  | {
      readonly kind: 'response';
      readonly response: Uint8Array;
      /** S(WTX) rounds the card needed. */
      readonly wtx: number;
      readonly commandBlocks: number;
      readonly responseBlocks: number;
      readonly delayMs: number;
      readonly corrupted: boolean;
    }
  | { readonly kind: 'tag-lost'; readonly reason: string }
  | { readonly kind: 'rejected'; readonly code: RejectCode; readonly message: string };

export interface IsoDepSessionOptions {
  readonly card: Card;
  readonly config?: IsoDepConfigInput;
  readonly faults?: readonly FaultInput[];
  readonly rng?: Rng;
  readonly clock?: Clock;
  /** How delays are spent; tests inject an instant one. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The bench's hand on the card (control server): may hold an APDU or take the card away. */
  readonly gate?: CardGate;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class IsoDepSession {
  readonly card: Card;
  readonly config: IsoDepConfig;
  private plan: FaultPlan;
  private readonly rng: Rng;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private current: IsoDepState = 'field-off';
  private act: IsoDepActivation | undefined;
  private activatedAt = 0;
  private apdus = 0;
  private busy = false;
  private lostReason: string | undefined;
  private readonly gate: CardGate | undefined;

  constructor(o: IsoDepSessionOptions) {
    this.card = o.card;
    this.gate = o.gate;
    this.config = isoDepConfig(o.config ?? {});
    this.plan = new FaultPlan(o.faults ?? []);
    this.rng = o.rng ?? systemRng;
    this.clock = o.clock ?? systemClock;
    this.sleep = o.sleep ?? realSleep;
  }

  get state(): IsoDepState {
    return this.current;
  }

  get activation(): IsoDepActivation | undefined {
    return this.act;
  }

  /** Why the tag was lost (while `state` is `lost`). */
  get lossReason(): string | undefined {
    return this.lostReason;
  }

  /** APDUs sent in the current activation. */
  get apduCount(): number {
    return this.apdus;
  }

  get faults(): readonly FaultInput[] {
    return this.plan.faults;
  }

  setFaults(faults: readonly FaultInput[]): void {
    this.plan = new FaultPlan(faults);
  }

  /** Milliseconds after activation at which a `tag-lost-after` fault removes the card. */
  lostAfterMs(): number | undefined {
    return this.plan.lostAfterMs();
  }

  /** Field on: the card is powered and activated (a new UID when the UID is random). */
  fieldOn(): IsoDepActivation {
    this.card.powerOn();
    return this.activate();
  }

  /**
   * Reset as a PC/SC reader does it (SCardReconnect with SCARD_RESET_CARD): the card loses every
   * volatile state (`Card.reset`) and is activated again.
   */
  reset(): IsoDepActivation {
    this.card.reset();
    return this.activate();
  }

  private activate(): IsoDepActivation {
    const uid = activationUid(this.config, this.rng);
    const historicalBytes =
      this.config.historicalBytes !== undefined
        ? fromHex(this.config.historicalBytes)
        : historicalBytesOf(this.card.atr);
    this.act = {
      uid,
      historicalBytes,
      atqa: atqaFor(this.config, uid.length),
      sak: this.config.sak,
      ats: buildAts(this.config, historicalBytes),
      fsc: frameSize(this.config.fsci),
      fsd: frameSize(this.config.fsdi),
      fwtMs: frameWaitingTimeMs(this.config.fwi),
      maxTransceiveLength: this.config.maxTransceiveLength,
      extendedLengthSupported: this.config.extendedLengthSupported,
    };
    this.current = 'active';
    this.lostReason = undefined;
    this.activatedAt = this.clock.nowMicros();
    this.apdus = 0;
    return this.act;
  }

  /** Field off: the card loses power and every volatile state. */
  fieldOff(): void {
    if (this.current === 'active') this.card.powerOff();
    this.current = 'field-off';
    this.act = undefined;
  }

  /** Applies a due `tag-lost-after` fault; true when the tag is (now) lost. */
  checkDeadline(): boolean {
    if (this.current !== 'active') return this.current === 'lost';
    const after = this.plan.lostAfterMs();
    if (after !== undefined && (this.clock.nowMicros() - this.activatedAt) / 1000 >= after) {
      this.lose(`tag left the field ${after} ms after activation`);
    }
    return this.state === 'lost';
  }

  async transceive(command: Uint8Array): Promise<TransceiveResult> {
    const refused = this.refusal(command);
    if (refused) return refused;
    this.busy = true;
    try {
      return await this.exchange(command);
    } finally {
      this.busy = false;
    }
  }

  private refusal(command: Uint8Array): TransceiveResult | undefined {
    const reject = (code: RejectCode, message: string): TransceiveResult => ({
      kind: 'rejected',
      code,
      message,
    });
    if (this.busy)
      return reject('NFC_BUSY', 'a transceive is already in progress (ISO-DEP is half-duplex)');
    if (this.current === 'field-off')
      return reject('NFC_FIELD_OFF', 'the field is off: no card is activated');
    if (this.checkDeadline())
      return reject('NFC_TAG_LOST', `tag lost: ${this.lostReason ?? 'unknown reason'}`);
    if (command.length === 0) return reject('NFC_EMPTY_COMMAND', 'empty command');
    if (command.length > this.config.maxTransceiveLength) {
      return reject(
        'NFC_TRANSCEIVE_TOO_LONG',
        `Transceive length exceeds supported maximum (${command.length} > ${this.config.maxTransceiveLength})`,
      );
    }
    return undefined;
  }

  private async exchange(command: Uint8Array): Promise<TransceiveResult> {
    const n = ++this.apdus;
    // The bench's hold is the reader's business, before the card has the command: it does not
    // count against the frame waiting time.
    if (this.gate && (await this.gate.beforeApdu(n)) === 'removed')
      return this.lose(`card taken out of the field by the bench before APDU ${n}`);
    if (this.current !== 'active')
      return { kind: 'tag-lost', reason: this.lostReason ?? 'field switched off' };
    const decision = this.plan.decide(n);
    if (decision.tagLostBefore) return this.lose(`tag lost before APDU ${n}`);
    const response = this.card.transmit(command);
    const fwt = frameWaitingTimeMs(this.config.fwi);
    if (decision.delayMs > 0) {
      await this.sleep(decision.delayMs);
      if (this.current !== 'active')
        return {
          kind: 'tag-lost',
          reason: this.lostReason ?? 'field switched off during the command',
        };
      if (this.checkDeadline())
        return { kind: 'tag-lost', reason: this.lostReason ?? 'tag left the field' };
    }
    if (decision.delayMs > fwt && !this.config.wtx) {
      return this.lose(
        `frame waiting time exceeded (${decision.delayMs} ms > FWT ${fwt.toFixed(1)} ms, no WTX)`,
      );
    }
    if (decision.fieldOffAfter) return this.lose(`field off while APDU ${n} was being processed`);
    const answer = this.gate?.afterApdu?.(n, response) ?? { kind: 'response', response };
    if (answer.kind === 'removed')
      return this.lose(
        `card taken out of the field by the bench while APDU ${n} was being processed`,
      );
    const wtx =
      decision.delayMs > fwt ? Math.ceil((decision.delayMs - fwt) / (fwt * this.config.wtxm)) : 0;
    const out = decision.corruption
      ? corrupt(answer.response, decision.corruption)
      : answer.response;
    return {
      kind: 'response',
      response: out,
      wtx,
      commandBlocks: blocksFor(command.length, frameSize(this.config.fsci)),
      responseBlocks: blocksFor(out.length, frameSize(this.config.fsdi)),
      delayMs: decision.delayMs,
      corrupted: decision.corruption !== undefined || answer.response !== response,
    };
  }

  /** The card leaves the field: it loses power; the session stays lost until the next fieldOn. */
  private lose(reason: string): TransceiveResult {
    if (this.current === 'active') this.card.powerOff();
    this.current = 'lost';
    this.lostReason = reason;
    return { kind: 'tag-lost', reason };
  }
}
