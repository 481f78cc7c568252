/**
 * "Gestione Carta" and the PIN step of every login:
 *
 * - **Cambia PIN**: old PIN, new PIN twice (the app's rules first: pin.ts), then on the card
 *   VERIFY old → CHANGE REFERENCE DATA old ‖ new (italia/cie-middleware-linux `PINManager.cpp`
 *   `CambioPIN`); a registered card's stored half is rewritten with the new first 4 digits (the
 *   middleware re-caches it the same way);
 * - **Sblocca PIN**: PUK, new PIN twice, then VERIFY PUK → RESET RETRY COUNTER `02 81` with the
 *   new PIN (`SbloccoPIN`): the PIN gets its 3 tries back; 10 wrong PUKs and the card is dead;
 * - **PIN at login**: the stored first 4 digits ‖ the 4 typed now, under the PIN policy
 *   (app-context.ts); a card that left the phone while a CHANGE REFERENCE DATA or RESET RETRY
 *   COUNTER was in flight leaves the stored half `uncertain`.
 */
import {
  INS_24_CHANGE_REFERENCE_DATA,
  INS_2C_RESET_RETRY_COUNTER,
} from '../../emulator/src/apdu/ins.ts';
import type { AppContext } from './app-context.ts';
import { tapContext } from './app-context.ts';
import type { CardSession, Reference } from './card-session.ts';
import { verifyEvent } from './card-session.ts';
import { appEvent, AppEventError, raise } from './events.ts';
import { withCard } from './phone.ts';
import {
  isEightDigits,
  isFourDigits,
  joinPin,
  newPinProblem,
  splitPin,
  type NewPinOptions,
} from './pin.ts';
import type { Registration } from './profile-store.ts';

/** Under the guarded policy, no VERIFY is sent when it could spend the last try. */
async function guardLastTry(ctx: AppContext, s: CardSession, ref: Reference): Promise<void> {
  if (ctx.pinPolicy !== 'guarded') return;
  const left = await s.triesLeft(ref);
  if (left === 0) raise(ref === 'PIN' ? appEvent('PIN_BLOCKED') : appEvent('CARD_DEAD'));
  if (left !== 'verified' && left <= 1) raise(appEvent('LAST_TRY_REFUSED', { reference: ref }));
}

/** VERIFY of a full PIN/PUK the user typed; a refusal becomes the app's event. */
export async function verifyTyped(
  ctx: AppContext,
  s: CardSession,
  ref: Reference,
  value: string,
): Promise<void> {
  await guardLastTry(ctx, s, ref);
  const v = await s.verify(ref, value);
  if (!v.ok) raise(verifyEvent(ref, v));
}

/**
 * The PIN of a registered card: stored first half ‖ typed last 4. Under `guarded`, a suspect or
 * uncertain half stops here (no try spent) and a refused VERIFY marks the half suspect.
 */
export async function verifyRegisteredPin(
  ctx: AppContext,
  s: CardSession,
  registration: Registration,
  lastFour: string,
): Promise<void> {
  if (ctx.pinPolicy === 'guarded' && registration.pinHalfStatus !== 'ok')
    raise(appEvent('STORED_PIN_HALF_SUSPECT'));
  await guardLastTry(ctx, s, 'PIN');
  const pin = joinPin(ctx.store.pinHalf(registration.nis), lastFour);
  const v = await s.verify('PIN', pin);
  if (v.ok) {
    if (registration.pinHalfStatus !== 'ok') ctx.store.setPinHalfStatus(registration.nis, 'ok');
    return;
  }
  if (ctx.pinPolicy === 'guarded') ctx.store.setPinHalfStatus(registration.nis, 'suspect');
  raise(verifyEvent('PIN', v));
}

/** Runs a PIN-changing card operation; a loss after the changing command leaves the half uncertain. */
async function changing<T>(
  ctx: AppContext,
  ins: number,
  body: (s: CardSession, nis: { value: string }) => Promise<T>,
): Promise<T> {
  const nis = { value: '' };
  let lastIns: number | undefined;
  try {
    return await withCard(
      {
        ...tapContext(ctx),
        onTapEnd: (tap) => ((lastIns = tap.meter.lastIns), ctx.onTapEnd?.(tap)),
      },
      (s) => body(s, nis),
    );
  } catch (e) {
    const lost = e instanceof AppEventError && e.event.kind === 'TAG_LOST';
    if (lost && lastIns === ins && nis.value && ctx.store.get(nis.value))
      ctx.store.setPinHalfStatus(nis.value, 'uncertain');
    throw e;
  }
}

export interface ChangePinInput {
  readonly oldPin: string;
  readonly newPin: string;
  readonly repeat: string;
}

export interface PinChangeResult {
  readonly nis: string;
  /** Whether a registration of this card had its stored half rewritten. */
  readonly registrationUpdated: boolean;
}

/** "Cambia PIN". */
export async function changePin(
  ctx: AppContext,
  input: ChangePinInput,
  rules: NewPinOptions = {},
): Promise<PinChangeResult> {
  if (!isEightDigits(input.oldPin)) raise(appEvent('PIN_FORMAT'));
  const problem = newPinProblem(input.newPin, input.repeat, input.oldPin, rules);
  if (problem) raise(problem);
  const nis = await changing(ctx, INS_24_CHANGE_REFERENCE_DATA, async (s, out) => {
    out.value = await s.readNis();
    await s.openSecureChannel();
    await verifyTyped(ctx, s, 'PIN', input.oldPin);
    const v = await s.changePin(input.oldPin, input.newPin);
    if (!v.ok) raise(verifyEvent('PIN', v));
    return out.value;
  });
  return { nis, registrationUpdated: rewriteHalf(ctx, nis, input.newPin) };
}

export interface UnblockInput {
  readonly puk: string;
  readonly newPin: string;
  readonly repeat: string;
}

/** "Sblocca PIN" with the PUK. */
export async function unblockPin(
  ctx: AppContext,
  input: UnblockInput,
  rules: NewPinOptions = {},
): Promise<PinChangeResult> {
  if (!isEightDigits(input.puk)) raise(appEvent('PIN_FORMAT'));
  const problem = newPinProblem(input.newPin, input.repeat, undefined, rules);
  if (problem) raise(problem);
  const nis = await changing(ctx, INS_2C_RESET_RETRY_COUNTER, async (s, out) => {
    out.value = await s.readNis();
    await s.openSecureChannel();
    await verifyTyped(ctx, s, 'PUK', input.puk);
    await s.setNewPinAfterPuk(input.newPin);
    return out.value;
  });
  return { nis, registrationUpdated: rewriteHalf(ctx, nis, input.newPin) };
}

function rewriteHalf(ctx: AppContext, nis: string, newPin: string): boolean {
  const r = ctx.store.get(nis);
  if (!r) return false;
  ctx.store.put({ ...r, pinHalfStatus: 'ok' }, splitPin(newPin).first);
  return true;
}

/** The 4 digits typed at login. */
export function checkLastFour(lastFour: string): void {
  if (!isFourDigits(lastFour)) raise(appEvent('PIN_FORMAT'));
}
