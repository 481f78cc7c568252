/**
 * BAC MUTUAL AUTHENTICATE, chip side (ICAO Doc 9303-11 §4.3 and §9.7.2; Appendix D.3;
 * emrtd/README.md §2.2). The state is the challenge of the preceding GET CHALLENGE (kept by the card
 * core, consumed once) plus this pure function.
 *
 * ```
 * 00 82 00 00 28  E.IFD(32) ‖ M.IFD(8)  28
 *   check M.IFD = MAC(K_mac, E.IFD); S = D(K_enc, E.IFD) = RND.IFD ‖ RND.IC' ‖ K.IFD; RND.IC' = RND.IC
 *   answer E.IC ‖ M.IC over R = RND.IC ‖ RND.IFD ‖ K.IC
 * ```
 * ICAO leaves the failure SWs open (Part 3 ISO7816_C_3/C_4/C_6); the choices are in
 * {@link BAC_ERRORS}.
 */
import { concatBytes, equalBytes } from '../../bytes/bytes.ts';
import { padIso9797M2 } from '../../bytes/padding.ts';
import {
  SW_6300_VERIFICATION_FAILED,
  SW_6700_WRONG_LENGTH,
  SW_6985_CONDITIONS_NOT_SATISFIED,
  type StatusWord,
} from '../../apdu/status-words.ts';
import { CardError } from '../../card/card-error.ts';
import { tdesCbcDecrypt, tdesCbcEncrypt } from '../../crypto/des.ts';
import { retailMac } from '../../crypto/retail-mac.ts';
import type { SmSession } from '../../sm/sm-session.ts';
import { bacSession, type BacKeys } from './bac-keys.ts';

export const BAC_ERRORS = {
  /** MUTUAL AUTHENTICATE without a fresh GET CHALLENGE (ICAO Part 3 ISO7816_C_4; challenge used once). */
  noChallenge: SW_6985_CONDITIONS_NOT_SATISFIED,
  /** Data field not 40 bytes. */
  wrongLength: SW_6700_WRONG_LENGTH,
  /** Bad MAC or wrong RND.IC echo: authentication failed (vsmartcard answers 6300 for the latter; one SW keeps no oracle). */
  failed: SW_6300_VERIFICATION_FAILED,
  /** BAC switched off by the profile (a PACE-only chip). */
  disabled: SW_6985_CONDITIONS_NOT_SATISFIED,
} as const satisfies Record<string, StatusWord>;

export interface BacCardResult {
  readonly data: Uint8Array;
  readonly session: SmSession;
}

export function bacMutualAuthenticate(
  keys: BacKeys,
  rndIc: Uint8Array | undefined,
  data: Uint8Array,
  kIc: Uint8Array,
): BacCardResult {
  if (!rndIc || rndIc.length !== 8)
    throw new CardError(BAC_ERRORS.noChallenge, 'BAC: no 8-byte challenge issued');
  if (data.length !== 40)
    throw new CardError(BAC_ERRORS.wrongLength, `BAC: data of ${data.length} bytes`);
  const eIfd = data.subarray(0, 32);
  const mIfd = data.subarray(32);
  if (!equalBytes(retailMac(keys.kMac, padIso9797M2(eIfd, 8)), mIfd))
    throw new CardError(BAC_ERRORS.failed, 'BAC: M.IFD does not verify');
  const s = tdesCbcDecrypt(keys.kEnc, eIfd);
  const rndIfd = s.slice(0, 8);
  if (!equalBytes(s.subarray(8, 16), rndIc))
    throw new CardError(BAC_ERRORS.failed, 'BAC: RND.IC echo mismatch');
  const kIfd = s.slice(16, 32);
  const eIc = tdesCbcEncrypt(keys.kEnc, concatBytes(rndIc, rndIfd, kIc));
  const mIc = retailMac(keys.kMac, padIso9797M2(eIc, 8));
  return { data: concatBytes(eIc, mIc), session: bacSession(kIfd, kIc, rndIc, rndIfd) };
}
