/**
 * What distinguishes one secure-messaging cipher suite from another (DESIGN.md §2, the JMRTD
 * template methods as a strategy object). The DO layout lives in `sm-codec.ts` and never here.
 */

export interface SmCipherSuite {
  readonly name: '3des' | 'aes';
  /** Cipher block size; also the padding block for data and MAC input. */
  readonly blockSize: number;
  /** Length of the encoded send sequence counter. */
  readonly sscLength: number;
  /** Encrypts already-padded data for the message whose counter is `ssc`. */
  encrypt(kEnc: Uint8Array, ssc: Uint8Array, padded: Uint8Array): Uint8Array;
  decrypt(kEnc: Uint8Array, ssc: Uint8Array, cryptogram: Uint8Array): Uint8Array;
  /** 8-byte MAC over an already-padded input. */
  mac(kMac: Uint8Array, padded: Uint8Array): Uint8Array;
}
