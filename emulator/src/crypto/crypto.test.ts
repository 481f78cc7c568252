import { createVerify, constants, createSign, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToBigInt } from '../bytes/bytes.ts';
import { fromHex, toHex } from '../bytes/hex.ts';
import { ManualClock } from './clock.ts';
import { adjustDesParity, tdesCbcEncrypt, tdesEcbEncrypt } from './des.ts';
import { hash, hashLength, HASH_NAMES } from './hash.ts';
import { randomBelow, seededRng } from './rng.ts';
import {
  generateRsaKey,
  isProbablePrime,
  modInverse,
  modPow,
  pkcs1Type1Pad,
  pkcs1Type1Unpad,
  rsaPkcs1Type1Recover,
  rsaPkcs1Type1Sign,
  rsaPrivateKeyObject,
  rsaPublicKeyObject,
} from './rsa.ts';

describe('seeded RNG (DESIGN.md rule 10)', () => {
  it('is deterministic per seed and differs between seeds', () => {
    expect(toHex(seededRng('a').bytes(32))).toBe(toHex(seededRng('a').bytes(32)));
    expect(toHex(seededRng('a').bytes(32))).not.toBe(toHex(seededRng('b').bytes(32)));
  });
  it('serves requests above the DRBG limit and bounded integers', () => {
    expect(seededRng('x').bytes(70_000)).toHaveLength(70_000);
    const r = seededRng('bound');
    for (let i = 0; i < 200; i++) expect(randomBelow(r, 7n) < 7n).toBe(true);
  });
});

describe('manual clock', () => {
  it('moves only when told to', () => {
    const c = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    c.advance(1500);
    expect(c.nowMicros()).toBe(1500);
    expect(c.now().toISOString()).toBe('2026-01-01T00:00:00.001Z');
  });
});

describe('DES adapters', () => {
  it('single DES through des-ede with K1 = K2 (FIPS 81 Appendix B example: "Now is t" under 0123456789ABCDEF)', () => {
    expect(toHex(tdesEcbEncrypt(fromHex('0123456789ABCDEF'), fromHex('4E6F772069732074')))).toBe(
      '3FA40E8A984D4815',
    );
  });
  it('refuses partial blocks and bad key sizes', () => {
    expect(() => tdesCbcEncrypt(new Uint8Array(16), new Uint8Array(7))).toThrow(RangeError);
    expect(() => tdesCbcEncrypt(new Uint8Array(15), new Uint8Array(8))).toThrow(RangeError);
  });
  it('parity adjustment makes every byte odd and keeps the 7 key bits', () => {
    const k = adjustDesParity(fromHex('000102FE'));
    expect(toHex(k)).toBe('010102FE');
    for (const b of adjustDesParity(seededRng('p').bytes(64))) {
      let ones = 0;
      for (let v = b; v; v >>= 1) ones += v & 1;
      expect(ones % 2).toBe(1);
    }
  });
});

describe('hashes', () => {
  it('names map to functions of the right length (SHA-256("abc") from FIPS 180-4 examples)', () => {
    expect(toHex(hash('sha256', new TextEncoder().encode('abc')))).toBe(
      'BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD',
    );
    for (const n of HASH_NAMES) expect(hash(n, new Uint8Array(3))).toHaveLength(hashLength(n));
  });
});

describe('RSA primitives', () => {
  const key = generateRsaKey(seededRng('rsa-test'), 1024);
  it('key generation is deterministic for a seed and yields a consistent key', () => {
    const again = generateRsaKey(seededRng('rsa-test'), 1024);
    expect(again.n).toBe(key.n);
    expect(key.n).toBe(key.p * key.q);
    expect(key.n.toString(2)).toHaveLength(1024);
    expect(modPow(modPow(12345n, key.e, key.n), key.d, key.n)).toBe(12345n);
    expect(isProbablePrime(key.p, seededRng('mr'))).toBe(true);
    expect(isProbablePrime(key.p * 3n, seededRng('mr'))).toBe(false);
  });
  it('modular inverse', () => {
    expect((modInverse(17n, 3120n) * 17n) % 3120n).toBe(1n);
    expect(() => modInverse(6n, 9n)).toThrow(RangeError);
  });
  it('PKCS#1 v1.5 type 1 padding (RFC 8017 §9.2) round-trips and rejects malformed blocks', () => {
    const em = pkcs1Type1Pad(fromHex('CAFE'), 32);
    expect(toHex(em)).toBe(`0001${'FF'.repeat(27)}00CAFE`);
    expect(toHex(pkcs1Type1Unpad(em)!)).toBe('CAFE');
    expect(pkcs1Type1Unpad(fromHex(`0002${'FF'.repeat(27)}00CAFE`))).toBeUndefined();
    expect(() => pkcs1Type1Pad(new Uint8Array(22), 32)).toThrow(RangeError);
  });
  it('the card-style signature over a DigestInfo verifies with node:crypto as RSASSA-PKCS1-v1_5', () => {
    const message = new TextEncoder().encode('CIE Bench');
    const digestInfo = fromHex(
      `3031300D060960864801650304020105000420${toHex(hash('sha256', message))}`,
    );
    const sig = rsaPkcs1Type1Sign(key, digestInfo);
    expect(nodeVerify('sha256', message, rsaPublicKeyObject(key), sig)).toBe(true);
    expect(toHex(rsaPkcs1Type1Recover(key, sig)!)).toBe(toHex(digestInfo));
  });
  it('the KeyObject bridge signs PSS signatures that node:crypto verifies', () => {
    const s = createSign('sha256')
      .update('x')
      .sign({ key: rsaPrivateKeyObject(key), padding: constants.RSA_PKCS1_PSS_PADDING });
    expect(
      createVerify('sha256')
        .update('x')
        .verify({ key: rsaPublicKeyObject(key), padding: constants.RSA_PKCS1_PSS_PADDING }, s),
    ).toBe(true);
    expect(bytesToBigInt(s) < key.n).toBe(true);
  });
});
