/**
 * Card-verifiable certificates for Terminal Authentication v1 (EAC1): BSI TR-03110 v1.11 Annex C,
 * as referenced by ICAO Doc 9303-11 §7.1 (8th ed. 2021); emrtd/README.md §2.7.
 *
 * ```
 * 7F21 CV certificate
 *   7F4E certificate body
 *     5F29 01 00            certificate profile identifier (0)
 *     42   CAR              certification authority reference (ASCII)
 *     7F49 public key       06 OID [81 p 82 a 83 b 84 G 85 r 87 f] 86 Y   (domain parameters: CVCA only)
 *     5F20 CHR              certificate holder reference
 *     7F4C CHAT             06 id-IS, 53 01 rights   (b8 b7 role: 11 CVCA, 10 DV domestic, 01 DV foreign, 00 IS;
 *                                                   b2 read DG4 (iris), b1 read DG3 (fingerprint))
 *     5F25 effective date   YYMMDD, one digit per byte (unpacked BCD)
 *     5F24 expiration date
 *   5F37 signature          ECDSA plain r ‖ s over SHA-x(7F4E…)  (id-TA-ECDSA-SHA-x)
 * ```
 * PSO:VERIFY CERTIFICATE carries the body and signature without the 7F21 wrapper (9303-11 §7.1.3);
 * the parser accepts both forms.
 */
import { HostError } from '../../host-error.ts';
import { parseTlvs, tlv, type Tlv, TlvFormatError } from '../../bytes/ber-tlv.ts';
import { asciiBytes, bytesToAscii, bytesToBigInt } from '../../bytes/bytes.ts';
import { oidContent, oidToString } from '../asn1/der.ts';

export const TAG_7F21_CV_CERTIFICATE = 0x7f21;
export const TAG_7F4E_BODY = 0x7f4e;
export const TAG_5F29_CPI = 0x5f29;
export const TAG_42_CAR = 0x42;
export const TAG_7F49_PUBLIC_KEY = 0x7f49;
export const TAG_5F20_CHR = 0x5f20;
export const TAG_7F4C_CHAT = 0x7f4c;
export const TAG_53_DISCRETIONARY = 0x53;
export const TAG_5F25_EFFECTIVE = 0x5f25;
export const TAG_5F24_EXPIRATION = 0x5f24;
export const TAG_5F37_SIGNATURE = 0x5f37;

/** EAC1 CHAT role bits (TR-03110 v1.11 Table C.4). */
export const ROLE_CVCA = 0xc0;
export const ROLE_DV_DOMESTIC = 0x80;
export const ROLE_DV_FOREIGN = 0x40;
export const ROLE_IS = 0x00;
export const RIGHT_READ_DG3 = 0x01;
export const RIGHT_READ_DG4 = 0x02;

export type CvRole = 'cvca' | 'dv-domestic' | 'dv-foreign' | 'is';
const ROLES: Readonly<Record<number, CvRole>> = {
  [ROLE_CVCA]: 'cvca',
  [ROLE_DV_DOMESTIC]: 'dv-domestic',
  [ROLE_DV_FOREIGN]: 'dv-foreign',
  [ROLE_IS]: 'is',
};

export class CvCertificateError extends HostError {
  readonly code = 'CV_CERTIFICATE';
}

/** EC public key DOs of a CV certificate: OID, optional domain parameters, point. */
export interface CvPublicKey {
  readonly oid: string;
  /** Domain parameters (81 p, 82 a, 83 b, 84 G, 85 r, 87 f) when present (CVCA certificates). */
  readonly params?: {
    readonly p: bigint;
    readonly a: bigint;
    readonly b: bigint;
    readonly g: Uint8Array;
    readonly r: bigint;
    readonly f: bigint;
  };
  readonly point: Uint8Array;
}

export interface CvCertificate {
  readonly cpi: number;
  readonly car: string;
  readonly chr: string;
  readonly publicKey: CvPublicKey;
  readonly chatOid: string;
  readonly chat: number;
  readonly role: CvRole;
  /** YYMMDD */
  readonly effective: string;
  readonly expiration: string;
  /** The encoded 7F4E body: what the signature covers. */
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
}

export interface CvCertificateFields {
  readonly car: string;
  readonly chr: string;
  readonly publicKey: CvPublicKey;
  readonly chatOid: string;
  readonly chat: number;
  readonly effective: string;
  readonly expiration: string;
}

function dateBytes(yymmdd: string): Uint8Array {
  if (!/^\d{6}$/.test(yymmdd)) throw new RangeError(`CV date must be YYMMDD, got ${yymmdd}`);
  return Uint8Array.from(yymmdd, (c) => Number(c));
}

function dateString(v: Uint8Array, what: string): string {
  if (v.length !== 6 || v.some((d) => d > 9))
    throw new CvCertificateError(`${what}: not six unpacked BCD digits`);
  return Array.from(v, String).join('');
}

function intBytes(v: bigint): Uint8Array {
  const hex = v.toString(16);
  const even = hex.length % 2 ? `0${hex}` : hex;
  return Uint8Array.from(even.match(/../g) ?? [], (h) => parseInt(h, 16));
}

