/**
 * Modular exponentiation for the 1024/2048-bit Diffie-Hellman groups of PACE and Chip
 * Authentication. `node:crypto`'s DiffieHellman object computes `peer^private mod p` through
 * OpenSSL, about 10× faster than bigint square-and-multiply for a 2048-bit modulus (measured:
 * 0.25 ms against 2–3 ms per 256-bit exponent). Creating that object runs OpenSSL's parameter check
 * (~100 ms), so one object is kept per modulus. No randomness is involved: the exponent is always
 * supplied by the caller, so the card stays deterministic under an injected RNG.
 *
 * OpenSSL refuses bases outside 2..p−2 and results equal to 1: the latter is computed as
 * base^(exp−1) · base, the rest (rare, mostly hostile inputs) falls back to the bigint routine,
 * so the function is total.
 */
import { createDiffieHellman, type DiffieHellman } from 'node:crypto';
import { bigIntToBytes, bytesToBigInt } from '../../bytes/bytes.ts';
import { byteLength, modPow } from '../../crypto/rsa.ts';

const MAX_CACHED_MODULI = 8;
const engines = new Map<bigint, { dh: DiffieHellman; length: number }>();

function engineFor(p: bigint): { dh: DiffieHellman; length: number } {
  let e = engines.get(p);
  if (!e) {
    const length = byteLength(p);
    e = { dh: createDiffieHellman(Buffer.from(bigIntToBytes(p, length)), Buffer.of(2)), length };
    if (engines.size >= MAX_CACHED_MODULI) engines.delete(engines.keys().next().value as bigint);
    engines.set(p, e);
  }
  return e;
}

/** base^exp mod p for an odd prime modulus p (exp ≥ 0). */
export function modExp(base: bigint, exp: bigint, p: bigint): bigint {
  const b = ((base % p) + p) % p;
  if (exp === 0n) return 1n % p;
  if (b < 2n || b > p - 2n || p < 2n ** 512n) return modPow(b, exp, p);
  const viaOpenSsl = (e: bigint): bigint | undefined => {
    const { dh, length } = engineFor(p);
    try {
      dh.setPrivateKey(Buffer.from(bigIntToBytes(e, byteLength(e))));
      return bytesToBigInt(dh.computeSecret(Buffer.from(bigIntToBytes(b, length))));
    } catch {
      return undefined;
    }
  };
  const r = viaOpenSsl(exp);
  if (r !== undefined) return r;
  // OpenSSL refuses a result of 1 — exactly what the subgroup check y^q expects — so compute
  // y^(q−1) · y instead; anything else it refuses goes to the bigint routine.
  const r1 = exp > 1n ? viaOpenSsl(exp - 1n) : undefined;
  return r1 !== undefined ? (r1 * b) % p : modPow(b, exp, p);
}
