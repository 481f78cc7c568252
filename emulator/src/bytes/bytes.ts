/** Small byte-array helpers shared by every layer. */

/** V8 keeps typed arrays of up to 64 bytes on the heap; larger ones get their own off-heap store. */
const ON_HEAP_MAX = 64;
const SLAB_SIZE = 64 * 1024;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;

/**
 * A fresh byte array of length `n` for encoders that overwrite every byte. Arrays above 64
 * bytes are views carved from a shared 64 KiB slab (bump allocation; memory is never handed out
 * twice, a new slab replaces a full one), which avoids the off-heap allocation V8 makes for every
 * larger `new Uint8Array(n)` — about 6× faster for a 233-byte response on the APDU hot path.
 */
export function allocBytes(n: number): Uint8Array {
  if (n <= ON_HEAP_MAX || n > SLAB_SIZE / 8) return new Uint8Array(n);
  if (slabUsed + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const view = new Uint8Array(slab, slabUsed, n);
  slabUsed += (n + 7) & ~7;
  return view;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = allocBytes(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Constant-time comparison (DESIGN.md rule 10: MAC comparison is constant time). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length)
    throw new RangeError(`xorBytes: lengths differ (${a.length} vs ${b.length})`);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

/** Overwrites key material once it is no longer needed (DESIGN.md rule 10). */
export function wipe(...arrays: Uint8Array[]): void {
  for (const a of arrays) a.fill(0);
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  // Through hex text: a byte-by-byte shift loop re-allocates an ever larger BigInt at each step
  // (quadratic); DH and RSA values of 256 bytes cost ten times more that way.
  if (bytes.length === 0) return 0n;
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`);
}

/** Big-endian encoding of `value` on exactly `length` bytes; throws if it does not fit. */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n) throw new RangeError('bigIntToBytes: negative value');
  const out = new Uint8Array(length);
  if (value === 0n) return out;
  // Through hex text, as bytesToBigInt: shifting 8 bits at a time is quadratic.
  const hex = value.toString(16);
  const digits = length * 2;
  if (hex.length > digits)
    throw new RangeError(`bigIntToBytes: value does not fit in ${length} bytes`);
  out.set(Buffer.from(hex.padStart(digits, '0'), 'hex'));
  return out;
}

/** Minimal big-endian encoding (at least one byte). */
export function bigIntToMinimalBytes(value: bigint): Uint8Array {
  let len = 1;
  for (let v = value >> 8n; v > 0n; v >>= 8n) len++;
  return bigIntToBytes(value, len);
}

export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) throw new RangeError(`asciiBytes: non-ASCII character at ${i}`);
    out[i] = c;
  }
  return out;
}

export function bytesToAscii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
