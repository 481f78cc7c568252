/**
 * AES secure messaging: AES-CBC with IV = AES-ECB(K_enc, SSC), AES-CMAC truncated to 8 bytes,
 * 16-byte SSC. ICAO 9303-11 §9.8.6.2 (the MAC input is padded explicitly before CMAC; the two
 * third-party known answers of emrtd/README.md §3.5 confirm it).
 */
import { aesCbcDecrypt, aesCbcEncrypt, aesCmac, aesEcbEncrypt } from '../../crypto/aes.ts';
import type { SmCipherSuite } from '../cipher-suite.ts';

export const aesSuite: SmCipherSuite = {
  name: 'aes',
  blockSize: 16,
  sscLength: 16,
  encrypt: (kEnc, ssc, padded) => aesCbcEncrypt(kEnc, aesEcbEncrypt(kEnc, ssc), padded),
  decrypt: (kEnc, ssc, cryptogram) => aesCbcDecrypt(kEnc, aesEcbEncrypt(kEnc, ssc), cryptogram),
  mac: (kMac, padded) => aesCmac(kMac, padded).subarray(0, 8),
};
