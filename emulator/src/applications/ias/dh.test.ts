import { describe, expect, it } from 'vitest';
import { bigIntToBytes, bytesToBigInt } from '../../bytes/bytes.ts';
import { toHex } from '../../bytes/hex.ts';
import { seededRng } from '../../crypto/rng.ts';
import { modPow } from '../../crypto/rsa.ts';
import { RFC5114_2048_256 as G } from '../../personalise/ias/dh-group.ts';
import {
  deriveSessionKeys,
  dhKeyPair,
  DhError,
  dhSharedSecret,
  isValidPublicKey,
  leftPad,
  randomExponent,
} from './dh.ts';

const p = bytesToBigInt(G.p);

describe('IAS Diffie–Hellman (README.md §4.1, §2.4)', () => {
  it('public keys and shared secrets equal the BigInt computation, at exactly |p| bytes', () => {
    const rng = seededRng('dh');
    for (let i = 0; i < 4; i++) {
      const a = randomExponent(G, rng);
      const b = randomExponent(G, rng);
      const A = dhKeyPair(G, a);
      const B = dhKeyPair(G, b);
      expect(A.publicKey).toHaveLength(256);
      expect(bytesToBigInt(A.publicKey)).toBe(modPow(bytesToBigInt(G.g), bytesToBigInt(a), p));
      const k = dhSharedSecret(G, a, B.publicKey);
      expect(k).toHaveLength(256);
      expect(toHex(k)).toBe(toHex(dhSharedSecret(G, b, A.publicKey)));
      expect(bytesToBigInt(k)).toBe(modPow(bytesToBigInt(B.publicKey), bytesToBigInt(a), p));
    }
  });

  it('a public key with a leading zero byte stays |p| bytes (iOS needs it, §2.4) and a 255-byte form is accepted', () => {
    const rng = seededRng('leading-zero');
    let pair = dhKeyPair(G, randomExponent(G, rng));
    while (pair.publicKey[0] !== 0) pair = dhKeyPair(G, randomExponent(G, rng));
    expect(pair.publicKey).toHaveLength(256);
    const other = dhKeyPair(G, randomExponent(G, rng));
    expect(toHex(dhSharedSecret(G, other.privateExponent, pair.publicKey.subarray(1)))).toBe(
      toHex(dhSharedSecret(G, other.privateExponent, pair.publicKey)),
    );
  });

  it('degenerate public keys (0, 1, p−1, ≥ p, longer than |p|) are refused', () => {
    const x = randomExponent(G, seededRng('x'));
    for (const bad of [
      Uint8Array.of(0),
      Uint8Array.of(1),
      bigIntToBytes(p - 1n, 256),
      G.p,
      new Uint8Array(257).fill(1),
    ]) {
      expect(isValidPublicKey(G, bad)).toBe(false);
      expect(() => dhSharedSecret(G, x, bad)).toThrow(DhError);
    }
  });

  it('leftPad keeps values, pads short ones, strips extra leading zeros and refuses overflow', () => {
    expect(toHex(leftPad(Uint8Array.of(1, 2), 4))).toBe('00000102');
    expect(toHex(leftPad(Uint8Array.of(0, 0, 1, 2), 3))).toBe('000102');
    expect(() => leftPad(Uint8Array.of(1, 2, 3), 2)).toThrow(DhError);
  });

  it('session keys are 16 bytes each and differ (KDF counters 1 and 2)', () => {
    const k = deriveSessionKeys(new Uint8Array(256).fill(0x22));
    expect(k.kEnc).toHaveLength(16);
    expect(k.kMac).toHaveLength(16);
    expect(toHex(k.kEnc)).not.toBe(toHex(k.kMac));
  });
});
