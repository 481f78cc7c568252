/**
 * PIN and PUK rules of the app (no card involved):
 *
 * - PIN and PUK are 8 digits; the card only ever sees the 8 ASCII digits (ISO/IEC 7816-4 §7.5.6
 *   VERIFY data; the IPZS SDK rejects anything but `^[0-9]{8}$`: italia/cieid-android-sdk
 *   `CieIDSdk.pin`);
 * - a registered card keeps the first 4 digits on the phone; the user types the last 4 and the
 *   app rebuilds the 8 (italia/cieid-ios-sdk `CIETagReader.abbina`: `pin.dropLast(4)`; the
 *   desktop middleware does the same: italia/cie-middleware `CSP.cpp`);
 * - a new PIN must be 8 digits, differ from the old one and have no equal or consecutive digits
 *   (the app's error catalogue FFFB–FFFE in italia/cieid-ios-sdk `NFC/Token.swift`). "Equal or
 *   consecutive" is read as: all 8 digits equal, or the 8 digits an ascending or descending run
 *   (`12345678`, `87654321`) [inferred: the catalogue gives the rule, not its algorithm; the
 *   stricter reading "no two adjacent digits equal or consecutive" is {@link newPinProblem}'s
 *   `strict` option].
 */
import { appEvent, type AppEvent } from './events.ts';

const EIGHT_DIGITS = /^\d{8}$/;
const FOUR_DIGITS = /^\d{4}$/;

export function isEightDigits(s: string): boolean {
  return EIGHT_DIGITS.test(s);
}

export function isFourDigits(s: string): boolean {
  return FOUR_DIGITS.test(s);
}

/** First half stored at registration, second half typed at login. */
export function splitPin(pin: string): { readonly first: string; readonly last: string } {
  return { first: pin.slice(0, 4), last: pin.slice(4) };
}

export function joinPin(first: string, last: string): string {
  return first + last;
}

function allEqual(d: readonly number[]): boolean {
  return d.every((x) => x === d[0]);
}

function run(d: readonly number[], step: 1 | -1): boolean {
  return d.every((x, i) => i === 0 || x === (d[i - 1] as number) + step);
}

function adjacentEqualOrConsecutive(d: readonly number[]): boolean {
  return d.some((x, i) => i > 0 && Math.abs(x - (d[i - 1] as number)) <= 1);
}

export interface NewPinOptions {
  /** Also refuse any two adjacent digits that are equal or consecutive. */
  readonly strict?: boolean;
}

/**
 * Why `newPin` (typed twice: `newPin`, `repeat`) cannot replace `oldPin`, as the app's event, or
 * undefined when it can. The order of the checks is the catalogue's: format, repeat, same as old,
 * equal/consecutive digits. `oldPin` is undefined for the PUK path (the old PIN is not known).
 */
export function newPinProblem(
  newPin: string,
  repeat: string,
  oldPin: string | undefined,
  o: NewPinOptions = {},
): AppEvent | undefined {
  if (!isEightDigits(newPin)) return appEvent('PIN_FORMAT');
  if (newPin !== repeat) return appEvent('NEW_PIN_MISMATCH');
  if (oldPin !== undefined && newPin === oldPin) return appEvent('NEW_PIN_SAME_AS_OLD');
  const d = [...newPin].map(Number);
  const weak =
    allEqual(d) || run(d, 1) || run(d, -1) || (o.strict === true && adjacentEqualOrConsecutive(d));
  return weak ? appEvent('NEW_PIN_WEAK') : undefined;
}

/** `1234****` style: digits are never shown unless asked. */
export function maskDigits(s: string, show = false): string {
  return show ? s : '*'.repeat(s.length);
}
