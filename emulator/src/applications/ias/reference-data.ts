/**
 * PIN (81) and PUK (82) of the IAS application (README.md §2.3, §5.4, §5.5, §6):
 *
 * | command                        | needs            | statuses (inside DO 99 under the §4.3 policy)          |
 * |--------------------------------|------------------|--------------------------------------------------------|
 * | VERIFY 00 20 00 81/82, 8 digits | DAPP (SMa)       | 9000 · 63Cx (x tries left, 63C0 = last used) · 6983 blocked |
 * | VERIFY without data            | DAPP             | 9000 if verified in this session, else 63Cx · 6983     |
 * | CHANGE REFERENCE DATA 24 00 81 | DAPP             | old PIN checked as VERIFY; 9000 sets the new PIN       |
 * | RESET RETRY COUNTER 2C 02 81   | DAPP + PUK       | new PIN, counter reset, unblocked                      |
 * | RESET RETRY COUNTER 2C 03 81   | DAPP + PUK       | counter reset, unblocked (no data)                     |
 *
 * Common errors: not under the IAS session after DAPP `6982`; P1 `6A86`; unknown reference
 * `6A88`; data not 8 (or 16) bytes `6700`; non-digits `6A80` — none of these costs a try.
 * PIN: 3 tries; PUK: 10 tries, then blocked for ever (nothing resets it).
 *
 * Anti-tearing: the decremented counter is written (durably) BEFORE the comparison; a correct
 * value then writes the reset counter. A power loss between the two leaves the decrement.
 */
import type { CommandApdu } from '../../apdu/command-apdu.ts';
import { responseApdu, type ResponseApdu } from '../../apdu/response-apdu.ts';
import {
  sw63C,
  SW_6700_WRONG_LENGTH,
  SW_6982_SECURITY_STATUS_NOT_SATISFIED,
  SW_6983_AUTH_METHOD_BLOCKED,
  SW_6A80_INCORRECT_DATA,
  SW_6A86_INCORRECT_P1P2,
  SW_6A88_REFERENCED_DATA_NOT_FOUND,
  SW_9000_OK,
} from '../../apdu/status-words.ts';
import type { CommandContext, CommandHandler } from '../../card/application.ts';
import { CardError } from '../../card/card-error.ts';
import { asciiBytes, equalBytes } from '../../bytes/bytes.ts';
import type {
  ReferenceDataName,
  ReferenceDataState,
  SecretStore,
} from '../../state/secret-store.ts';
import { REF_81_PIN, REF_82_PUK, SECRET_LENGTH } from './ias-constants.ts';
import type { IasCard } from './ias-card.ts';
import { FLAG_DAPP, FLAG_PIN, FLAG_PUK } from './ias-state.ts';

const REFERENCES: ReadonlyMap<number, { name: ReferenceDataName; flag: string }> = new Map([
  [REF_81_PIN, { name: 'pin', flag: FLAG_PIN }],
  [REF_82_PUK, { name: 'puk', flag: FLAG_PUK }],
]);

export type Presentation =
  | { readonly outcome: 'ok' }
  | { readonly outcome: 'wrong'; readonly remaining: number }
  | { readonly outcome: 'blocked' };

/**
 * Checks `candidate` against reference data `name`: decrement and persist first, then compare;
 * on a match the counter is restored (and `onMatch` may change the value in the same write).
 */
export function presentReferenceData(
  store: SecretStore,
  name: ReferenceDataName,
  candidate: Uint8Array,
  onMatch: (ref: ReferenceDataState) => ReferenceDataState = (r) => r,
): Presentation {
  const before = store.read();
  const ref = before[name];
  if (ref.blocked) return { outcome: 'blocked' };
  const remaining = ref.remaining - 1;
  store.write({ ...before, [name]: { ...ref, remaining, blocked: remaining === 0 } });
  if (!equalBytes(asciiBytes(ref.value), candidate)) return { outcome: 'wrong', remaining };
  const restored = onMatch({ ...ref, remaining: ref.max, blocked: false });
  store.write({ ...store.read(), [name]: restored });
  return { outcome: 'ok' };
}

