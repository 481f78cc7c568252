/** The 3DES suite computes exactly the reference 3DES-CBC and retail MAC (crypto/des.ts, crypto/retail-mac.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../bytes/hex.ts';
import { tdesCbcDecrypt, tdesCbcEncrypt } from '../../crypto/des.ts';
import { retailMac } from '../../crypto/retail-mac.ts';
import { des3Suite } from './des3.ts';

const ssc = new Uint8Array(8);

describe('des3Suite ≡ reference 3DES-CBC and ISO/IEC 9797-1 MAC algorithm 3', () => {
  it('encrypt, decrypt and MAC agree on random inputs, interleaved on the same keys', () => {
    const key = fc.uint8Array({ minLength: 16, maxLength: 16 });
    const blocks = fc
      .integer({ min: 1, max: 40 })
      .chain((n) => fc.uint8Array({ minLength: 8 * n, maxLength: 8 * n }));
    fc.assert(
      fc.property(key, fc.array(blocks, { minLength: 1, maxLength: 6 }), (k, messages) => {
        for (const m of messages) {
          const c = tdesCbcEncrypt(k, m);
          expect(toHex(des3Suite.encrypt(k, ssc, m))).toBe(toHex(c));
          expect(toHex(des3Suite.decrypt(k, ssc, c))).toBe(toHex(m));
          expect(toHex(des3Suite.mac(k, m))).toBe(toHex(retailMac(k, m)));
        }
        return toHex(tdesCbcDecrypt(k, tdesCbcEncrypt(k, messages[0]!))) === toHex(messages[0]!);
      }),
      { numRuns: 200 },
    );
  });

  it('follows a key array whose bytes change (a wiped or reused buffer)', () => {
    const k = new Uint8Array(16).fill(7);
    const m = new Uint8Array(16).fill(1);
    des3Suite.encrypt(k, ssc, m);
    k.fill(9);
    expect(toHex(des3Suite.encrypt(k, ssc, m))).toBe(toHex(tdesCbcEncrypt(k, m)));
    expect(toHex(des3Suite.mac(k, m))).toBe(toHex(retailMac(k, m)));
  });

  it('refuses partial blocks and wrong key sizes', () => {
    expect(() => des3Suite.encrypt(new Uint8Array(16), ssc, new Uint8Array(7))).toThrow(RangeError);
    expect(() => des3Suite.mac(new Uint8Array(8), new Uint8Array(8))).toThrow(RangeError);
  });
});
