/**
 * A WebSocket client written directly on a TCP socket (RFC 6455 §4.1 handshake, §5.2 framing), so
 * tests control exactly how the bytes of client frames are cut into TCP writes.
 */
import { connect, type Socket } from 'node:net';

export interface RawFrame {
  readonly opcode: number;
  readonly payload: Uint8Array;
}

/** A masked client frame (RFC 6455 §5.3: clients always mask). */
export function clientFrame(
  opcode: 1 | 2 | 8,
  payload: Uint8Array,
  mask = Uint8Array.of(0x11, 0x22, 0x33, 0x44),
): Uint8Array {
  const n = payload.length;
  const header =
    n < 126
      ? [0x80 | opcode, 0x80 | n]
      : n < 65536
        ? [0x80 | opcode, 0x80 | 126, n >> 8, n & 0xff]
        : undefined;
  if (!header) throw new RangeError('test frames stay below 64 KiB');
  const out = new Uint8Array(header.length + 4 + n);
  out.set(header);
  out.set(mask, header.length);
  for (let i = 0; i < n; i++)
    out[header.length + 4 + i] = (payload[i] as number) ^ (mask[i & 3] as number);
  return out;
}

export class RawWs {
  readonly socket: Socket;
  private buffer = Buffer.alloc(0);
  private handshakeDone = false;
  private readonly frames: RawFrame[] = [];
  private waiter: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
      this.waiter?.();
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<RawWs> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const ws = new RawWs(socket);
    socket.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await ws.until(() => ws.handshakeDone, 2000);
    return ws;
  }

  async write(bytes: Uint8Array): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.socket.write(bytes, (e) => (e ? reject(e) : resolve())),
    );
  }

  /** The next server frame (text frames are decoded by the caller). */
  async next(timeoutMs = 2000): Promise<RawFrame> {
    await this.until(() => this.frames.length > 0, timeoutMs);
    return this.frames.shift() as RawFrame;
  }

  async nextJson(timeoutMs = 2000): Promise<Record<string, unknown>> {
    const f = await this.next(timeoutMs);
    if (f.opcode !== 1) throw new Error(`expected a text frame, got opcode ${f.opcode}`);
    return JSON.parse(Buffer.from(f.payload).toString('utf8')) as Record<string, unknown>;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private until(cond: () => boolean, timeoutMs: number): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`raw ws: nothing within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = () => {
        if (!cond()) return;
        clearTimeout(t);
        this.waiter = undefined;
        resolve();
      };
    });
  }

  private parse(): void {
    if (!this.handshakeDone) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!this.buffer.subarray(0, end).toString().startsWith('HTTP/1.1 101'))
        throw new Error('handshake refused');
      this.buffer = this.buffer.subarray(end + 4);
      this.handshakeDone = true;
    }
    for (;;) {
      if (this.buffer.length < 2) return;
      const opcode = (this.buffer[0] as number) & 0x0f;
      let len = (this.buffer[1] as number) & 0x7f;
      let at = 2;
      if (len === 126) {
        if (this.buffer.length < 4) return;
        len = this.buffer.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (this.buffer.length < 10) return;
        len = Number(this.buffer.readBigUInt64BE(2));
        at = 10;
      }
      if (this.buffer.length < at + len) return;
      this.frames.push({ opcode, payload: new Uint8Array(this.buffer.subarray(at, at + len)) });
      this.buffer = this.buffer.subarray(at + len);
    }
  }
}