function checkDigits(data: Uint8Array, length: number): void {
  if (data.length !== length)
    throw new CardError(SW_6700_WRONG_LENGTH, `reference data must be ${length} bytes`);
  for (const b of data)
    if (b < 0x30 || b > 0x39)
      throw new CardError(SW_6A80_INCORRECT_DATA, 'reference data must be ASCII digits');
}

function requireDapp(ctx: CommandContext): void {
  if (!ctx.security.has(FLAG_DAPP))
    throw new CardError(SW_6982_SECURITY_STATUS_NOT_SATISFIED, 'needs secure messaging after DAPP');
}

function reference(
  apdu: CommandApdu,
  allowed: readonly number[],
): { name: ReferenceDataName; flag: string } {
  const r = REFERENCES.get(apdu.p2);
  if (!r || !allowed.includes(apdu.p2))
    throw new CardError(
      SW_6A88_REFERENCED_DATA_NOT_FOUND,
      `no reference data ${apdu.p2.toString(16)}`,
    );
  return r;
}

/** Maps a presentation to the response (or the error status), updating the session flag. */
function settle(ctx: CommandContext, flag: string, p: Presentation): ResponseApdu {
  if (p.outcome === 'ok') {
    ctx.security.grant(flag, 'sm-session');
    return responseApdu(SW_9000_OK);
  }
  ctx.security.revoke(flag);
  if (p.outcome === 'blocked') throw new CardError(SW_6983_AUTH_METHOD_BLOCKED);
  throw new CardError(sw63C(p.remaining), 'wrong reference data');
}

export function verifyHandler(ias: IasCard): CommandHandler {
  return (ctx, apdu) => {
    if (apdu.p1 !== 0x00) throw new CardError(SW_6A86_INCORRECT_P1P2);
    const { name, flag } = reference(apdu, [REF_81_PIN, REF_82_PUK]);
    requireDapp(ctx);
    if (apdu.data.length === 0) {
      const ref = ias.secrets.read()[name];
      if (ref.blocked) throw new CardError(SW_6983_AUTH_METHOD_BLOCKED);
      if (ctx.security.has(flag)) return responseApdu(SW_9000_OK);
      throw new CardError(sw63C(ref.remaining), 'retry counter query');
    }
    checkDigits(apdu.data, SECRET_LENGTH);
    return settle(ctx, flag, presentReferenceData(ias.secrets, name, apdu.data));
  };
}

export function changeReferenceDataHandler(ias: IasCard): CommandHandler {
  return (ctx, apdu) => {
    if (apdu.p1 !== 0x00)
      throw new CardError(SW_6A86_INCORRECT_P1P2, 'only P1 00 (old and new value) is supported');
    const { name, flag } = reference(apdu, [REF_81_PIN]);
    requireDapp(ctx);
    checkDigits(apdu.data, 2 * SECRET_LENGTH);
    const oldPin = apdu.data.subarray(0, SECRET_LENGTH);
    const newPin = String.fromCharCode(...apdu.data.subarray(SECRET_LENGTH));
    return settle(
      ctx,
      flag,
      presentReferenceData(ias.secrets, name, oldPin, (r) => ({ ...r, value: newPin })),
    );
  };
}

export function resetRetryCounterHandler(ias: IasCard): CommandHandler {
  return (ctx, apdu) => {
    if (apdu.p1 !== 0x02 && apdu.p1 !== 0x03)
      throw new CardError(SW_6A86_INCORRECT_P1P2, 'P1 02 (new PIN) or 03 (unblock only)');
    reference(apdu, [REF_81_PIN]);
    requireDapp(ctx);
    if (!ctx.security.has(FLAG_PUK))
      throw new CardError(
        SW_6982_SECURITY_STATUS_NOT_SATISFIED,
        'PUK not verified in this session',
      );
    const state = ias.secrets.read();
    let value = state.pin.value;
    if (apdu.p1 === 0x02) {
      checkDigits(apdu.data, SECRET_LENGTH);
      value = String.fromCharCode(...apdu.data);
    } else if (apdu.data.length !== 0) {
      throw new CardError(SW_6700_WRONG_LENGTH, 'RESET RETRY COUNTER 03 takes no data');
    }
    ias.secrets.write({
      ...state,
      pin: { value, remaining: state.pin.max, max: state.pin.max, blocked: false },
    });
    return responseApdu(SW_9000_OK);
  };
}
