/**
 * A client of the bridge written in TypeScript, encoding requests exactly as the C module does
 * (src/module.c, src/objects.c): the daemon's behaviour can be tested, and fuzzed, without a C
 * compiler. CK_ULONG is 8 bytes little-endian, as on x86-64 Linux.
 */
import net from 'node:net';
import { CKA } from '../p11-constants.ts';
import { FrameDecoder, frame, WireReader, WireWriter } from '../wire.ts';

export class BridgeClient {
  private readonly socket: net.Socket;
  private readonly decoder = new FrameDecoder();
  private readonly waiting: ((p: Uint8Array | undefined) => void)[] = [];
  private closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (c: Buffer) => {
      for (const f of this.decoder.push(c)) this.waiting.shift()?.(f);
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(undefined);
    });
    socket.on('error', () => undefined);
  }

  static async connect(path: string, hello = true): Promise<BridgeClient> {
    const socket = net.connect(path);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const c = new BridgeClient(socket);
    if (hello) {
      const r = await c.call(1, (w) => w.u32(1).u32(process.pid).u8(8).u8(1));
      if (r.rv !== 0) throw new Error(`HELLO refused: ${r.rv}`);
    }
    return c;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends raw payload bytes as one frame; resolves with the answer, or undefined if the daemon hung up. */
  raw(payload: Uint8Array): Promise<Uint8Array | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket.write(frame(payload));
    });
  }

  /** Writes bytes on the socket as they are (broken frames). */
  writeBytes(b: Uint8Array): void {
    if (!this.closed) this.socket.write(b);
  }

  async call(
    op: number,
    fields: (w: WireWriter) => void = () => undefined,
  ): Promise<{ rv: number; r: WireReader }> {
    const w = new WireWriter().u8(1).u8(op);
    fields(w);
    const a = await this.raw(w.payload());
    if (!a) throw new Error('the daemon closed the connection');
    const r = new WireReader(a);
    return { rv: r.u32(), r };
  }

  async slotList(tokenPresent: boolean): Promise<number[]> {
    const { rv, r } = await this.call(2, (w) => w.u8(tokenPresent ? 1 : 0));
    if (rv !== 0) throw new Error(`slot list: ${rv}`);
    const n = r.u32();
    return Array.from({ length: n }, () => Number(r.u64()));
  }

  async openSession(slot: number, flags = 4): Promise<{ rv: number; handle: number }> {
    const { rv, r } = await this.call(7, (w) => w.u64(slot).u64(flags));
    return { rv, handle: rv === 0 ? Number(r.u64()) : 0 };
  }

  async login(session: number, digits: string | undefined, userType = 1): Promise<number> {
    const { rv } = await this.call(11, (w) => {
      w.u64(session)
        .u64(userType)
        .u8(digits === undefined ? 0 : 1);
      w.bytes(
        digits === undefined ? new Uint8Array() : new Uint8Array(Buffer.from(digits, 'latin1')),
      );
    });
    return rv;
  }

  async logout(session: number): Promise<number> {
    return (await this.call(12, (w) => w.u64(session))).rv;
  }

  /** Handles of the objects matching `template` (CKA_CLASS given as a CK_ULONG, 8 bytes LE). */
  async find(session: number, objectClass?: number): Promise<{ rv: number; handles: number[] }> {
    const init = await this.call(13, (w) => {
      w.u64(session);
      if (objectClass === undefined) return void w.u32(0);
      const v = Buffer.alloc(8);
      v.writeBigUInt64LE(BigInt(objectClass));
      w.u32(1).u64(CKA.CLASS).bytes(new Uint8Array(v));
    });
    if (init.rv !== 0) return { rv: init.rv, handles: [] };
    const { rv, r } = await this.call(14, (w) => w.u64(session).u64(16));
    const handles = rv === 0 ? Array.from({ length: r.u32() }, () => Number(r.u64())) : [];
    await this.call(15, (w) => w.u64(session));
    return { rv, handles };
  }

  async attribute(
    session: number,
    object: number,
    type: number,
  ): Promise<{ rv: number; kind?: number; value?: Uint8Array }> {
    const { rv, r } = await this.call(16, (w) => w.u64(session).u64(object).u32(1).u64(type));
    if (rv !== 0) return { rv };
    r.u32();
    const kind = r.u8();
    return { rv, kind, value: r.bytes(65536) };
  }

  async signInit(session: number, key: number, mechanism = 1): Promise<number> {
    return (
      await this.call(17, (w) =>
        w.u64(session).u64(mechanism).u8(0).bytes(new Uint8Array()).u64(key),
      )
    ).rv;
  }

  /** C_Sign with an output buffer of `bufferLength` bytes, or a length query (`'query'`). */
  async sign(
    session: number,
    data: Uint8Array,
    bufferLength: number | 'query' = 4096,
  ): Promise<{ rv: number; length?: number; signature?: Uint8Array }> {
    const query = bufferLength === 'query';
    const { rv, r } = await this.call(18, (w) =>
      w
        .u64(session)
        .bytes(data)
        .u8(query ? 0 : 1)
        .u64(query ? 0 : bufferLength),
    );
    if (rv !== 0 && rv !== 0x150) return { rv };
    const length = Number(r.u64());
    return { rv, length, signature: r.bytes(65536) };
  }

  async tokenFlags(slot: number): Promise<{ rv: number; flags?: number }> {
    const { rv, r } = await this.call(4, (w) => w.u64(slot));
    if (rv !== 0) return { rv };
    for (let i = 0; i < 4; i++) r.bytes(64);
    return { rv, flags: Number(r.u64()) };
  }

  close(): void {
    this.socket.destroy();
  }
}
