/**
 * Injectable randomness (DESIGN.md rule 10: never a hidden `Math.random` or a private
 * `SecureRandom`). Tests and reproducible traces use {@link seededRng}; a running card uses
 * {@link systemRng}.
 */
import { randomBytes } from 'node:crypto';
import { rngAesCtrDrbg256 } from '@noble/ciphers/aes.js';
import { sha384 } from '@noble/hashes/sha2.js';

export interface Rng {
  /** `n` fresh random bytes. */
  bytes(n: number): Uint8Array;
}

export const systemRng: Rng = {
  bytes(n: number): Uint8Array {
    return new Uint8Array(randomBytes(n));
  },
};

/**
 * Deterministic generator: NIST SP 800-90A AES-256 CTR_DRBG (noble's test-only DRBG) seeded with
 * SHA-384 of the seed. Same seed, same byte stream, on every platform.
 */
export function seededRng(seed: string | Uint8Array): Rng {
  const material = typeof seed === 'string' ? new TextEncoder().encode(seed) : seed;
  const drbg = rngAesCtrDrbg256(sha384(material));
  return {
    bytes(n: number): Uint8Array {
      if (n === 0) return new Uint8Array(0);
      // The DRBG limits one request to 2^16 bytes; larger requests are served in pieces.
      const out = new Uint8Array(n);
      for (let off = 0; off < n; off += 65536)
        out.set(drbg.randomBytes(Math.min(65536, n - off)), off);
      return out;
    },
  };
}

/** Uniform integer in [0, bound) by rejection sampling. */
export function randomBelow(rng: Rng, bound: bigint): bigint {
  if (bound <= 0n) throw new RangeError('randomBelow: bound must be positive');
  const bits = bound.toString(2).length;
  const bytes = Math.ceil(bits / 8);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    let v = 0n;
    for (const b of rng.bytes(bytes)) v = (v << 8n) | BigInt(b);
    v &= mask;
    if (v < bound) return v;
  }
}
