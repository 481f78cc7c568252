/**
 * The frames of the bridge and of the PC/SC relay (BRIDGE-PROTOCOL.md §1): a 4-byte big-endian
 * length, then the payload (1 byte to 1 MiB). Integers are big-endian; byte strings carry a
 * 4-byte length. The C side (src/wire.c) reads and writes exactly this.
 */
import { ByteReader, ByteUnderflowError } from '../../emulator/src/bytes/byte-reader.ts';
import { ByteWriter } from '../../emulator/src/bytes/byte-writer.ts';
import { HostError } from '../../emulator/src/host-error.ts';

export const WIRE_MAX = 1024 * 1024;

/** A frame or field that breaks the wire format; the connection that sent it is closed. */
export class WireError extends HostError {
  readonly code = 'BRIDGE_PROTOCOL';
}

/** Bounds-checked reader of one payload. */
export class WireReader {
  private readonly r: ByteReader;

  constructor(payload: Uint8Array) {
    this.r = new ByteReader(payload);
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ByteUnderflowError) throw new WireError(`truncated field: ${e.message}`);
      throw e;
    }
  }

  u8(): number {
    return this.read(() => this.r.u8());
  }

  u32(): number {
    return this.read(() => this.r.uint(4));
  }

  u64(): bigint {
    return this.read(() => {
      const hi = BigInt(this.r.uint(4));
      const lo = BigInt(this.r.uint(4));
      return (hi << 32n) | lo;
    });
  }

  /** A byte string of at most `max` bytes (a copy). */
  bytes(max: number): Uint8Array {
    const n = this.u32();
    if (n > max) throw new WireError(`byte string of ${n} bytes exceeds ${max}`);
    return this.read(() => this.r.bytes(n).slice());
  }

  /** A list count of at most `max` items. */
  count(max: number): number {
    const n = this.u32();
    if (n > max) throw new WireError(`list of ${n} items exceeds ${max}`);
    return n;
  }

  /** Every byte must have been read. */
  end(): void {
    if (!this.r.atEnd) throw new WireError(`${this.r.remaining} unexpected trailing byte(s)`);
  }
}

/** Builder of one payload. */
export class WireWriter {
  private readonly w = new ByteWriter(128);

  u8(v: number): this {
    this.w.u8(v);
    return this;
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`u32: ${v}`);
    this.w.u16(v >>> 16).u16(v & 0xffff);
    return this;
  }

  u64(v: bigint | number): this {
    const b = BigInt(v);
    if (b < 0n || b > 0xffffffffffffffffn) throw new RangeError(`u64: ${v}`);
    return this.u32(Number(b >> 32n)).u32(Number(b & 0xffffffffn));
  }

  bytes(b: Uint8Array): this {
    this.u32(b.length);
    this.w.bytes(b);
    return this;
  }

  text(s: string): this {
    return this.bytes(new Uint8Array(Buffer.from(s, 'utf8')));
  }

  payload(): Uint8Array {
    const p = this.w.toBytes();
    if (p.length > WIRE_MAX)
      throw new WireError(`payload of ${p.length} bytes exceeds ${WIRE_MAX}`);
    return p;
  }
}

/** The frame of a payload: length prefix and payload. */
export function frame(payload: Uint8Array): Buffer {
  if (payload.length === 0 || payload.length > WIRE_MAX)
    throw new WireError(`frame payload of ${payload.length} bytes`);
  const out = Buffer.alloc(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

/**
 * Splits a byte stream into frames, whatever the chunking. Throws {@link WireError} on a zero or
 * oversized length, before buffering the payload.
 */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Uint8Array[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    const out: Uint8Array[] = [];
    for (;;) {
      if (this.pending.length < 4) return out;
      const n = this.pending.readUInt32BE(0);
      if (n === 0 || n > WIRE_MAX) throw new WireError(`frame length ${n} outside 1..${WIRE_MAX}`);
      if (this.pending.length < 4 + n) return out;
      out.push(new Uint8Array(this.pending.subarray(4, 4 + n)));
      this.pending = this.pending.subarray(4 + n);
    }
  }

  /** Bytes received but not yet a whole frame. */
  get buffered(): number {
    return this.pending.length;
  }
}
