/**
 * Object identifiers of the ICAO 9303 / BSI TR-03110 security protocols and what each one
 * selects (ICAO Doc 9303-11, 8th ed. 2021, §9.2 "SecurityInfos" ASN.1 module; emrtd/README.md §2.5 OID
 * table). Protocol choice is data: one table row per OID, no if/else chains (DESIGN.md rule 11).
 *
 * ```
 * bsi-de            0.4.0.127.0.7
 * id-PK             bsi-de.2.2.1      .1 DH   .2 ECDH
 * id-TA             bsi-de.2.2.2      .2.x ECDSA-SHA-x   .1.x RSA
 * id-CA             bsi-de.2.2.3      .1.x DH   .2.x ECDH      x: 1 3DES, 2 AES-128, 3 AES-192, 4 AES-256
 * id-PACE           bsi-de.2.2.4      .1 DH-GM  .2 ECDH-GM  .3 DH-IM  .4 ECDH-IM  .6 ECDH-CAM
 * id-roles          bsi-de.3.1.2      .1 id-IS (EAC1 inspection system CHAT)
 * ```
 */

export const BSI_DE = '0.4.0.127.0.7';
export const ID_PK_DH = `${BSI_DE}.2.2.1.1`;
export const ID_PK_ECDH = `${BSI_DE}.2.2.1.2`;
export const ID_TA = `${BSI_DE}.2.2.2`;
export const ID_CA = `${BSI_DE}.2.2.3`;
export const ID_PACE = `${BSI_DE}.2.2.4`;
/** EAC1 role OID of an inspection system's CHAT (TR-03110 v1.11 / 9303-11 references). */
export const ID_IS = `${BSI_DE}.3.1.2.1`;

export const ID_TA_ECDSA_SHA_1 = `${ID_TA}.2.1`;
export const ID_TA_ECDSA_SHA_224 = `${ID_TA}.2.2`;
export const ID_TA_ECDSA_SHA_256 = `${ID_TA}.2.3`;
export const ID_TA_ECDSA_SHA_384 = `${ID_TA}.2.4`;
export const ID_TA_ECDSA_SHA_512 = `${ID_TA}.2.5`;

/** ICAO LDS security object content type (9303-10 §4.6.2). */
export const ID_ICAO_LDS_SECURITY_OBJECT = '2.23.136.1.1.1';
/** X9.42 `dhpublicnumber` (RFC 3279 §2.3.3) and PKCS #3 `dhKeyAgreement`. */
export const ID_DH_PUBLIC_NUMBER = '1.2.840.10046.2.1';
export const ID_PKCS3_DH_KEY_AGREEMENT = '1.2.840.113549.1.3.1';
/** RFC 5480 `id-ecPublicKey` and named curves. */
export const ID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';

export type SymmetricCipher = '3DES' | 'AES-128' | 'AES-192' | 'AES-256';
export type AgreementKind = 'DH' | 'ECDH';
export type PaceMapping = 'GM' | 'IM' | 'CAM';

const CIPHER_SUFFIX: Readonly<Record<string, SymmetricCipher>> = {
  '1': '3DES',
  '2': 'AES-128',
  '3': 'AES-192',
  '4': 'AES-256',
};

export interface PaceProtocol {
  readonly oid: string;
  readonly mapping: PaceMapping;
  readonly agreement: AgreementKind;
  readonly cipher: SymmetricCipher;
}

const PACE_MAPPINGS: Readonly<Record<string, { mapping: PaceMapping; agreement: AgreementKind }>> =
  {
    '1': { mapping: 'GM', agreement: 'DH' },
    '2': { mapping: 'GM', agreement: 'ECDH' },
    '3': { mapping: 'IM', agreement: 'DH' },
    '4': { mapping: 'IM', agreement: 'ECDH' },
    '6': { mapping: 'CAM', agreement: 'ECDH' },
  };

/** Decodes an id-PACE-* OID; undefined for anything else (including CAM with 3DES, which 9303-11 does not define). */
export function paceProtocol(oid: string): PaceProtocol | undefined {
  if (!oid.startsWith(`${ID_PACE}.`)) return undefined;
  const [m, c, ...extra] = oid.slice(ID_PACE.length + 1).split('.');
  const mapping = m === undefined ? undefined : PACE_MAPPINGS[m];
  const cipher = c === undefined ? undefined : CIPHER_SUFFIX[c];
  if (!mapping || !cipher || extra.length > 0) return undefined;
  if (mapping.mapping === 'CAM' && cipher === '3DES') return undefined;
  return { oid, ...mapping, cipher };
}

export function paceOid(
  agreement: AgreementKind,
  mapping: PaceMapping,
  cipher: SymmetricCipher,
): string {
  const m = Object.entries(PACE_MAPPINGS).find(
    ([, v]) => v.agreement === agreement && v.mapping === mapping,
  )?.[0];
  const c = Object.entries(CIPHER_SUFFIX).find(([, v]) => v === cipher)?.[0];
  if (!m || !c) throw new RangeError(`no PACE OID for ${agreement}-${mapping}-${cipher}`);
  return `${ID_PACE}.${m}.${c}`;
}

export interface ChipAuthProtocol {
  readonly oid: string;
  readonly agreement: AgreementKind;
  readonly cipher: SymmetricCipher;
}

/** Decodes an id-CA-{DH,ECDH}-* OID (9303-11 §9.2.5). */
export function chipAuthProtocol(oid: string): ChipAuthProtocol | undefined {
  if (!oid.startsWith(`${ID_CA}.`)) return undefined;
  const [a, c, ...extra] = oid.slice(ID_CA.length + 1).split('.');
  const agreement: AgreementKind | undefined = a === '1' ? 'DH' : a === '2' ? 'ECDH' : undefined;
  const cipher = c === undefined ? undefined : CIPHER_SUFFIX[c];
  if (!agreement || !cipher || extra.length > 0) return undefined;
  return { oid, agreement, cipher };
}

export function chipAuthOid(agreement: AgreementKind, cipher: SymmetricCipher): string {
  const c = Object.entries(CIPHER_SUFFIX).find(([, v]) => v === cipher)?.[0] as string;
  return `${ID_CA}.${agreement === 'DH' ? 1 : 2}.${c}`;
}

/** Named curves by OID (RFC 5480 / RFC 5639) and their PACE standardized parameter ids. */
export const CURVE_OIDS: Readonly<Record<string, string>> = {
  'P-256': '1.2.840.10045.3.1.7',
  'P-384': '1.3.132.0.34',
  'P-521': '1.3.132.0.35',
  brainpoolP256r1: '1.3.36.3.3.2.8.1.1.7',
  brainpoolP384r1: '1.3.36.3.3.2.8.1.1.11',
  brainpoolP512r1: '1.3.36.3.3.2.8.1.1.13',
};
