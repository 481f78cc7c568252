/** Retail MAC, 3DES-CBC and DES parity against ICAO 9303-11 Appendix D.2–D.3 (README.md in this folder). */
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { padIso9797M2 } from '../../../emulator/src/bytes/padding.ts';
import {
  adjustDesParity,
  tdesCbcDecrypt,
  tdesCbcEncrypt,
} from '../../../emulator/src/crypto/des.ts';
import { sha1 } from '../../../emulator/src/crypto/hash.ts';
import { retailMac } from '../../../emulator/src/crypto/retail-mac.ts';
import v from './bac-d3.json' with { type: 'json' };

function kdf(seed: Uint8Array, counter: number): Uint8Array {
  return adjustDesParity(sha1(concatBytes(seed, Uint8Array.of(0, 0, 0, counter))).subarray(0, 16));
}

describe('ICAO 9303-11 Appendix D.2-D.3 as retail-MAC and 3DES known answers', () => {
  it('D.2: Kenc and Kmac = SHA-1(Kseed ‖ c) with DES parity adjusted', () => {
    expect(toHex(kdf(fromHex(v.kSeed), 1))).toBe(v.kEnc);
    expect(toHex(kdf(fromHex(v.kSeed), 2))).toBe(v.kMac);
  });

  it('D.3: E.IFD = 3DES-CBC(Kenc, RND.IFD ‖ RND.IC ‖ K.IFD), M.IFD = retail MAC(Kmac, pad(E.IFD))', () => {
    const s = concatBytes(fromHex(v.rndIfd), fromHex(v.rndIc), fromHex(v.kIfd));
    const e = tdesCbcEncrypt(fromHex(v.kEnc), s);
    expect(toHex(e)).toBe(v.eIfd);
    expect(toHex(retailMac(fromHex(v.kMac), padIso9797M2(e, 8)))).toBe(v.mIfd);
  });

  it('D.3: the chip answer E.IC decrypts to RND.IC ‖ RND.IFD ‖ K.IC and carries M.IC', () => {
    const r = tdesCbcDecrypt(fromHex(v.kEnc), fromHex(v.eIc));
    expect(toHex(r)).toBe(v.rndIc + v.rndIfd + v.kIc);
    expect(toHex(retailMac(fromHex(v.kMac), padIso9797M2(fromHex(v.eIc), 8)))).toBe(v.mIc);
  });

  it('retail MAC differs from a plain 3DES-CBC-MAC (the output transformation is applied)', () => {
    const data = padIso9797M2(fromHex(v.eIfd), 8);
    const cbcMac = tdesCbcEncrypt(fromHex(v.kMac), data).subarray(-8);
    expect(toHex(cbcMac)).not.toBe(v.mIfd);
  });
});
