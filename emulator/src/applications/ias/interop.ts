/**
 * Values fixed in the public source of every official CIE client (README.md §2.3–2.4, §5.3):
 * italia/cie-middleware-linux `cie-pkcs11/CSP/ExtAuthKey.cpp` (`ExtAuth_PrivExp`), the same bytes
 * in pagopa/cie-sdk-android `constants.kt` (`caPrivExp`) and pagopa/cie-sdk-ios
 * (`DH_EXT_AUTH_PRIVATE_EXP`). A card the clients
 * accept is built around them: the clients self-issue the terminal certificate with this CA
 * private exponent, modulo the CA modulus the card returns in GET DATA `7F49`.
 */
import { bytesToBigInt } from '../../bytes/bytes.ts';
import { fromHex } from '../../bytes/hex.ts';

/** The DAPP "CA" private exponent d (2045 bits) hard-coded in every client. */
export const DAPP_CA_PRIVATE_EXPONENT = bytesToBigInt(
  fromHex(
    '186B31488C25DCF85D953D3630C0D073BA1C6AA24581AD254F3B6719C5D72CCA' +
      '3E5CDC5A1E5316578D75954FF73B237B532C9F8DE4A2C4C911385A23E63E33E4' +
      '7EE45E66EFD49B18E02CFF87598C39109E8F86A66BC330249CE3FCAD655DCDBF' +
      '98C9C5E479321AF53B517D041061880A647BBE0FF813683470E6C50094CE81D0' +
      '64E204E351BD3AE0A7947D8E91C3FD5C0A15233C349A5215A4E66E21C5D33498' +
      'E71991EA24473B29F1475F6FD9BE3996E19BD474FAD1B41EA0DCD2FC16C9BFFA' +
      '071BFEC1B22415184811C1985FBFE3E7B4F44A4B3C8DFAB4D90CECFC5E608D67' +
      '3E6762C62CB798341271149BA688162EC7D0E3468F65A94AB4AD1AB67E37BFC1',
  ),
);

/** §2.3: SN.IFD of the terminal identity every client uses. */
export const TERMINAL_SN_IFD = fromHex('20 00 00 00 00 00 00 01');
/** §2.3: CHR.IFD = 00 00 00 00 ‖ SN.IFD. */
export const TERMINAL_CHR = fromHex('00 00 00 00 20 00 00 00 00 00 00 01');
/** §2.3: role byte appended to the CA AID in CHA.IFD. */
export const TERMINAL_CHA_ROLE = 0x01;
/** §2.3: certificate OID 1.2.162.14890.2.4.1.4 (last arc 04 = SHA-256). */
export const TERMINAL_CERT_OID = fromHex('2A 81 22 F4 2A 02 04 01 04');
/** §2.3: certificate profile indicator. */
export const TERMINAL_CPI = 0x8a;
