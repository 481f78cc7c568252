/**
 * The NFC endpoint against hostile and careless clients: WebSocket protocol violations (RFC 6455
 * §5), a client that vanishes mid-APDU while another waits for the shared card, and a client that
 * writes commands without reading the answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import type { Card } from '../../emulator/src/card/card.ts';
import { createDefaultCard } from '../cards/card-registry.ts';
import { clientFrame, RawWs } from './testing/raw-ws.ts';
import { VIOLATIONS } from './testing/ws-violations.ts';
import { WebSocket } from 'ws';
import { IsoDepClient } from './ws-client.ts';
import { CLOSE_CARD_BUSY, NfcServer, type NfcServerEvent } from './ws-server.ts';

const SELECT_MF = fromHex('00A4000C023F00');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The server's events, with a wait for the first one that makes `match` true. */
class EventLog {
  readonly all: NfcServerEvent[] = [];
  private waiters: Array<() => void> = [];

  push(e: NfcServerEvent): void {
    this.all.push(e);
    for (const w of this.waiters.splice(0)) w();
  }

  count(kind: NfcServerEvent['kind']): number {
    return this.all.filter((e) => e.kind === kind).length;
  }

  until(match: (all: readonly NfcServerEvent[]) => boolean, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('expected server event missing')), timeoutMs);
      const check = (): void => {
        if (!match(this.all)) return void this.waiters.push(check);
        clearTimeout(timer);
        resolve();
      };
      check();
    });
  }
}

async function serve(o: { exclusive?: Card; events?: EventLog } = {}) {
  const server = new NfcServer({
    port: 0,
    card: async () => o.exclusive ?? (await createDefaultCard()).card,
    ...(o.exclusive ? { exclusive: true } : {}),
    onEvent: (e) => o.events?.push(e),
  });
  const { url, port } = await server.listen();
  cleanups.push(() => server.close());
  return { server, url, port };
}

async function closeCodeAfter(port: number, bytes: Uint8Array): Promise<number> {
  const raw = await RawWs.open(port);
  cleanups.push(() => raw.destroy());
  expect(await raw.nextJson()).toMatchObject({ type: 'hello' });
  await raw.write(bytes);
  for (;;) {
    const f = await raw.next(10_000);
    if (f.opcode === 8) return ((f.payload[0] as number) << 8) | (f.payload[1] as number);
  }
}

describe('NFC endpoint: WebSocket protocol violations (RFC 6455 §5)', () => {
  it('each closes its own connection with the right code; the endpoint keeps serving', async () => {
    const events = new EventLog();
    const { server, url, port } = await serve({ events });
    for (const v of VIOLATIONS) {
      expect(await closeCodeAfter(port, v.bytes), v.what).toBe(v.code);
      const tag = await IsoDepClient.connect(url);
      expect(toHex(await tag.transceive(SELECT_MF)), v.what).toBe('9000');
      await tag.close();
    }
    expect(events.count('protocol-error')).toBe(VIOLATIONS.length);
    await events.until(() => events.count('session-closed') === 2 * VIOLATIONS.length);
    expect(server.sessions).toBe(0);
  });

  it('a violation on a refused (busy) connection does not disturb the session that holds the card', async () => {
    const { card } = await createDefaultCard();
    const { url, port } = await serve({ exclusive: card });
    const holder = await IsoDepClient.connect(url);
    cleanups.push(() => holder.close());
    const raw = await RawWs.open(port);
    cleanups.push(() => raw.destroy());
    await raw.write(VIOLATIONS[0]!.bytes);
    await new Promise<void>((resolve) => raw.socket.once('close', () => resolve()));
    expect(toHex(await holder.transceive(SELECT_MF))).toBe('9000');
  });
});

describe('NFC endpoint: one session at a time on a shared card', () => {
  it('a session ends only once its in-flight APDU has finished; the next one is refused until then', async () => {
    const { card } = await createDefaultCard();
    const events = new EventLog();
    let challengeInCard!: () => void;
    const inCard = new Promise<void>((resolve) => (challengeInCard = resolve));
    card.observe({ exchange: (e) => toHex(e.command) === '0084000008' && challengeInCard() });
    const { url, port } = await serve({ exclusive: card, events });
    // Client A: a slow GET CHALLENGE, then the TCP connection is reset under it.
    const a = await RawWs.open(port);
    await a.nextJson();
    const delay = '[{"kind":"delay","atApdu":1,"ms":1500}]';
    await a.write(clientFrame(1, text(`{"type":"faults","faults":${delay}}`)));
    await a.write(clientFrame(1, text('{"type":"field","on":true}')));
    await a.nextJson();
    await a.nextJson();
    await a.write(clientFrame(2, fromHex('0084000008')));
    await inCard;
    a.socket.resetAndDestroy();
    // Client B arrives while A's command is still in the card: refused, the card is not handed over.
    const b = new WebSocket(url);
    const codeB = await new Promise<number>((resolve) => b.on('close', (c) => resolve(c)));
    expect(codeB).toBe(CLOSE_CARD_BUSY);
    await events.until((all) => all.some((e) => e.kind === 'session-closed' && e.id === 1));
    // Client C, after A has really ended: the card is powered for it and answers normally.
    const c = await IsoDepClient.connect(url);
    cleanups.push(() => c.close());
    for (let i = 0; i < 5; i++) expect(toHex(await c.transceive(SELECT_MF))).toBe('9000');
    expect(card.powered).toBe(true);
  });
});

describe('NFC endpoint: backpressure (ISO-DEP is half-duplex)', () => {
  it('stops reading from a client that does not read its answers, loses nothing, frees all on close', async () => {
    const events = new EventLog();
    const { server, port } = await serve({ events });
    const { card: twin } = await createDefaultCard();
    twin.powerOn();
    const getData = fromHex('00CB3FFF0A4D087006BFA10102A380');
    const expected = toHex(twin.transmit(getData));
    const raw = await RawWs.open(port);
    cleanups.push(() => raw.destroy());
    await raw.nextJson();
    await raw.write(clientFrame(1, text('{"type":"field","on":true}')));
    await raw.nextJson();
    raw.socket.pause(); // the client stops reading
    const n = 100_000;
    const frame = clientFrame(2, getData);
    const stream = new Uint8Array(frame.length * n);
    for (let i = 0; i < n; i++) stream.set(frame, i * frame.length);
    raw.socket.write(stream);
    await events.until(() => events.count('reading-paused') > 0);
    // Reading again: every answer arrives, in order and correct.
    raw.socket.resume();
    for (let i = 0; i < n; i++) {
      const f = await raw.next(30_000);
      expect(f.opcode).toBe(2);
      if (toHex(f.payload) !== expected) expect(toHex(f.payload), `answer ${i}`).toBe(expected);
    }
    raw.destroy();
    await events.until(() => events.count('session-closed') === 1);
    expect(server.sessions).toBe(0);
  });
});
