/**
 * Synchronous, deterministic RSA signatures for the test PKI (certificates, EF.SOD):
 *
 * - RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) through `node:crypto` — deterministic by construction;
 * - RSASSA-PSS (RFC 8017 §8.1, EMSA-PSS §9.1.1) encoded here so that the salt can come from an
 *   injected RNG or be derived from the message (same seed, same EF.SOD bytes), then signed with
 *   the raw RSA operation of crypto/rsa.ts; verification goes through `node:crypto`.
 */
import { constants, sign, verify, type KeyObject } from 'node:crypto';
import { concatBytes } from '../../bytes/bytes.ts';
import { hash, hashLength, type HashName } from '../../crypto/hash.ts';
import {
  byteLength,
  rsaPrivateKeyObject,
  rsaPrivateRaw,
  rsaPublicKeyObject,
  type RsaPrivateKey,
  type RsaPublicKey,
} from '../../crypto/rsa.ts';
import type { Rng } from '../../crypto/rng.ts';

/** An RSA signature scheme as certificates and EF.SOD name it (RFC 8017 §8.1 PSS, §8.2 PKCS#1 v1.5). */
export type RsaSignatureScheme =
  | { readonly kind: 'pkcs1'; readonly hash: HashName }
  | { readonly kind: 'pss'; readonly hash: HashName; readonly saltLength: number };

/** RSASSA-PKCS1-v1_5 with DigestInfo (RFC 8017 §8.2.1). */
export function signPkcs1(key: RsaPrivateKey, hashName: HashName, message: Uint8Array): Uint8Array {
  const signature = sign(hashName, message, {
    key: rsaPrivateKeyObject(key),
    padding: constants.RSA_PKCS1_PADDING,
  });
  return new Uint8Array(signature.buffer, signature.byteOffset, signature.length);
}

export function verifyPkcs1(
  key: RsaPublicKey | KeyObject,
  hashName: HashName,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const k = 'n' in key ? rsaPublicKeyObject(key) : key;
  return verify(hashName, message, { key: k, padding: constants.RSA_PKCS1_PADDING }, signature);
}

/** MGF1 (RFC 8017 §B.2.1). */
export function mgf1(hashName: HashName, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const h = hashLength(hashName);
  for (let counter = 0, off = 0; off < length; counter++, off += h) {
    const c = Uint8Array.of(
      counter >>> 24,
      (counter >>> 16) & 0xff,
      (counter >>> 8) & 0xff,
      counter & 0xff,
    );
    const block = hash(hashName, concatBytes(seed, c));
    out.set(block.subarray(0, Math.min(h, length - off)), off);
  }
  return out;
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with an explicit salt. */
export function emsaPssEncode(
  hashName: HashName,
  message: Uint8Array,
  salt: Uint8Array,
  modBits: number,
): Uint8Array {
  const hLen = hashLength(hashName);
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + salt.length + 2)
    throw new RangeError('PSS: encoding error (modulus too short)');
  const mHash = hash(hashName, message);
  const h = hash(hashName, concatBytes(new Uint8Array(8), mHash, salt));
  const db = new Uint8Array(emLen - hLen - 1);
  db[emLen - salt.length - hLen - 2] = 0x01;
  db.set(salt, db.length - salt.length);
  const mask = mgf1(hashName, h, db.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & (0xff >> (8 * emLen - emBits));
  return concatBytes(db, h, Uint8Array.of(0xbc));
}

export interface PssParams {
  readonly hash: HashName;
  readonly saltLength: number;
}

/**
 * RSASSA-PSS signature. The salt comes from `rng` when given; otherwise it is derived from the
 * message (RFC 8017 §9.1 note 4 allows a deterministic salt; it keeps personalisation reproducible).
 */
export function signPss(
  key: RsaPrivateKey,
  params: PssParams,
  message: Uint8Array,
  rng?: Rng,
): Uint8Array {
  const salt = rng
    ? rng.bytes(params.saltLength)
    : hash(
        params.hash,
        concatBytes(new TextEncoder().encode('ciebench-pss-salt'), message),
      ).subarray(0, params.saltLength);
  const modBits = key.n.toString(2).length;
  const em = emsaPssEncode(params.hash, message, salt, modBits);
  const k = byteLength(key.n);
  const input = em.length === k ? em : concatBytes(new Uint8Array(k - em.length), em);
  return rsaPrivateRaw(key, input);
}

export function verifyPss(
  key: RsaPublicKey | KeyObject,
  params: PssParams,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const k = 'n' in key ? rsaPublicKeyObject(key) : key;
  return verify(
    params.hash,
    message,
    { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength },
    signature,
  );
}
