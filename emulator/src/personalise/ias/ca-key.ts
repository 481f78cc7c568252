/**
 * The DAPP "CA" key pair of the emulated card (ias/README.md §2.3 and the §2.4 recipe): every client signs the terminal certificate with the private exponent
 * d hard-coded in its source, modulo the CA modulus the card returns, and the card verifies with
 * the public exponent it returns. So the card's key pair must have that d:
 *
 * ```
 * P, Q random 1024-bit primes, N = P·Q of exactly 2048 bits (then N > d)
 * retry until gcd(d, λ(N)) = 1, λ(N) = lcm(P−1, Q−1);  e = d⁻¹ mod λ(N)   (e ≈ 2046 bits)
 * ```
 */
import {
  gcd,
  modInverse,
  randomPrime,
  sievedPrime,
  type PrimeSearch,
  type RsaPrivateKey,
} from '../../crypto/rsa.ts';
import type { Rng } from '../../crypto/rng.ts';
import { DAPP_CA_PRIVATE_EXPONENT } from '../../applications/ias/interop.ts';

export function generateDappCaKey(
  rng: Rng,
  d: bigint = DAPP_CA_PRIVATE_EXPONENT,
  search: PrimeSearch = 'random',
): RsaPrivateKey {
  const prime = search === 'sieved' ? sievedPrime : randomPrime;
  for (;;) {
    const p = prime(rng, 1024);
    const q = prime(rng, 1024);
    if (p === q) continue;
    const n = p * q;
    if (n.toString(2).length !== 2048 || n <= d) continue;
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
    if (gcd(d, lambda) !== 1n) continue;
    return { n, e: modInverse(d, lambda), d, p, q };
  }
}
