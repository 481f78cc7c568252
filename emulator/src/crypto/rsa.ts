/**
 * RSA primitives for the card side and the reference terminals: the raw operation the IAS
 * protocol needs (ias/README.md §5.3) and PKCS#1 v1.5 block type 1 (RFC 8017 §9.2 / §8.2
 * EMSA-PKCS1-v1_5 without the DigestInfo step, "the card pads over the bytes sent", ias/README.md
 * §7), both through OpenSSL (CRT speed; large public exponents such as the IAS CA key work);
 * deterministic key generation from an injected RNG; and `node:crypto` KeyObjects, cached per key
 * object (building one from JWK costs more than a signature).
 */
import {
  checkPrimeSync,
  constants,
  createPrivateKey,
  createPublicKey,
  privateEncrypt,
  publicEncrypt,
  type KeyObject,
} from 'node:crypto';
import { bigIntToBytes, bytesToBigInt } from '../bytes/bytes.ts';
import { randomBelow, type Rng } from './rng.ts';

export interface RsaPublicKey {
  readonly n: bigint;
  readonly e: bigint;
}

export interface RsaPrivateKey extends RsaPublicKey {
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
}

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  if (mod === 1n) return 0n;
  let result = 1n;
  let b = ((base % mod) + mod) % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    e >>= 1n;
    b = (b * b) % mod;
  }
  return result;
}

export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError('modInverse: not invertible');
  return ((oldS % m) + m) % m;
}

export function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function byteLength(n: bigint): number {
  return Math.ceil(n.toString(2).length / 8);
}

/** EM = 00 01 FF…FF 00 ‖ data (RFC 8017 §9.2 step 5 applied to arbitrary data). */
export function pkcs1Type1Pad(data: Uint8Array, k: number): Uint8Array {
  if (data.length > k - 11)
    throw new RangeError(`PKCS#1 v1.5: ${data.length} bytes too long for a ${k}-byte modulus`);
  const em = new Uint8Array(k).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[k - data.length - 1] = 0x00;
  em.set(data, k - data.length);
  return em;
}

/** Returns the data of a type-1 block, or undefined if the block is malformed. */
export function pkcs1Type1Unpad(em: Uint8Array): Uint8Array | undefined {
  if (em.length < 11 || em[0] !== 0x00 || em[1] !== 0x01) return undefined;
  let i = 2;
  while (i < em.length && em[i] === 0xff) i++;
  if (i < 10 || i >= em.length || em[i] !== 0x00) return undefined;
  return em.subarray(i + 1);
}

