/**
 * The card's remembered CA operation on terminal-certificate signatures gives the bytes of the raw
 * RSA public operation, first time and every time after, for a CA key with a modulus-sized public
 * exponent (as the IAS CA key has) and a small one, on seeded signatures; a caller changing the
 * returned bytes does not change what the next call gets.
 */
import { describe, expect, it } from 'vitest';
import { bytesToBigInt } from '../../bytes/bytes.ts';
import { seededRng } from '../../crypto/rng.ts';
import { generateRsaKey, rsaPublicRaw, type RsaPublicKey } from '../../crypto/rsa.ts';
import { caPublicRaw } from './authentication.ts';

const key = generateRsaKey(seededRng('authentication-test|ca'), 1024);
const keys: readonly RsaPublicKey[] = [
  { n: key.n, e: key.d },
  { n: key.n, e: key.e },
];

function signatures(k: RsaPublicKey): Uint8Array[] {
  const rng = seededRng(`authentication-test|sig|${k.e}`);
  const out: Uint8Array[] = [];
  while (out.length < 6) {
    const s = rng.bytes(128);
    if (bytesToBigInt(s) < k.n) out.push(s);
  }
  return out;
}

describe('caPublicRaw', () => {
  it('equals rsaPublicRaw, on first and repeated calls', () => {
    for (const k of keys)
      for (const s of signatures(k)) {
        const want = rsaPublicRaw(k, s);
        expect(caPublicRaw(k, s)).toEqual(want);
        const again = caPublicRaw(k, s);
        expect(again).toEqual(want);
        again.fill(0);
        expect(caPublicRaw(k, s)).toEqual(want);
      }
  });
});
