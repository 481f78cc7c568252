import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../bytes/hex.ts';
import { des3Suite } from '../../sm/suites/des3.ts';
import { fastDes3Suite } from './fast-des3-suite.ts';

const ssc = new Uint8Array(8);

describe('fastDes3Suite ≡ des3Suite (same bytes for every key and message)', () => {
  it('encrypt, decrypt and MAC agree on random inputs, interleaved on the same keys', () => {
    const key = fc.uint8Array({ minLength: 16, maxLength: 16 });
    const blocks = fc.integer({ min: 1, max: 40 }).chain((n) => fc.uint8Array({ minLength: 8 * n, maxLength: 8 * n }));
    fc.assert(
      fc.property(key, fc.array(blocks, { minLength: 1, maxLength: 6 }), (k, messages) => {
        for (const m of messages) {
          const c = des3Suite.encrypt(k, ssc, m);
          expect(toHex(fastDes3Suite.encrypt(k, ssc, m))).toBe(toHex(c));
          expect(toHex(fastDes3Suite.decrypt(k, ssc, c))).toBe(toHex(m));
          expect(toHex(fastDes3Suite.mac(k, m))).toBe(toHex(des3Suite.mac(k, m)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('refuses partial blocks and wrong key sizes', () => {
    expect(() => fastDes3Suite.encrypt(new Uint8Array(16), ssc, new Uint8Array(7))).toThrow(RangeError);
    expect(() => fastDes3Suite.mac(new Uint8Array(8), new Uint8Array(8))).toThrow(RangeError);
  });
});
