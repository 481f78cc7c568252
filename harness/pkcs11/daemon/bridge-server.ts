/**
 * The daemon's end of the bridge: a Unix-domain socket in an owner-only directory, the socket
 * itself mode 0600 (BRIDGE-PROTOCOL.md §4). Each connection is one PKCS#11 application; its
 * requests are answered in order. The first request must be HELLO; a frame or field that breaks
 * the protocol closes the connection (the module then answers CKR_DEVICE_ERROR and reconnects).
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { BenchError } from '../../../emulator/src/host-error.ts';
import { ciebenchHome } from '../../../emulator/src/state/pki-revocations.ts';
import { CKR } from '../p11-constants.ts';
import { FrameDecoder, frame, WireError } from '../wire.ts';
import type { Backend } from './backend.ts';
import {
  BRIDGE_PROTOCOL_VERSION,
  decodeRequest,
  encodeAnswer,
  type BridgeAnswer,
} from './bridge-protocol.ts';
import type { Client } from './sessions.ts';

/** The socket path the module looks for (same rule as src/bridge.c). */
export function defaultSocketPath(): string {
  return process.env['CIEBENCH_PKCS11_SOCKET'] || join(ciebenchHome(), 'middleware', 'bridge.sock');
}

/** At most this many applications at once. */
const MAX_CONNECTIONS = 64;

export interface BridgeServer {
  readonly path: string;
  /** Connections open now. */
  connections(): number;
  close(): Promise<void>;
}

/** Refuses to start over a live daemon; removes a stale socket file. */
async function prepareSocket(path: string): Promise<void> {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket())
    throw new BenchError(
      'BRIDGE_PATH',
      `${path} exists and is not a socket: remove it or choose another --socket`,
      'input',
    );
  const live = await new Promise<boolean>((resolve) => {
    const c = net.connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (live)
    throw new BenchError(
      'BRIDGE_BUSY',
      `a CIE Bench daemon already listens on ${path}`,
      'environment',
    );
  rmSync(path);
}

export async function startBridgeServer(backend: Backend, path: string): Promise<BridgeServer> {
  await prepareSocket(path);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    if (sockets.size >= MAX_CONNECTIONS) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    serve(backend, socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const old = process.umask(0o177);
    server.listen(path, () => {
      process.umask(old);
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  return {
    path,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          if (existsSync(path)) rmSync(path, { force: true });
          resolve();
        });
      }),
  };
}

function serve(backend: Backend, socket: net.Socket): void {
  const decoder = new FrameDecoder();
  let client: Client | undefined;
  let chain: Promise<void> = Promise.resolve();
  const send = (a: BridgeAnswer): void => {
    if (!socket.destroyed) socket.write(frame(encodeAnswer(a)));
  };
  const answer = async (payload: Uint8Array): Promise<void> => {
    if (socket.destroyed) return;
    const req = decodeRequest(payload);
    if (!client) {
      if (req.op !== 'hello') throw new WireError('the first request must be HELLO');
      if (req.version !== BRIDGE_PROTOCOL_VERSION) {
        send({ rv: CKR.FUNCTION_FAILED });
        throw new WireError(`module protocol ${req.version}`);
      }
      client = backend.newClient();
      client.layout = { ulongSize: req.ulongSize, littleEndian: req.littleEndian };
      client.pid = req.pid;
      return send({
        rv: CKR.OK,
        body: (w) => w.u32(BRIDGE_PROTOCOL_VERSION).text('CIE Bench daemon'),
      });
    }
    if (req.op === 'hello') throw new WireError('HELLO twice');
    send(await backend.handle(client, req));
  };
  socket.on('data', (chunk: Buffer) => {
    let frames: Uint8Array[];
    try {
      frames = decoder.push(chunk);
    } catch {
      return void socket.destroy();
    }
    for (const f of frames)
      chain = chain.then(() =>
        answer(f).catch(() => {
          socket.destroy();
        }),
      );
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    void chain.then(() => {
      if (client) backend.dropClient(client);
    });
  });
}
