/**
 * The few DER (ITU-T X.690 §10) building blocks the ICAO security structures need: OBJECT
 * IDENTIFIER, INTEGER, SEQUENCE, SET OF (sorted, X.690 §11.6), OCTET STRING, BIT STRING. Built on
 * the foundation BER-TLV codec (every tag used here is a single byte), so no ASN.1 library enters
 * `emulator/src` (DESIGN.md §6).
 *
 * ```
 * 06 L arcs       OBJECT IDENTIFIER: first byte 40·a1 + a2, then base-128 arcs (X.690 §8.19)
 * 02 L v          INTEGER: minimal two's complement (X.690 §8.3)
 * 30 L …          SEQUENCE            31 L …  SET (OF): elements sorted by encoding
 * 04 L v          OCTET STRING        03 L u v  BIT STRING with u unused bits
 * ```
 */
import { HostError } from '../../host-error.ts';
import { bigIntToMinimalBytes, bytesToBigInt, concatBytes } from '../../bytes/bytes.ts';
import { parseSingleTlv, tlv, type Tlv, TlvFormatError } from '../../bytes/ber-tlv.ts';

export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_NULL = 0x05;
export const TAG_OID = 0x06;
export const TAG_UTF8_STRING = 0x0c;
export const TAG_PRINTABLE_STRING = 0x13;
export const TAG_SEQUENCE = 0x30;
export const TAG_SET = 0x31;

/** Malformed ASN.1 seen by a parser (host side or personalisation input). */
export class DerFormatError extends HostError {
  readonly code = 'DER_FORMAT';
}

/** Content bytes of an OBJECT IDENTIFIER in dotted form (`0.4.0.127.0.7.2.2.4.1.1`). */
export function oidContent(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new RangeError(`bad OID arc '${a}' in ${dotted}`);
    return BigInt(a);
  });
  const [a1, a2, ...rest] = arcs;
  if (a1 === undefined || a2 === undefined || a1 > 2n) throw new RangeError(`bad OID ${dotted}`);
  const out: number[] = [];
  for (const arc of [a1 * 40n + a2, ...rest]) {
    const groups: number[] = [];
    let v = arc;
    do {
      groups.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    for (let i = 0; i < groups.length - 1; i++) groups[i] = (groups[i] as number) | 0x80;
    out.push(...groups);
  }
  return Uint8Array.from(out);
}

/** Dotted form of OID content bytes; throws {@link DerFormatError} on a truncated arc. */
export function oidToString(content: Uint8Array): string {
  if (content.length === 0) throw new DerFormatError('empty OBJECT IDENTIFIER');
  const arcs: bigint[] = [];
  let v = 0n;
  let pending = false;
  for (const b of content) {
    v = (v << 7n) | BigInt(b & 0x7f);
    pending = (b & 0x80) !== 0;
    if (!pending) {
      arcs.push(v);
      v = 0n;
    }
  }
  if (pending) throw new DerFormatError('OBJECT IDENTIFIER ends inside an arc');
  const first = arcs.shift() as bigint;
  const a1 = first < 80n ? first / 40n : 2n;
  return [a1, first - a1 * 40n, ...arcs].join('.');
}

export function derOid(dotted: string): Uint8Array {
  return tlv(TAG_OID, oidContent(dotted));
}

/** Minimal two's-complement content of a non-negative integer. */
function integerContent(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError('negative INTEGER not needed here');
  const magnitude = value === 0n ? Uint8Array.of(0) : bigIntToMinimalBytes(value);
  return ((magnitude[0] as number) & 0x80) !== 0
    ? concatBytes(Uint8Array.of(0), magnitude)
    : magnitude;
}

export function derInteger(value: bigint | number | Uint8Array): Uint8Array {
  const v = value instanceof Uint8Array ? bytesToBigInt(value) : BigInt(value);
  return tlv(TAG_INTEGER, integerContent(v));
}

export function derSequence(...parts: Uint8Array[]): Uint8Array {
  return tlv(TAG_SEQUENCE, concatBytes(...parts));
}

/** SET OF with its elements in ascending order of their encodings (X.690 §11.6). */
export function derSetOf(...elements: Uint8Array[]): Uint8Array {
  const sorted = [...elements].sort(compareBytes);
  return tlv(TAG_SET, concatBytes(...sorted));
}

export function derOctetString(value: Uint8Array): Uint8Array {
  return tlv(TAG_OCTET_STRING, value);
}

export function derBitString(value: Uint8Array, unusedBits = 0): Uint8Array {
  return tlv(TAG_BIT_STRING, Uint8Array.of(unusedBits), value);
}

export function derNull(): Uint8Array {
  return Uint8Array.of(TAG_NULL, 0);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------
// Reading (host side and tests): thin checks over the BER-TLV tree.

/** Parses exactly one DER object into a tree; malformed input → {@link DerFormatError}. */
export function parseDer(bytes: Uint8Array): Tlv {
  try {
    return parseSingleTlv(bytes, true);
  } catch (e) {
    if (e instanceof TlvFormatError) throw new DerFormatError(e.message);
    throw e;
  }
}

export function expectTag(node: Tlv | undefined, tag: number, what: string): Tlv {
  if (!node) throw new DerFormatError(`${what}: missing`);
  if (node.tag !== tag)
    throw new DerFormatError(
      `${what}: tag ${node.tag.toString(16)} instead of ${tag.toString(16)}`,
    );
  return node;
}

/** Children of a constructed node (SEQUENCE, SET, context tags). */
export function childrenOf(node: Tlv, what: string): readonly Tlv[] {
  if (!node.children) throw new DerFormatError(`${what}: not constructed`);
  return node.children;
}

export function readInteger(node: Tlv | undefined, what: string): bigint {
  const n = expectTag(node, TAG_INTEGER, what);
  if (n.value.length === 0) throw new DerFormatError(`${what}: empty INTEGER`);
  if (((n.value[0] as number) & 0x80) !== 0) throw new DerFormatError(`${what}: negative INTEGER`);
  return bytesToBigInt(n.value);
}

export function readSmallInteger(node: Tlv | undefined, what: string): number {
  const v = readInteger(node, what);
  if (v > 0xffffffffn) throw new DerFormatError(`${what}: integer too large`);
  return Number(v);
}

export function readOid(node: Tlv | undefined, what: string): string {
  return oidToString(expectTag(node, TAG_OID, what).value);
}

/** BIT STRING content without the unused-bits byte (which must be 0 for keys). */
export function readBitString(node: Tlv | undefined, what: string): Uint8Array {
  const n = expectTag(node, TAG_BIT_STRING, what);
  if (n.value.length === 0 || n.value[0] !== 0)
    throw new DerFormatError(`${what}: BIT STRING with unused bits`);
  return n.value.subarray(1);
}
