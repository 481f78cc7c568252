/**
 * AES adapters over `@noble/ciphers` for the AES secure-messaging suite (ICAO 9303-11 §9.8.6.2)
 * and PACE. Inputs are whole blocks: callers pad first.
 */
import { cbc, cmac, ecb } from '@noble/ciphers/aes.js';

export const AES_BLOCK = 16;

function checkKey(key: Uint8Array): void {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new RangeError(`AES key must be 16, 24 or 32 bytes, got ${key.length}`);
  }
}

export function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey(key);
  return cbc(key, iv, { disablePadding: true }).encrypt(data);
}

export function aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey(key);
  return cbc(key, iv, { disablePadding: true }).decrypt(data);
}

export function aesEcbEncrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey(key);
  return ecb(key, { disablePadding: true }).encrypt(data);
}

export function aesEcbDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey(key);
  return ecb(key, { disablePadding: true }).decrypt(data);
}

/** AES-CMAC (NIST SP 800-38B / RFC 4493), full 16-byte tag. */
export function aesCmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey(key);
  return cmac(data, key);
}
