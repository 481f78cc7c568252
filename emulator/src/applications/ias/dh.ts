/**
 * Diffie–Hellman key agreement and session-key derivation of the IAS secure channel
 * (README.md §4.1):
 *
 * ```
 * PuK = g^x mod p                       (exactly |p| bytes, left-padded — iOS needs it, §2.4)
 * K   = PuK_other^x mod p               (big-endian at full |p| length)
 * K_ENC = SHA-256(K ‖ 00 00 00 01)[0..15]   K_MAC = SHA-256(K ‖ 00 00 00 02)[0..15]   SSC = 1
 * ```
 * Modular exponentiation goes through `node:crypto` DiffieHellman (OpenSSL): a BigInt version
 * costs milliseconds per operation, which the login benchmark cannot afford.
 */
import { HostError } from '../../host-error.ts';
import { createDiffieHellman } from 'node:crypto';
import { bigIntToBytes, bytesToBigInt, concatBytes } from '../../bytes/bytes.ts';
import { sha256 } from '../../crypto/hash.ts';
import type { Rng } from '../../crypto/rng.ts';
import { smSession, type SmSession } from '../../sm/sm-session.ts';
import { des3Suite } from '../../sm/suites/des3.ts';

export interface DhGroup {
  readonly p: Uint8Array;
  readonly g: Uint8Array;
  readonly q: Uint8Array;
}

export class DhError extends HostError {
  readonly code = 'IAS_DH';
}

/** Big-endian `value` left-padded with zeros to `length` bytes (throws if longer). */
export function leftPad(value: Uint8Array, length: number): Uint8Array {
  let v = value;
  while (v.length > length && v[0] === 0) v = v.subarray(1);
  if (v.length > length) throw new DhError(`value of ${v.length} bytes does not fit in ${length}`);
  if (v.length === length) return v;
  const out = new Uint8Array(length);
  out.set(v, length - v.length);
  return out;
}

/** A private exponent of |q| bytes in [1, q-1] (§4.1 step 3: x of |q| bytes, x[0] ≤ q[0]). */
export function randomExponent(group: DhGroup, rng: Rng): Uint8Array {
  const q = bytesToBigInt(group.q);
  for (;;) {
    const x = bytesToBigInt(rng.bytes(group.q.length));
    if (x > 0n && x < q) return bigIntToBytes(x, group.q.length);
  }
}

export interface DhKeyPair {
  readonly privateExponent: Uint8Array;
  /** g^x mod p, |p| bytes. */
  readonly publicKey: Uint8Array;
}

export function dhKeyPair(group: DhGroup, privateExponent: Uint8Array): DhKeyPair {
  const dh = createDiffieHellman(group.p, group.g);
  dh.setPrivateKey(privateExponent);
  dh.generateKeys();
  return { privateExponent, publicKey: leftPad(new Uint8Array(dh.getPublicKey()), group.p.length) };
}

/** 1 < y < p − 1 (§10: a key agreement with a degenerate public key is refused). */
export function isValidPublicKey(group: DhGroup, y: Uint8Array): boolean {
  if (y.length === 0 || y.length > group.p.length) return false;
  const v = bytesToBigInt(y);
  return v > 1n && v < bytesToBigInt(group.p) - 1n;
}

/** K = otherPublic^x mod p at full |p| length. Throws {@link DhError} on an invalid public key. */
export function dhSharedSecret(
  group: DhGroup,
  privateExponent: Uint8Array,
  otherPublic: Uint8Array,
): Uint8Array {
  if (!isValidPublicKey(group, otherPublic)) throw new DhError('peer public key outside 2..p-2');
  const dh = createDiffieHellman(group.p, group.g);
  dh.setPrivateKey(privateExponent);
  try {
    return leftPad(new Uint8Array(dh.computeSecret(otherPublic)), group.p.length);
  } catch (e) {
    throw new DhError(`key agreement failed: ${(e as Error).message}`);
  }
}

export interface SessionKeys {
  readonly kEnc: Uint8Array;
  readonly kMac: Uint8Array;
}

/** §4.1 step 6: SHA-256 KDF, 16-byte (2-key 3DES) keys. */
export function deriveSessionKeys(sharedSecret: Uint8Array): SessionKeys {
  return {
    kEnc: sha256(concatBytes(sharedSecret, Uint8Array.of(0, 0, 0, 1))).slice(0, 16),
    kMac: sha256(concatBytes(sharedSecret, Uint8Array.of(0, 0, 0, 2))).slice(0, 16),
  };
}

/** The 3DES session of §4.1 with SSC = 00…01 (the first protected command uses …02). */
export function iasSmSession(keys: SessionKeys): SmSession {
  return smSession(des3Suite, keys.kEnc, keys.kMac, 1n);
}
