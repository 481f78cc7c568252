/**
 * Cursor over a byte array (the pg-protocol `BufferReader` pattern). Every bounds check lives
 * here, so parsers never do offset arithmetic of their own and an out-of-range read is a typed
 * error instead of an `undefined`.
 */
import { HostError } from '../host-error.ts';

export class ByteUnderflowError extends HostError {
  readonly code = 'BYTE_UNDERFLOW';
}

export class ByteReader {
  private readonly buf: Uint8Array;
  private pos: number;

  constructor(buf: Uint8Array, offset = 0) {
    this.buf = buf;
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  private need(n: number, what: string): void {
    if (n > this.buf.length - this.pos) {
      throw new ByteUnderflowError(
        `${what}: need ${n} byte(s) at offset ${this.pos}, ${this.remaining} left`,
      );
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++] as number;
  }

  peekU8(what = 'peek'): number {
    this.need(1, what);
    return this.buf[this.pos] as number;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = ((this.buf[this.pos] as number) << 8) | (this.buf[this.pos + 1] as number);
    this.pos += 2;
    return v;
  }

  /** Big-endian unsigned integer of `n` bytes (n ≤ 6 keeps it exact in a number). */
  uint(n: number, what = 'uint'): number {
    this.need(n, what);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + (this.buf[this.pos + i] as number);
    this.pos += n;
    return v;
  }

  /** A view (no copy) of the next `n` bytes. */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  rest(): Uint8Array {
    const out = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return out;
  }
}
