/** AES-CBC (NIST SP 800-38A F.2.1) and AES-CMAC (NIST SP 800-38B D.1 / RFC 4493 §4). README.md in this folder. */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { aesCbcDecrypt, aesCbcEncrypt, aesCmac } from '../../../emulator/src/crypto/aes.ts';

const KEY = fromHex('2B7E151628AED2A6ABF7158809CF4F3C');
const MESSAGE = fromHex(
  '6BC1BEE22E409F96E93D7E117393172A AE2D8A571E03AC9C9EB76FAC45AF8E51 30C81C46A35CE411E5FBC1191A0A52EF F69F2445DF4F9B17AD2B417BE66C3710',
);

describe('NIST SP 800-38A Appendix F.2.1: CBC-AES128', () => {
  const iv = fromHex('000102030405060708090A0B0C0D0E0F');
  const expected = '7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B2';
  it('F.2.1: encrypts the first two blocks', () => {
    expect(toHex(aesCbcEncrypt(KEY, iv, MESSAGE.subarray(0, 32)))).toBe(expected);
  });
  it('F.2.2: decrypts them back', () => {
    expect(aesCbcDecrypt(KEY, iv, fromHex(expected))).toEqual(MESSAGE.subarray(0, 32));
  });
});

describe('NIST SP 800-38B Appendix D.1: AES-128 CMAC', () => {
  const cases: [string, number, string][] = [
    ['D.1 example 1 (empty message)', 0, 'BB1D6929E95937287FA37D129B756746'],
    ['D.1 example 2 (16 bytes)', 16, '070A16B46B4D4144F79BDD9DD04A287C'],
    ['D.1 example 3 (40 bytes)', 40, 'DFA66747DE9AE63030CA32611497C827'],
    ['D.1 example 4 (64 bytes)', 64, '51F0BEBF7E3B9D92FC49741779363CFE'],
  ];
  for (const [name, len, tag] of cases) {
    it(name, () => {
      expect(toHex(aesCmac(KEY, MESSAGE.subarray(0, len)))).toBe(tag);
    });
  }
});