export function encodeCvPublicKey(key: CvPublicKey): Uint8Array {
  const parts = [tlv(0x06, oidContent(key.oid))];
  if (key.params) {
    const { p, a, b, g, r, f } = key.params;
    parts.push(
      tlv(0x81, intBytes(p)),
      tlv(0x82, intBytes(a)),
      tlv(0x83, intBytes(b)),
      tlv(0x84, g),
      tlv(0x85, intBytes(r)),
    );
    parts.push(tlv(0x86, key.point), tlv(0x87, intBytes(f)));
  } else {
    parts.push(tlv(0x86, key.point));
  }
  return tlv(TAG_7F49_PUBLIC_KEY, ...parts);
}

/** The 7F4E body (the bytes the issuer signs). */
export function encodeCvBody(f: CvCertificateFields): Uint8Array {
  return tlv(
    TAG_7F4E_BODY,
    tlv(TAG_5F29_CPI, Uint8Array.of(0)),
    tlv(TAG_42_CAR, asciiBytes(f.car)),
    encodeCvPublicKey(f.publicKey),
    tlv(TAG_5F20_CHR, asciiBytes(f.chr)),
    tlv(
      TAG_7F4C_CHAT,
      tlv(0x06, oidContent(f.chatOid)),
      tlv(TAG_53_DISCRETIONARY, Uint8Array.of(f.chat)),
    ),
    tlv(TAG_5F25_EFFECTIVE, dateBytes(f.effective)),
    tlv(TAG_5F24_EXPIRATION, dateBytes(f.expiration)),
  );
}

export function encodeCvCertificate(body: Uint8Array, signature: Uint8Array): Uint8Array {
  return tlv(TAG_7F21_CV_CERTIFICATE, body, tlv(TAG_5F37_SIGNATURE, signature));
}

function need(list: readonly Tlv[], tag: number, what: string): Uint8Array {
  const hits = list.filter((t) => t.tag === tag);
  if (hits.length !== 1 || !hits[0])
    throw new CvCertificateError(`${what} (${tag.toString(16)}) missing or repeated`);
  return hits[0].value;
}

function parsePublicKey(value: Uint8Array): CvPublicKey {
  const dos = parseTlvs(value);
  const oid = oidToString(need(dos, 0x06, 'public key OID'));
  const point = need(dos, 0x86, 'public point');
  if (!dos.some((d) => d.tag === 0x81)) return { oid, point };
  const big = (tag: number, what: string): bigint => bytesToBigInt(need(dos, tag, what));
  return {
    oid,
    point,
    params: {
      p: big(0x81, 'p'),
      a: big(0x82, 'a'),
      b: big(0x83, 'b'),
      g: need(dos, 0x84, 'G'),
      r: big(0x85, 'r'),
      f: big(0x87, 'f'),
    },
  };
}

function parseChat(value: Uint8Array): { chatOid: string; chat: number } {
  const dos = parseTlvs(value);
  const rights = need(dos, TAG_53_DISCRETIONARY, 'CHAT discretionary data');
  if (rights.length !== 1)
    throw new CvCertificateError('EAC1 CHAT discretionary data must be one byte');
  return { chatOid: oidToString(need(dos, 0x06, 'CHAT OID')), chat: rights[0] as number };
}

/** Parses `7F21 {7F4E, 5F37}` or the bare `7F4E ‖ 5F37` of PSO:VERIFY CERTIFICATE. */
export function parseCvCertificate(bytes: Uint8Array): CvCertificate {
  try {
    let top = parseTlvs(bytes);
    if (top.length === 1 && top[0]?.tag === TAG_7F21_CV_CERTIFICATE) top = parseTlvs(top[0].value);
    const bodyDo = top.find((t) => t.tag === TAG_7F4E_BODY);
    if (!bodyDo || top.length !== 2)
      throw new CvCertificateError('expected 7F4E body and 5F37 signature');
    const signature = need(top, TAG_5F37_SIGNATURE, 'signature');
    const dos = parseTlvs(bodyDo.value);
    const cpi = need(dos, TAG_5F29_CPI, 'CPI');
    const { chatOid, chat } = parseChat(need(dos, TAG_7F4C_CHAT, 'CHAT'));
    return {
      cpi: cpi[0] ?? -1,
      car: bytesToAscii(need(dos, TAG_42_CAR, 'CAR')),
      chr: bytesToAscii(need(dos, TAG_5F20_CHR, 'CHR')),
      publicKey: parsePublicKey(need(dos, TAG_7F49_PUBLIC_KEY, 'public key')),
      chatOid,
      chat,
      role: ROLES[chat & 0xc0] as CvRole,
      effective: dateString(need(dos, TAG_5F25_EFFECTIVE, 'effective date'), 'effective date'),
      expiration: dateString(need(dos, TAG_5F24_EXPIRATION, 'expiration date'), 'expiration date'),
      body: bodyDo.raw.slice(),
      signature: signature.slice(),
    };
  } catch (e) {
    if (e instanceof TlvFormatError)
      throw new CvCertificateError(`malformed CV certificate: ${e.message}`);
    throw e;
  }
}

/** Date comparisons on YYMMDD strings (20YY; EAC certificates are 21st century). */
export function compareCvDates(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** YYMMDD of a Date (UTC). */
export function cvDate(d: Date): string {
  return `${String(d.getUTCFullYear() % 100).padStart(2, '0')}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** CAR/CHR of a trust point as bytes (EF.CVCA DO 42 content). */
export function referenceBytes(ref: string): Uint8Array {
  return asciiBytes(ref);
}
