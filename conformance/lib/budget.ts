/**
 * The tries budget: physical-card safety for PIN/PUK retry counters: the budget refuses to go
 * below one remaining try. Every VERIFY (`20`) and CHANGE REFERENCE DATA (`24`) that
 * would present a wrong secret is checked before it is sent: the remaining tries of that
 * reference must be known and stay at or above the floor afterwards. Counters are learned from
 * the card's answers (`63Cx` → x left, `6983` → blocked, `9000` → back to the maximum,
 * ISO/IEC 7816-4:2020 §7.5.6, ias/README.md §6).
 *
 * On a disposable in-process card the floor is 0: cases may block a PIN because the card is a
 * throw-away copy.
 */
import { HostError } from '../../emulator/src/host-error.ts';
import { bytesToAscii } from '../../emulator/src/bytes/bytes.ts';
import {
  SW_6983_AUTH_METHOD_BLOCKED,
  SW_9000_OK,
  retriesOf63C,
} from '../../emulator/src/apdu/status-words.ts';

export class BudgetError extends HostError {
  readonly code = 'TRIES_BUDGET';
}

export const INS_VERIFY = 0x20;
export const INS_CHANGE_REFERENCE_DATA = 0x24;

export interface SecretRef {
  /** Reference byte (VERIFY P2): `81` PIN, `82` PUK on the CIE IAS (ias/README.md §2.3). */
  readonly ref: number;
  readonly label: string;
  readonly value: string | undefined;
  readonly maxTries: number;
}

export class TriesBudget {
  readonly floor: number;
  private readonly secrets = new Map<number, SecretRef>();
  private readonly remaining = new Map<number, number>();

  constructor(floor: number, secrets: readonly SecretRef[] = []) {
    this.floor = floor;
    for (const s of secrets) this.secrets.set(s.ref, s);
  }

  /** Remaining tries of a reference as last learned from the card, if known. */
  left(ref: number): number | undefined {
    return this.remaining.get(ref);
  }

  /** Whether `wrongTries` more wrong presentations keep the counter at or above the floor. */
  affordable(ref: number, wrongTries: number): { ok: boolean; why: string } {
    if (wrongTries === 0 || this.floor === 0) return { ok: true, why: '' };
    const left = this.remaining.get(ref);
    const label = this.secrets.get(ref)?.label ?? `reference ${ref.toString(16)}`;
    if (left === undefined) return { ok: false, why: `remaining ${label} tries unknown` };
    if (left - wrongTries < this.floor)
      return {
        ok: false,
        why: `${label}: ${left} tries left, case needs ${wrongTries}, floor ${this.floor}`,
      };
    return { ok: true, why: '' };
  }

  /**
   * Called with each plain command before it is sent; throws {@link BudgetError} when it would
   * present a wrong secret that the budget cannot afford.
   */
  beforeSend(ins: number, p2: number, data: Uint8Array): void {
    if ((ins !== INS_VERIFY && ins !== INS_CHANGE_REFERENCE_DATA) || data.length === 0) return;
    const secret = this.secrets.get(p2);
    const presented = bytesToAscii(data.subarray(0, 8));
    if (secret?.value !== undefined && presented === secret.value) return;
    const { ok, why } = this.affordable(p2, 1);
    if (!ok)
      throw new BudgetError(`refused a wrong ${secret?.label ?? 'secret'} presentation: ${why}`);
  }

  /** Learns counters from the (unwrapped) status word of a VERIFY / CHANGE REFERENCE DATA. */
  afterResponse(ins: number, p2: number, sw: number): void {
    if (ins !== INS_VERIFY && ins !== INS_CHANGE_REFERENCE_DATA) return;
    const left = retriesOf63C(sw);
    if (left !== undefined) this.remaining.set(p2, left);
    else if (sw === SW_6983_AUTH_METHOD_BLOCKED) this.remaining.set(p2, 0);
    else if (sw === SW_9000_OK) {
      const max = this.secrets.get(p2)?.maxTries;
      if (max !== undefined) this.remaining.set(p2, max);
    }
  }

  /** Sets a counter learned another way (e.g. a VERIFY without data). */
  learn(ref: number, left: number): void {
    this.remaining.set(ref, left);
  }
}