function bytesOf(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** input^d mod n; `input` is exactly k bytes and below n (else OpenSSL refuses it). */
export function rsaPrivateRaw(key: RsaPrivateKey, input: Uint8Array): Uint8Array {
  return bytesOf(
    privateEncrypt({ key: rsaPrivateKeyObject(key), padding: constants.RSA_NO_PADDING }, input),
  );
}

/** input^e mod n; `input` is exactly k bytes and below n. */
export function rsaPublicRaw(key: RsaPublicKey, input: Uint8Array): Uint8Array {
  return bytesOf(
    publicEncrypt({ key: rsaPublicKeyObject(key), padding: constants.RSA_NO_PADDING }, input),
  );
}

/** PKCS#1 v1.5 type-1 signature over the bytes given (no DigestInfo added). */
export function rsaPkcs1Type1Sign(key: RsaPrivateKey, data: Uint8Array): Uint8Array {
  return bytesOf(
    privateEncrypt({ key: rsaPrivateKeyObject(key), padding: constants.RSA_PKCS1_PADDING }, data),
  );
}

/** The data inside a type-1 signature, or undefined when it is not one for this key. */
export function rsaPkcs1Type1Recover(
  key: RsaPublicKey,
  signature: Uint8Array,
): Uint8Array | undefined {
  if (signature.length !== byteLength(key.n) || bytesToBigInt(signature) >= key.n) return undefined;
  return pkcs1Type1Unpad(rsaPublicRaw(key, signature));
}

const SMALL_PRIMES = (() => {
  const out: bigint[] = [];
  for (let c = 3; out.length < 300; c += 2)
    if (out.every((p) => c % Number(p) !== 0)) out.push(BigInt(c));
  return out;
})();

/** Miller-Rabin with `rounds` bases drawn from `rng` (FIPS 186-5 §B.3.1). */
export function isProbablePrime(n: bigint, rng: Rng, rounds = 40): boolean {
  if (n < 2n) return false;
  for (const p of SMALL_PRIMES) {
    if (n === p) return true;
    if (n % p === 0n) return false;
  }
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  outer: for (let i = 0; i < rounds; i++) {
    const a = 2n + randomBelow(rng, n - 3n);
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let r = 1; r < s; r++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

/** A random prime of exactly `bits` bits with the two top bits set (so p·q has 2·bits bits). */
export function randomPrime(
  rng: Rng,
  bits: number,
  accept: (p: bigint) => boolean = () => true,
): bigint {
  for (;;) {
    const bytes = rng.bytes(Math.ceil(bits / 8));
    let c = bytesToBigInt(bytes) & ((1n << BigInt(bits)) - 1n);
    c |= (3n << BigInt(bits - 2)) | 1n;
    if (accept(c) && isProbablePrime(c, rng)) return c;
  }
}

/** Odd primes below 17 400 for the sieve of {@link sievedPrime}. */
const SIEVE_PRIMES = (() => {
  const out: number[] = [];
  for (let c = 3; out.length < 2000; c += 2)
    if (out.every((p) => p * p > c || c % p !== 0)) out.push(c);
  return out;
})();

/**
 * A prime of exactly `bits` bits (two top bits set) by incremental search from a random odd start:
 * candidates divisible by a small prime are skipped with a sieve, the rest go to OpenSSL's
 * primality test (`checkPrimeSync`, FIPS 186-5 §B.3.1 rounds). Used for moduli of 4096 bits and
 * more, where the bigint Miller–Rabin of {@link randomPrime} takes tens of seconds; deterministic
 * for a given RNG stream (a composite passing OpenSSL's test has probability below 2^-100).
 */
export function sievedPrime(
  rng: Rng,
  bits: number,
  accept: (p: bigint) => boolean = () => true,
): bigint {
  let start = bytesToBigInt(rng.bytes(Math.ceil(bits / 8))) & ((1n << BigInt(bits)) - 1n);
  start |= (3n << BigInt(bits - 2)) | 1n;
  const residues = SIEVE_PRIMES.map((p) => Number(start % BigInt(p)));
  for (let delta = 0; ; delta += 2) {
    const c = start + BigInt(delta);
    if (c >> BigInt(bits) !== 0n) throw new RangeError('sievedPrime: ran past the bit length');
    if (!residues.every((r, i) => (r + delta) % (SIEVE_PRIMES[i] as number) !== 0)) continue;
    if (accept(c) && checkPrimeSync(c)) return c;
  }
}

/** How primes are searched: bigint Miller–Rabin per random candidate, or a sieve + OpenSSL. */
export type PrimeSearch = 'random' | 'sieved';

/**
 * Deterministic RSA key generation from an injected RNG (same seed → same key). Moduli below 4096
 * bits use {@link randomPrime} (the keys every existing seed has always produced), larger ones
 * {@link sievedPrime}; `search: 'sieved'` asks for the faster search at any size (other keys for
 * the same stream, so only for key sets that never had the other kind).
 */
export function generateRsaKey(
  rng: Rng,
  bits = 2048,
  e = 65537n,
  search: PrimeSearch = bits >= 4096 ? 'sieved' : 'random',
): RsaPrivateKey {
  const half = bits / 2;
  const prime = search === 'sieved' ? sievedPrime : randomPrime;
  for (;;) {
    const p = prime(rng, half, (c) => gcd(c - 1n, e) === 1n);
    const q = prime(rng, bits - half, (c) => gcd(c - 1n, e) === 1n);
    if (p === q) continue;
    const n = p * q;
    if (n.toString(2).length !== bits) continue;
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
    const d = modInverse(e, lambda);
    return { n, e, d, p, q };
  }
}

function b64u(v: bigint): string {
  return Buffer.from(bigIntToBytes(v, byteLength(v))).toString('base64url');
}

const privateObjects = new WeakMap<RsaPrivateKey, KeyObject>();
const publicObjects = new WeakMap<RsaPublicKey, KeyObject>();

/** Bridges to `node:crypto` for PSS signatures, X.509 and PEM output (cached per key object). */
export function rsaPrivateKeyObject(k: RsaPrivateKey): KeyObject {
  let o = privateObjects.get(k);
  if (!o) {
    o = createPrivateKey({
      format: 'jwk',
      key: {
        kty: 'RSA',
        n: b64u(k.n),
        e: b64u(k.e),
        d: b64u(k.d),
        p: b64u(k.p),
        q: b64u(k.q),
        dp: b64u(k.d % (k.p - 1n)),
        dq: b64u(k.d % (k.q - 1n)),
        qi: b64u(modInverse(k.q, k.p)),
      },
    });
    privateObjects.set(k, o);
  }
  return o;
}

export function rsaPublicKeyObject(k: RsaPublicKey): KeyObject {
  let o = publicObjects.get(k);
  if (!o) {
    o = createPublicKey({ format: 'jwk', key: { kty: 'RSA', n: b64u(k.n), e: b64u(k.e) } });
    publicObjects.set(k, o);
  }
  return o;
}
