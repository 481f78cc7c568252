/**
 * Signatures of Terminal Authentication v1: id-TA-ECDSA-SHA-{1,224,256,384,512} (OIDs under id-TA
 * 0.4.0.127.0.7.2.2.2.2.x, BSI TR-03110 v1.11 as referenced by ICAO 9303-11 §7.1), plain format
 * r ‖ s, each padded to the order length (BSI TR-03111 plain ECDSA format). Curves are recognised
 * from the CVCA's explicit domain parameters; DV and IS keys inherit them (TR-03110 v1.11 Annex C).
 */
import { bigIntToBytes, bytesToBigInt } from '../../bytes/bytes.ts';
import { hash, type HashName } from '../../crypto/hash.ts';
import { brainpoolP256r1, brainpoolP384r1, brainpoolP512r1 } from '@noble/curves/misc.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import type { ECDSA } from '@noble/curves/abstract/weierstrass.js';
import { byteLength } from '../../crypto/rsa.ts';
import type { CurveName } from '../domain/ec-domain.ts';
import {
  ID_TA_ECDSA_SHA_1,
  ID_TA_ECDSA_SHA_224,
  ID_TA_ECDSA_SHA_256,
  ID_TA_ECDSA_SHA_384,
  ID_TA_ECDSA_SHA_512,
} from '../oids.ts';
import type { CvPublicKey } from './cv-certificate.ts';

const ECDSA_BY_CURVE: Readonly<Record<CurveName, ECDSA>> = {
  'P-256': p256,
  'P-384': p384,
  'P-521': p521,
  brainpoolP256r1,
  brainpoolP384r1,
  brainpoolP512r1,
};

export const TA_HASH: Readonly<Record<string, HashName>> = {
  [ID_TA_ECDSA_SHA_1]: 'sha1',
  [ID_TA_ECDSA_SHA_224]: 'sha224',
  [ID_TA_ECDSA_SHA_256]: 'sha256',
  [ID_TA_ECDSA_SHA_384]: 'sha384',
  [ID_TA_ECDSA_SHA_512]: 'sha512',
};

/** The curve whose parameters equal the explicit ones of a CVCA key, if any. */
export function curveOfParams(params: NonNullable<CvPublicKey['params']>): CurveName | undefined {
  for (const [name, ecdsa] of Object.entries(ECDSA_BY_CURVE) as [CurveName, ECDSA][]) {
    const c = ecdsa.Point.CURVE();
    if (c.p === params.p && c.a === params.a && c.b === params.b && c.n === params.r) return name;
  }
  return undefined;
}

/** Explicit domain parameters of a curve, as a CVCA certificate carries them. */
export function curveParams(curve: CurveName): NonNullable<CvPublicKey['params']> {
  const P = ECDSA_BY_CURVE[curve].Point;
  const c = P.CURVE();
  return { p: c.p, a: c.a, b: c.b, g: P.BASE.toBytes(false), r: c.n, f: c.h };
}

export function ecPublicKey(curve: CurveName, privateKey: bigint): Uint8Array {
  return ECDSA_BY_CURVE[curve].Point.BASE.multiply(privateKey).toBytes(false);
}

/** Plain-format ECDSA signature of `message` (deterministic, RFC 6979). */
export function taSign(
  curve: CurveName,
  algorithmOid: string,
  privateKey: bigint,
  message: Uint8Array,
): Uint8Array {
  const h = TA_HASH[algorithmOid];
  if (!h) throw new RangeError(`unsupported TA signature algorithm ${algorithmOid}`);
  const ecdsa = ECDSA_BY_CURVE[curve];
  const n = ecdsa.Point.CURVE().n;
  const sk = bigIntToBytes(privateKey, byteLength(n));
  return ecdsa.sign(hash(h, message), sk, { prehash: false, lowS: false });
}

export function taVerify(
  curve: CurveName,
  algorithmOid: string,
  publicPoint: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const h = TA_HASH[algorithmOid];
  if (!h) return false;
  const ecdsa = ECDSA_BY_CURVE[curve];
  const n = ecdsa.Point.CURVE().n;
  if (signature.length !== 2 * byteLength(n)) return false;
  const r = bytesToBigInt(signature.subarray(0, signature.length / 2));
  const s = bytesToBigInt(signature.subarray(signature.length / 2));
  if (r === 0n || s === 0n || r >= n || s >= n) return false;
  try {
    return ecdsa.verify(signature, hash(h, message), publicPoint, { prehash: false, lowS: false });
  } catch {
    return false;
  }
}
