/**
 * DES family through `node:crypto` (noble has no DES). Two-key 3DES uses
 * OpenSSL's `des-ede` (K1, K2, K1); single DES is `des-ede` with K1 = K2, which OpenSSL 3 still
 * provides in its default provider (plain `des-cbc` moved to the legacy provider).
 *
 * All functions work on whole blocks: callers pad first (ISO/IEC 9797-1 method 2).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { concatBytes } from '../bytes/bytes.ts';

export const DES_BLOCK = 8;
const ZERO_IV = new Uint8Array(8);

function checkBlocks(data: Uint8Array, what: string): void {
  if (data.length % DES_BLOCK !== 0)
    throw new RangeError(`${what}: length ${data.length} is not a multiple of 8`);
}

function tdesKey(key: Uint8Array): { algo: string; key: Uint8Array } {
  if (key.length === 16) return { algo: 'des-ede', key };
  if (key.length === 24) return { algo: 'des-ede3', key };
  if (key.length === 8) return { algo: 'des-ede', key: concatBytes(key, key) };
  throw new RangeError(`3DES key must be 8, 16 or 24 bytes, got ${key.length}`);
}

function run(
  decrypt: boolean,
  mode: 'cbc' | 'ecb',
  key: Uint8Array,
  iv: Uint8Array | null,
  data: Uint8Array,
): Uint8Array {
  const k = tdesKey(key);
  const name =
    mode === 'cbc' ? `${k.algo}-cbc` : k.algo === 'des-ede' ? 'des-ede-ecb' : 'des-ede3-ecb';
  const c = decrypt ? createDecipheriv(name, k.key, iv) : createCipheriv(name, k.key, iv);
  c.setAutoPadding(false);
  const out = c.update(data);
  const fin = c.final();
  return fin.length === 0
    ? new Uint8Array(out.buffer, out.byteOffset, out.length)
    : concatBytes(out, fin);
}

/** 3DES-CBC encryption (16-byte key = two-key 3DES, 8-byte key = single DES). */
export function tdesCbcEncrypt(
  key: Uint8Array,
  data: Uint8Array,
  iv: Uint8Array = ZERO_IV,
): Uint8Array {
  checkBlocks(data, 'tdesCbcEncrypt');
  return run(false, 'cbc', key, iv, data);
}

export function tdesCbcDecrypt(
  key: Uint8Array,
  data: Uint8Array,
  iv: Uint8Array = ZERO_IV,
): Uint8Array {
  checkBlocks(data, 'tdesCbcDecrypt');
  return run(true, 'cbc', key, iv, data);
}

export function tdesEcbEncrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  checkBlocks(data, 'tdesEcbEncrypt');
  return run(false, 'ecb', key, null, data);
}

export function tdesEcbDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  checkBlocks(data, 'tdesEcbDecrypt');
  return run(true, 'ecb', key, null, data);
}

/** Sets the least significant bit of every byte so that each byte has odd parity (FIPS 46-3 §3). */
export function adjustDesParity(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) {
    const b = (key[i] as number) & 0xfe;
    let ones = 0;
    for (let v = b; v; v >>= 1) ones += v & 1;
    out[i] = b | (ones % 2 === 0 ? 1 : 0);
  }
  return out;
}
