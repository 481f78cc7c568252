/**
 * PACE building blocks shared by the card and the inspection system (ICAO Doc 9303-11, 8th ed.
 * 2021, §4.4 and §9.7.3–9.7.4; emrtd/README.md §1.5, §2.5).
 *
 * ```
 * π      MRZ: SHA-1(MRZ_information)   CAN/PIN/PUK: the ASCII digits
 * K_π    KDF(π, 3)
 * z      E(K_π, s), CBC with zero IV
 * token  T = MAC(KS_mac, 7F49 { 06 L <PACE OID content>, 84|86 L <other side's PK> })
 * GA     every step's data is a dynamic authentication template 7C { one DO }
 * ```
 */
import { HostError } from '../../host-error.ts';
import { concatBytes } from '../../bytes/bytes.ts';
import { parseTlvs, tlv, type Tlv, TlvFormatError } from '../../bytes/ber-tlv.ts';
import { asciiBytes } from '../../bytes/bytes.ts';
import { sha1 } from '../../crypto/hash.ts';
import { oidContent } from '../asn1/der.ts';
import type { AgreementDomain } from '../domain/agreement-domain.ts';
import { kdf, KDF_PI, tokenMac } from '../kdf.ts';
import type { SymmetricCipher } from '../oids.ts';

/** Password references of MSE:Set AT DO 83: 01 MRZ, 02 CAN, 03 PIN, 04 PUK (emrtd/README.md §2.5, ICAO 9303-11 §4.4.4.1). */
export const PACE_PASSWORD_MRZ = 0x01;
export const PACE_PASSWORD_CAN = 0x02;
export const PACE_PASSWORD_PIN = 0x03;
export const PACE_PASSWORD_PUK = 0x04;
export type PacePasswordRef =
  | typeof PACE_PASSWORD_MRZ
  | typeof PACE_PASSWORD_CAN
  | typeof PACE_PASSWORD_PIN
  | typeof PACE_PASSWORD_PUK;

export const PASSWORD_NAMES: Readonly<Record<number, string>> = {
  1: 'MRZ',
  2: 'CAN',
  3: 'PIN',
  4: 'PUK',
};

/** Dynamic authentication data template and its inner DOs (9303-11 §4.4.4, Table 7–11). */
export const DO_7C_DYNAMIC_AUTH = 0x7c;
export const DO_80_ENCRYPTED_NONCE = 0x80;
export const DO_81_MAPPING_PCD = 0x81;
export const DO_82_MAPPING_IC = 0x82;
export const DO_83_EPHEMERAL_PCD = 0x83;
export const DO_84_EPHEMERAL_IC = 0x84;
export const DO_85_TOKEN_PCD = 0x85;
export const DO_86_TOKEN_IC = 0x86;
export const DO_87_CAR_1 = 0x87;
export const DO_88_CAR_2 = 0x88;
export const DO_7F49_PUBLIC_KEY = 0x7f49;
export const DO_06_OID = 0x06;

/** π for the MRZ password: SHA-1 of MRZ_information (9303-11 §9.7.3). */
export function mrzPassword(mrzInformation: string): Uint8Array {
  return sha1(asciiBytes(mrzInformation));
}

/** π for CAN, PIN and PUK: the digits as ASCII. */
export function digitsPassword(digits: string): Uint8Array {
  return asciiBytes(digits);
}

export function passwordKey(pi: Uint8Array, cipher: SymmetricCipher): Uint8Array {
  return kdf(pi, KDF_PI, cipher);
}

/** Token input: `7F49 { 06 OID, 84 (DH) | 86 (EC) public key }` (9303-11 §9.7.4 / §9.4). */
export function tokenInput(
  protocolOid: string,
  domain: AgreementDomain,
  publicKey: Uint8Array,
): Uint8Array {
  return tlv(
    DO_7F49_PUBLIC_KEY,
    tlv(DO_06_OID, oidContent(protocolOid)),
    tlv(domain.tokenKeyTag, publicKey),
  );
}

export function authenticationToken(
  cipher: SymmetricCipher,
  kMac: Uint8Array,
  protocolOid: string,
  domain: AgreementDomain,
  publicKey: Uint8Array,
): Uint8Array {
  return tokenMac(cipher, kMac, tokenInput(protocolOid, domain, publicKey));
}

/** `7C L <DOs>`. */
export function gaTemplate(...dos: Uint8Array[]): Uint8Array {
  return tlv(DO_7C_DYNAMIC_AUTH, concatBytes(...dos));
}

export class GaFormatError extends HostError {
  readonly code = 'GA_FORMAT';
}

/** The inner DOs of a `7C` template that must span the whole data field. */
export function parseGaTemplate(data: Uint8Array): Tlv[] {
  let outer: Tlv[];
  try {
    outer = parseTlvs(data);
  } catch (e) {
    if (e instanceof TlvFormatError) throw new GaFormatError(`GA data: ${e.message}`);
    throw e;
  }
  const [template, ...extra] = outer;
  if (!template || template.tag !== DO_7C_DYNAMIC_AUTH)
    throw new GaFormatError('GA data is not a 7C template');
  if (extra.length > 0) throw new GaFormatError('data after the 7C template');
  try {
    return parseTlvs(template.value);
  } catch (e) {
    if (e instanceof TlvFormatError) throw new GaFormatError(`7C content: ${e.message}`);
    throw e;
  }
}
