/**
 * Key derivation and the symmetric primitives that depend on the negotiated cipher
 * (ICAO Doc 9303-11, 8th ed. 2021, §9.7.1 "Key Derivation Function"; emrtd/README.md §2.2, §2.5).
 *
 * ```
 * KDF(K, c) = H(K ‖ c as 32-bit big-endian)
 *   3DES      H = SHA-1,   bytes 0..15, odd parity per byte (K1 = 0..7, K2 = 8..15, K3 = K1)
 *   AES-128   H = SHA-1,   bytes 0..15
 *   AES-192   H = SHA-256, bytes 0..23
 *   AES-256   H = SHA-256, bytes 0..31
 * c = 1 K_enc, 2 K_mac, 3 K_π (PACE password key)
 * ```
 * The SM cipher suite follows the cipher: 3DES → retail-MAC suite (8-byte SSC), AES → CMAC suite
 * (16-byte SSC). Authentication tokens (9303-11 §4.4.3.4): 3DES = retail MAC over the ISO-padded
 * input, AES = first 8 bytes of CMAC over the unpadded input.
 */
import { concatBytes } from '../bytes/bytes.ts';
import { padIso9797M2 } from '../bytes/padding.ts';
import { aesCbcDecrypt, aesCbcEncrypt, aesCmac } from '../crypto/aes.ts';
import { adjustDesParity, tdesCbcDecrypt, tdesCbcEncrypt } from '../crypto/des.ts';
import { sha1, sha256 } from '../crypto/hash.ts';
import { retailMac } from '../crypto/retail-mac.ts';
import type { SmCipherSuite } from '../sm/cipher-suite.ts';
import { smSession, type SmSession } from '../sm/sm-session.ts';
import { aesSuite } from '../sm/suites/aes.ts';
import { des3Suite } from '../sm/suites/des3.ts';
import type { SymmetricCipher } from './oids.ts';

export const KDF_ENC = 1;
export const KDF_MAC = 2;
export const KDF_PI = 3;
export type KdfCounter = typeof KDF_ENC | typeof KDF_MAC | typeof KDF_PI;

interface CipherRow {
  readonly hash: (data: Uint8Array) => Uint8Array;
  readonly keyLength: number;
  readonly parity: boolean;
  readonly blockSize: number;
  readonly suite: SmCipherSuite;
}

const CIPHERS: Readonly<Record<SymmetricCipher, CipherRow>> = {
  '3DES': { hash: sha1, keyLength: 16, parity: true, blockSize: 8, suite: des3Suite },
  'AES-128': { hash: sha1, keyLength: 16, parity: false, blockSize: 16, suite: aesSuite },
  'AES-192': { hash: sha256, keyLength: 24, parity: false, blockSize: 16, suite: aesSuite },
  'AES-256': { hash: sha256, keyLength: 32, parity: false, blockSize: 16, suite: aesSuite },
};

export function cipherBlockSize(cipher: SymmetricCipher): number {
  return CIPHERS[cipher].blockSize;
}

export function cipherKeyLength(cipher: SymmetricCipher): number {
  return CIPHERS[cipher].keyLength;
}

/** ICAO 9303-11 §9.7.1. */
export function kdf(secret: Uint8Array, counter: KdfCounter, cipher: SymmetricCipher): Uint8Array {
  const row = CIPHERS[cipher];
  const digest = row.hash(concatBytes(secret, Uint8Array.of(0, 0, 0, counter)));
  const key = digest.slice(0, row.keyLength);
  return row.parity ? adjustDesParity(key) : key;
}

/** A fresh SM session with K_enc = KDF(K,1), K_mac = KDF(K,2) (after PACE or Chip Authentication). */
export function sessionFromSecret(
  secret: Uint8Array,
  cipher: SymmetricCipher,
  ssc: bigint = 0n,
): SmSession {
  return smSession(
    CIPHERS[cipher].suite,
    kdf(secret, KDF_ENC, cipher),
    kdf(secret, KDF_MAC, cipher),
    ssc,
  );
}

export function sessionFromKeys(
  kEnc: Uint8Array,
  kMac: Uint8Array,
  cipher: SymmetricCipher,
  ssc: bigint | Uint8Array = 0n,
): SmSession {
  return smSession(CIPHERS[cipher].suite, kEnc, kMac, ssc);
}

/** E(K, data) in CBC mode with a zero IV (PACE nonce encryption, 9303-11 §4.4.3.3). */
export function encryptBlocks(
  cipher: SymmetricCipher,
  key: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  return cipher === '3DES'
    ? tdesCbcEncrypt(key, data)
    : aesCbcEncrypt(key, new Uint8Array(16), data);
}

export function decryptBlocks(
  cipher: SymmetricCipher,
  key: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  return cipher === '3DES'
    ? tdesCbcDecrypt(key, data)
    : aesCbcDecrypt(key, new Uint8Array(16), data);
}

/** 8-byte MAC for PACE authentication tokens (9303-11 §4.4.3.4 / §9.7.4). */
export function tokenMac(cipher: SymmetricCipher, kMac: Uint8Array, input: Uint8Array): Uint8Array {
  if (cipher === '3DES') return retailMac(kMac, padIso9797M2(input, 8));
  return aesCmac(kMac, input).slice(0, 8);
}
