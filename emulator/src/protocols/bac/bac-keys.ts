/**
 * Basic Access Control key derivation (ICAO Doc 9303-11, 8th ed. 2021, §9.7.2 and Appendix D.1–D.3;
 * emrtd/README.md §2.2).
 *
 * ```
 * MRZ_information = docNo(9, '<'-filled) ‖ cd ‖ DOB YYMMDD ‖ cd ‖ DOE YYMMDD ‖ cd
 * K_seed          = SHA-1(MRZ_information)[0..15]
 * K_enc, K_mac    = KDF(K_seed, 1), KDF(K_seed, 2)              (3DES, parity adjusted)
 * session         = KDF(K.IFD ⊕ K.IC, 1|2), SSC = RND.IC[4..7] ‖ RND.IFD[4..7]
 * ```
 */
import { asciiBytes, concatBytes, xorBytes } from '../../bytes/bytes.ts';
import { sha1 } from '../../crypto/hash.ts';
import { mrzCheckDigit } from '../../personalise/mrz.ts';
import type { SmSession } from '../../sm/sm-session.ts';
import { kdf, KDF_ENC, KDF_MAC, sessionFromKeys } from '../kdf.ts';

export interface BacKeys {
  readonly kEnc: Uint8Array;
  readonly kMac: Uint8Array;
}

/** MRZ_information from the three MRZ fields (document numbers longer than 9 characters are not used by the CIE). */
export function mrzInformation(
  documentNumber: string,
  birthDate: string,
  expiryDate: string,
): string {
  const doc = (documentNumber + '<'.repeat(9)).slice(0, Math.max(9, documentNumber.length));
  return `${doc}${mrzCheckDigit(doc)}${birthDate}${mrzCheckDigit(birthDate)}${expiryDate}${mrzCheckDigit(expiryDate)}`;
}

/** MRZ_information read back from TD1 lines (ICAO 9303-5 §4.2.2: doc no. line 1 cols 6–14, DOB/DOE line 2). */
export function mrzInformationFromTd1(lines: readonly [string, string, string]): string {
  const [l1, l2] = lines;
  return `${l1.slice(5, 15)}${l2.slice(0, 7)}${l2.slice(8, 15)}`;
}

export function bacKeySeed(mrzInfo: string): Uint8Array {
  return sha1(asciiBytes(mrzInfo)).slice(0, 16);
}

export function bacKeys(mrzInfo: string): BacKeys {
  const seed = bacKeySeed(mrzInfo);
  return { kEnc: kdf(seed, KDF_ENC, '3DES'), kMac: kdf(seed, KDF_MAC, '3DES') };
}

/** The SM session both sides derive after MUTUAL AUTHENTICATE (9303-11 §9.7.2.3, Appendix D.3). */
export function bacSession(
  kIfd: Uint8Array,
  kIc: Uint8Array,
  rndIc: Uint8Array,
  rndIfd: Uint8Array,
): SmSession {
  const seed = xorBytes(kIfd, kIc);
  const ssc = concatBytes(rndIc.subarray(4, 8), rndIfd.subarray(4, 8));
  return sessionFromKeys(kdf(seed, KDF_ENC, '3DES'), kdf(seed, KDF_MAC, '3DES'), '3DES', ssc);
}
