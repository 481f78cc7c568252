/**
 * Two-key 3DES secure messaging: 3DES-CBC with a zero IV, retail MAC, 8-byte SSC.
 * ICAO 9303-11 §9.8.6.1; CIE IAS SM (cie-ias.md §4.2: K1 = bytes 0–7, K2 = 8–15, K3 = K1).
 */
import { tdesCbcDecrypt, tdesCbcEncrypt } from '../../crypto/des.ts';
import { retailMac } from '../../crypto/retail-mac.ts';
import type { SmCipherSuite } from '../cipher-suite.ts';

export const des3Suite: SmCipherSuite = {
  name: '3des',
  blockSize: 8,
  sscLength: 8,
  encrypt: (kEnc, _ssc, padded) => tdesCbcEncrypt(kEnc, padded),
  decrypt: (kEnc, _ssc, cryptogram) => tdesCbcDecrypt(kEnc, cryptogram),
  mac: (kMac, padded) => retailMac(kMac, padded),
};
