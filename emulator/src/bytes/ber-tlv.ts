/**
 * BER-TLV as used by ISO/IEC 7816-4 §5.2 (tags of one to three bytes here, e.g. `5F1F`, `7F49`,
 * `BFA101`) with the length forms of ISO/IEC 7816-4 §5.2.2.2 / ITU-T X.690 §8.1.3: short form
 * `00`–`7F` and long forms `81 xx`, `82 xx xx`, `83 xx xx xx`. The indefinite form `80` is not
 * allowed in ISO 7816 data objects and is rejected.
 *
 * Tags are numbers formed from their bytes in big-endian order (`BF A1 01` → 0xBFA101).
 */
import { HostError } from '../host-error.ts';
import { concatBytes } from './bytes.ts';
import { ByteReader, ByteUnderflowError } from './byte-reader.ts';
import { toHex } from './hex.ts';

export class TlvFormatError extends HostError {
  readonly code = 'TLV_FORMAT';
}

export interface Tlv {
  readonly tag: number;
  /** Bit 6 of the first tag byte (X.690 §8.1.2.5). */
  readonly constructed: boolean;
  readonly value: Uint8Array;
  /** The whole encoding of this data object (tag ‖ length ‖ value), as received. */
  readonly raw: Uint8Array;
  /** Present for constructed objects parsed by {@link parseTlvTree}. */
  readonly children?: readonly Tlv[];
}

const MAX_TAG_BYTES = 3;
const MAX_LENGTH_BYTES = 3;

function readTag(r: ByteReader): number {
  const first = r.u8('tag');
  if (first === 0x00 || first === 0xff)
    throw new TlvFormatError(`invalid tag byte ${toHex(Uint8Array.of(first))}`);
  let tag = first;
  if ((first & 0x1f) !== 0x1f) return tag;
  // n counts subsequent bytes: the whole tag is 1 + n bytes long.
  for (let n = 1; ; n++) {
    if (n >= MAX_TAG_BYTES) throw new TlvFormatError(`tag longer than ${MAX_TAG_BYTES} bytes`);
    const b = r.u8('tag');
    // X.690 §8.1.2.4.2 c): the first subsequent byte may not have bits 7..1 all zero.
    if (n === 1 && (b & 0x7f) === 0)
      throw new TlvFormatError('tag with leading zero subsequent byte');
    tag = tag * 256 + b;
    if ((b & 0x80) === 0) return tag;
  }
}

function readLength(r: ByteReader): number {
  const first = r.u8('length');
  if (first < 0x80) return first;
  if (first === 0x80)
    throw new TlvFormatError('indefinite length (80) is not allowed in ISO 7816 BER-TLV');
  const n = first & 0x7f;
  if (n > MAX_LENGTH_BYTES) throw new TlvFormatError(`length field of ${n} bytes is not supported`);
  return r.uint(n, 'length');
}

function readOne(r: ByteReader, source: Uint8Array, tree: boolean): Tlv {
  const start = r.offset;
  const tag = readTag(r);
  const length = readLength(r);
  if (length > r.remaining) {
    throw new TlvFormatError(
      `value of tag ${tagToHex(tag)} needs ${length} bytes, ${r.remaining} left`,
    );
  }
  const value = r.bytes(length);
  const raw = source.subarray(start, r.offset);
  const constructed = (firstTagByte(tag) & 0x20) !== 0;
  if (tree && constructed) return { tag, constructed, value, raw, children: parseTlvTree(value) };
  return { tag, constructed, value, raw };
}

function wrapErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ByteUnderflowError) throw new TlvFormatError(`truncated TLV: ${e.message}`);
    throw e;
  }
}

/** Parses a concatenation of data objects (one level). */
export function parseTlvs(bytes: Uint8Array): Tlv[] {
  return wrapErrors(() => {
    const r = new ByteReader(bytes);
    const out: Tlv[] = [];
    while (!r.atEnd) out.push(readOne(r, bytes, false));
    return out;
  });
}

/** Parses a concatenation of data objects, recursing into constructed ones. */
export function parseTlvTree(bytes: Uint8Array): Tlv[] {
  return wrapErrors(() => {
    const r = new ByteReader(bytes);
    const out: Tlv[] = [];
    while (!r.atEnd) out.push(readOne(r, bytes, true));
    return out;
  });
}

/** Parses exactly one data object that must span the whole input. */
export function parseSingleTlv(bytes: Uint8Array, tree = true): Tlv {
  const list = tree ? parseTlvTree(bytes) : parseTlvs(bytes);
  const first = list[0];
  if (list.length !== 1 || first === undefined) {
    throw new TlvFormatError(`expected one data object, found ${list.length}`);
  }
  return first;
}

export function firstTagByte(tag: number): number {
  let t = tag;
  while (t > 0xff) t = Math.floor(t / 256);
  return t;
}

export function encodeTag(tag: number): Uint8Array {
  if (!Number.isInteger(tag) || tag <= 0 || tag > 0xffffff)
    throw new RangeError(`tag out of range: ${tag}`);
  const bytes: number[] = [];
  for (let t = tag; t > 0; t = Math.floor(t / 256)) bytes.unshift(t & 0xff);
  return Uint8Array.from(bytes);
}

/** Minimal length encoding (X.690 §8.1.3 definite form). */
export function encodeLength(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0)
    throw new RangeError(`length out of range: ${length}`);
  if (length < 0x80) return Uint8Array.of(length);
  if (length <= 0xff) return Uint8Array.of(0x81, length);
  if (length <= 0xffff) return Uint8Array.of(0x82, length >> 8, length & 0xff);
  if (length <= 0xffffff)
    return Uint8Array.of(0x83, length >> 16, (length >> 8) & 0xff, length & 0xff);
  throw new RangeError(`length too large for BER-TLV: ${length}`);
}

/** tag ‖ length ‖ value, where value is the concatenation of `parts`. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const value = parts.length === 1 ? (parts[0] as Uint8Array) : concatBytes(...parts);
  return concatBytes(encodeTag(tag), encodeLength(value.length), value);
}

export function tagToHex(tag: number): string {
  return toHex(encodeTag(tag));
}

/** First child or top-level object with `tag`, or undefined. */
export function findTlv(list: readonly Tlv[] | undefined, tag: number): Tlv | undefined {
  return list?.find((t) => t.tag === tag);
}

/** Follows a path of tags through nested constructed objects (`[0x70, 0xBFA101, 0xA3, 0x97]`). */
export function findTlvPath(
  list: readonly Tlv[] | undefined,
  path: readonly number[],
): Tlv | undefined {
  let level = list;
  let found: Tlv | undefined;
  for (const tag of path) {
    found = findTlv(level, tag);
    if (found === undefined) return undefined;
    level = found.children;
  }
  return found;
}
