/**
 * ISO/IEC 9797-1 MAC algorithm 3 ("retail MAC") with DES, as used by ICAO 9303-11 §9.8.3.2 and
 * the CIE IAS secure messaging (ias/README.md §4.2 step 5):
 *
 * ```
 * H1 = E_K1(D1),  Hi = E_K1(Di ⊕ Hi-1)      single-DES CBC over all blocks, IV = 0
 * MAC = E_K1(D_K2(Hq))                        output transformation 3
 * ```
 * The input must already be padded (method 2 in both uses); the 8-byte MAC is returned whole.
 */
import { DES_BLOCK, tdesCbcEncrypt, tdesEcbDecrypt, tdesEcbEncrypt } from './des.ts';

export function retailMac(key: Uint8Array, paddedData: Uint8Array): Uint8Array {
  if (key.length !== 16) throw new RangeError(`retail MAC key must be 16 bytes, got ${key.length}`);
  if (paddedData.length === 0 || paddedData.length % DES_BLOCK !== 0) {
    throw new RangeError(
      `retail MAC input length ${paddedData.length} is not a positive multiple of 8`,
    );
  }
  const k1 = key.subarray(0, 8);
  const k2 = key.subarray(8, 16);
  const chain = tdesCbcEncrypt(k1, paddedData);
  const last = chain.subarray(chain.length - 8);
  return tdesEcbEncrypt(k1, tdesEcbDecrypt(k2, last));
}
