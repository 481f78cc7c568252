/**
 * A scripted vpcd reader for tests (the reader side of the protocol, in place of pcscd + vpcd):
 * it listens like vpcd does in normal mode, or connects like reversed mode, and lets a test send
 * raw bytes or whole frames and read the card's answers.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { encodeVpcdFrame, VpcdFrameDecoder } from '../framing.ts';

export class ReaderConnection {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  private readonly decoder = new VpcdFrameDecoder();
  private readonly frames: Uint8Array[] = [];
  private waiter: ((f: Uint8Array) => void) | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(new Uint8Array(chunk))) {
        const w = this.waiter;
        if (w) {
          this.waiter = undefined;
          w(f);
        } else this.frames.push(f);
      }
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
  }

  /** Raw bytes, as they are (tests split frames however they like). */
  async write(bytes: Uint8Array): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.socket.write(bytes, (e) => (e ? reject(e) : resolve())),
    );
  }

  send(payload: Uint8Array): Promise<void> {
    return this.write(encodeVpcdFrame(payload));
  }

  async request(payload: Uint8Array, timeoutMs = 2000): Promise<Uint8Array> {
    await this.send(payload);
    return this.next(timeoutMs);
  }

  next(timeoutMs = 2000): Promise<Uint8Array> {
    const queued = this.frames.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no frame from the card within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (f) => {
        clearTimeout(t);
        resolve(f);
      };
    });
  }

  /** Frames received and not read yet. */
  get unread(): number {
    return this.frames.length;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Normal mode: the reader listens on a free loopback port; cards connect to it. */
export class FakeVpcdReader {
  readonly port: number;
  private readonly server: Server;
  private readonly accepted: ReaderConnection[] = [];
  private waiters: Array<(c: ReaderConnection) => void> = [];
  readonly connections: ReaderConnection[] = [];

  private constructor(server: Server, port: number) {
    this.server = server;
    this.port = port;
    server.on('connection', (s) => {
      const c = new ReaderConnection(s);
      this.connections.push(c);
      const w = this.waiters.shift();
      if (w) w(c);
      else this.accepted.push(c);
    });
  }

  static async listen(): Promise<FakeVpcdReader> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    return new FakeVpcdReader(server, typeof address === 'object' && address ? address.port : 0);
  }

  accept(timeoutMs = 3000): Promise<ReaderConnection> {
    const c = this.accepted.shift();
    if (c) return Promise.resolve(c);
    return new Promise((resolve, reject) => {
      const waiter = (conn: ReaderConnection): void => {
        clearTimeout(t);
        resolve(conn);
      };
      // A waiter that gave up leaves the queue: the next card goes to the next accept().
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no card connected within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Reversed mode: the reader connects to a listening card. */
export async function connectToCard(port: number, host = '127.0.0.1'): Promise<ReaderConnection> {
  const socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return new ReaderConnection(socket);
}
