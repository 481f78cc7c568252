/** Hash functions over `@noble/hashes`, addressed by name so profiles can choose them as data. */
import { sha1 } from '@noble/hashes/legacy.js';
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';

export const HASH_NAMES = ['sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export type HashName = (typeof HASH_NAMES)[number];

const FUNCS: Record<HashName, (data: Uint8Array) => Uint8Array> = {
  sha1,
  sha224,
  sha256,
  sha384,
  sha512,
};
const LENGTHS: Record<HashName, number> = {
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
};

export function hash(name: HashName, data: Uint8Array): Uint8Array {
  return FUNCS[name](data);
}

export function hashLength(name: HashName): number {
  return LENGTHS[name];
}

export { sha1, sha224, sha256, sha384, sha512 };
