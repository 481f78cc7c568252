/**
 * Hostile byte streams on both transports, against a real server on a loopback port:
 * - vpcd (reversed mode, the card listens): random frames and random raw bytes, split anywhere;
 * - the WebSocket NFC endpoint: random WebSocket frames (any FIN/RSV/opcode/mask/length, valid and
 *   invalid UTF-8, control messages that are random JSON) after a valid upgrade.
 * Invariants: no exception escapes to the process, every hostile connection ends or is answered,
 * and after each one a correct client still gets correct answers (the process keeps serving).
 */
import { connect, type Socket } from 'node:net';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { createDefaultCard } from '../../cards/card-registry.ts';
import { clientFrame, RawWs } from '../../nfc/testing/raw-ws.ts';
import { IsoDepClient } from '../../nfc/ws-client.ts';
import { NfcServer } from '../../nfc/ws-server.ts';
import { encodeVpcdFrame } from '../../vpcd/framing.ts';
import { connectToCard } from '../../vpcd/testing/fake-reader.ts';
import { ReaderSlot } from '../../vpcd/reader-slot.ts';
import { ViccServer } from '../../vpcd/vicc-server.ts';
import { Chooser, Tally, type FuzzTarget } from '../fuzz-kit.ts';

const VPCD_CONNECTIONS = 400;
const WS_CONNECTIONS = 400;
const SELECT_MF = fromHex('00A4000C023F00');

/** Counts exceptions nobody handled while `body` runs (they would end a real process). */
async function guarded(t: Tally, body: () => Promise<void>): Promise<void> {
  const onError = (e: unknown): void => t.fail(`uncaught: ${String(e)}`);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  try {
    await body();
  } finally {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  }
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.once('close', () => resolve());
  });
}

function vpcdStream(c: Chooser): Uint8Array {
  const parts: number[] = [];
  for (let n = 1 + c.int(12); n > 0; n--) {
    const kind = c.int(4);
    if (kind === 0) parts.push(...c.bytes(c.int(20)));
    else if (kind === 1)
      parts.push(...encodeVpcdFrame(Uint8Array.of(c.pick([0, 1, 2, 4, 3, 0xff]))));
    else parts.push(...encodeVpcdFrame(c.bytes(c.int(kind === 2 ? 12 : 300))));
  }
  return Uint8Array.from(parts);
}

export const vpcdStreams: FuzzTarget = {
  name: 'vpcd byte streams (reversed-mode card)',
  run: async (seed) => {
    const t = new Tally('vpcd-streams', 'no escape; the card keeps serving the next reader');
    const c = new Chooser(seed);
    const { card } = await createDefaultCard();
    let readerGone: () => void = () => undefined;
    const server = new ViccServer({
      slot: new ReaderSlot({ card }),
      port: 0,
      onEvent: (e) => e.kind === 'reader-disconnected' && readerGone(),
    });
    const { port } = await server.listen();
    await guarded(t, async () => {
      for (let i = 0; i < VPCD_CONNECTIONS; i++) {
        t.inputs++;
        const gone = new Promise<void>((resolve) => (readerGone = resolve));
        const socket = connect({ host: '127.0.0.1', port });
        socket.on('error', () => undefined);
        socket.on('data', () => undefined);
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        const bytes = vpcdStream(c);
        for (let at = 0; at < bytes.length;) {
          const n = 1 + c.int(64);
          socket.write(bytes.subarray(at, at + n));
          at += n;
        }
        socket.end();
        await Promise.all([closed(socket), gone]);
        if (i % 40 === 39) {
          const ok = new Promise<void>((resolve) => (readerGone = resolve));
          const reader = await connectToCard(port);
          await reader.send(fromHex('01'));
          const answer = toHex(await reader.request(SELECT_MF));
          if (answer !== '9000') t.fail(`after stream ${i}: SELECT MF answered ${answer}`);
          reader.destroy();
          await ok;
        }
      }
    });
    await server.close();
    return t;
  },
};

function wsFrame(c: Chooser): Uint8Array {
  const kind = c.int(6);
  if (kind === 0) return c.bytes(1 + c.int(30));
  if (kind === 1) return clientFrame(2, c.bytes(c.int(300)));
  if (kind === 2) {
    const json = c.pick([
      '{"type":"field","on":true}',
      '{"type":"field","on":false}',
      '{"type":"configure","isoDep":{"fwi":' + c.int(30) + '}}',
      '{"type":"faults","faults":[{"kind":"tag-lost","atApdu":' + c.int(5) + '}]}',
      '{"type":' + c.int(9) + '}',
      '[' + '['.repeat(c.int(2000)),
    ]);
    return clientFrame(1, new TextEncoder().encode(json));
  }
  const frame = clientFrame(c.pick([1, 2, 8] as const), c.bytes(c.int(140)));
  frame[0] = c.chance(0.5) ? c.byte() : (frame[0] as number) ^ (1 << c.int(8));
  if (c.chance(0.3)) frame[1] = c.byte();
  return frame;
}

export const wsFrames: FuzzTarget = {
  name: 'WebSocket NFC endpoint, hostile frames',
  run: async (seed) => {
    const t = new Tally(
      'ws-frames',
      'no escape; every connection ends; a correct session works after',
    );
    const c = new Chooser(seed);
    let sessions = 0;
    let waiters: Array<() => void> = [];
    const server = new NfcServer({
      port: 0,
      card: async () => (await createDefaultCard()).card,
      onEvent: (e) => {
        if (e.kind !== 'session-closed') return;
        sessions--;
        for (const w of waiters.splice(0)) w();
      },
    });
    const { port, url } = await server.listen();
    let frames = 0;
    await guarded(t, async () => {
      for (let i = 0; i < WS_CONNECTIONS; i++) {
        t.inputs++;
        const raw = await RawWs.open(port);
        sessions++;
        for (let n = 1 + c.int(6); n > 0; n--) {
          frames++;
          await raw.write(wsFrame(c)).catch(() => undefined);
        }
        raw.destroy();
        while (sessions > 0) await new Promise<void>((resolve) => waiters.push(resolve));
        if (i % 40 === 39) {
          const tag = await IsoDepClient.connect(url);
          const answer = toHex(await tag.transceive(SELECT_MF));
          if (answer !== '9000') t.fail(`after connection ${i}: SELECT MF answered ${answer}`);
          sessions++;
          await tag.close();
          while (sessions > 0) await new Promise<void>((resolve) => waiters.push(resolve));
        }
      }
    });
    waiters = [];
    await server.close();
    t.figures.push(`${frames} frames`);
    return t;
  },
};
