import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import type { Card, PowerEvent } from '../../emulator/src/card/card.ts';
import { NullCard } from '../../emulator/src/card/null-card.ts';
import { createIsoTestCard, ISO_TEST_SHORT } from '../../emulator/src/profiles/iso-test-card.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { createDefaultCard } from '../cards/card-registry.ts';
import type { FaultInput } from '../nfc/faults.ts';
import { encodeVpcdFrame } from './framing.ts';
import { ReaderSlot } from './reader-slot.ts';
import { FakeVpcdReader, connectToCard, type ReaderConnection } from './testing/fake-reader.ts';
import { ViccClient, backoffDelay, type ViccClientEvent } from './vicc-client.ts';
import { ViccEndpoint, type ViccEndpointEvent } from './vicc-endpoint.ts';
import { ViccServer } from './vicc-server.ts';

/** Card-agnostic commands with deterministic answers (no randomness involved on any card). */
const PROBES = ['00A4000C023F00', '00A4000C02ABCD', '00B0000004', '00FF000000', '80CA9F7F00'].map(
  fromHex,
);
const FAST = { initialMs: 20, maxMs: 200, factor: 2 };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function slot(card: Card, faults: readonly FaultInput[] = []): ReaderSlot {
  return new ReaderSlot({
    card,
    rng: seededRng('vicc-test'),
    faults,
    sleep: async () => undefined,
  });
}

async function clientOn(
  reader: FakeVpcdReader,
  card: Card,
  events: ViccClientEvent[] = [],
): Promise<{ client: ViccClient; conn: ReaderConnection }> {
  const client = new ViccClient({
    host: '127.0.0.1',
    port: reader.port,
    slot: slot(card),
    backoff: FAST,
    onEvent: (e) => events.push(e),
  });
  cleanups.push(() => client.stop());
  client.start();
  const conn = await reader.accept();
  await client.waitConnected();
  return { client, conn };
}

describe('ViccEndpoint: the vpcd messages (vpcd/README.md §3)', () => {
  it('answers GET ATR with the personality ATR and power messages with nothing', async () => {
    const { card } = await createDefaultCard();
    const ep = new ViccEndpoint({ slot: slot(card) });
    expect(await ep.handle(fromHex('04'))).toEqual({ kind: 'reply', payload: card.atr });
    for (const code of ['01', '02', '00'])
      expect(await ep.handle(fromHex(code))).toEqual({ kind: 'none' });
  });

  it('power off / on / reset reach the card as Card.powerOff / powerOn / reset', async () => {
    const { card } = await createDefaultCard();
    const power: PowerEvent['kind'][] = [];
    card.observe({ power: (e) => power.push(e.kind) });
    const ep = new ViccEndpoint({ slot: slot(card) });
    for (const code of ['01', '02', '00']) await ep.handle(fromHex(code));
    expect(power).toEqual(['power-on', 'reset', 'power-off']);
    expect(card.powered).toBe(false);
  });

  it('a power cycle loses the selection (ISO test card: EF.SHORT by SFI only inside DF.TEST)', async () => {
    const ep = new ViccEndpoint({ slot: slot(createIsoTestCard()) });
    await ep.handle(fromHex('01'));
    await ep.handle(fromHex('00A4040C07A0000000990102'));
    const before = await ep.handle(fromHex('00B0820014'));
    expect(before).toEqual({
      kind: 'reply',
      payload: Uint8Array.from([...ISO_TEST_SHORT, 0x90, 0x00]),
    });
    for (const cycle of ['00 01', '02']) {
      await ep.handle(fromHex('01'));
      await ep.handle(fromHex('00A4040C07A0000000990102'));
      for (const code of cycle.split(' ')) await ep.handle(fromHex(code));
      const after = await ep.handle(fromHex('00B0820014'));
      expect(after.kind === 'reply' && toHex(after.payload)).not.toBe(
        toHex(before.kind === 'reply' ? before.payload : new Uint8Array()),
      );
    }
  });

  it('passes APDUs to the card untouched: same answers as the card in-process', async () => {
    const { card } = await createDefaultCard();
    const { card: twin } = await createDefaultCard();
    twin.powerOn();
    const ep = new ViccEndpoint({ slot: slot(card) });
    await ep.handle(fromHex('01'));
    for (const c of PROBES)
      expect(await ep.handle(c)).toEqual({ kind: 'reply', payload: twin.transmit(c) });
  });

  it('answers FF CA 00/01 itself (UID, ATS historical bytes) and never shows them to the card', async () => {
    const { card } = await createDefaultCard();
    const seen: string[] = [];
    card.observe({ exchange: (e) => seen.push(toHex(e.command)) });
    const events: ViccEndpointEvent[] = [];
    const s = new ReaderSlot({
      card,
      identity: { uid: '04A1B2C3D4E5F6', historicalBytes: '8031B8' },
    });
    const ep = new ViccEndpoint({ slot: s, onEvent: (e) => events.push(e) });
    await ep.handle(fromHex('01'));
    expect(await ep.handle(fromHex('FFCA000000'))).toEqual({
      kind: 'reply',
      payload: fromHex('04A1B2C3D4E5F6 9000'),
    });
    expect(await ep.handle(fromHex('FFCA010000'))).toEqual({
      kind: 'reply',
      payload: fromHex('8031B8 9000'),
    });
    expect(seen).toEqual([]);
    expect(events.filter((e) => e.kind === 'reader-apdu')).toHaveLength(2);
  });

  it('with pseudo-APDUs disabled, FF CA goes to the card', async () => {
    const { card } = await createDefaultCard();
    const { card: twin } = await createDefaultCard();
    twin.powerOn();
    const ep = new ViccEndpoint({ slot: slot(card), readerPseudoApdus: false });
    await ep.handle(fromHex('01'));
    expect(await ep.handle(fromHex('FFCA000000'))).toEqual({
      kind: 'reply',
      payload: twin.transmit(fromHex('FFCA000000')),
    });
  });

  it('ignores empty frames and unknown control codes without touching the card', async () => {
    const { card } = await createDefaultCard();
    const power: string[] = [];
    card.observe({ power: (e) => power.push(e.kind), exchange: () => power.push('apdu') });
    const events: ViccEndpointEvent[] = [];
    const ep = new ViccEndpoint({ slot: slot(card), onEvent: (e) => events.push(e) });
    for (const f of ['', '03', '05', 'FF'])
      expect(await ep.handle(fromHex(f))).toEqual({ kind: 'none' });
    expect(power).toEqual([]);
    expect(events.map((e) => e.kind)).toEqual(['ignored', 'ignored', 'ignored', 'ignored']);
  });

  it('makes up no status word: an answer vpcd cannot frame (> 65 535 bytes, < 2 bytes) is lost with the card', async () => {
    for (const length of [65_538, 1]) {
      const odd: Card = Object.assign(new NullCard(), {
        transmit: () => new Uint8Array(length).fill(0x90),
      });
      const events: ViccEndpointEvent[] = [];
      const ep = new ViccEndpoint({ slot: slot(odd), onEvent: (e) => events.push(e) });
      await ep.handle(fromHex('01'));
      expect(await ep.handle(fromHex('00B0000000'))).toMatchObject({ kind: 'remove' });
      expect(events.at(-1)).toMatchObject({ kind: 'removed' });
      expect(odd.powered).toBe(false);
    }
  });

  it('a field-off-mid-command fault: the card processed the command, the answer is lost with the card', async () => {
    const { card } = await createDefaultCard();
    const seen: string[] = [];
    card.observe({ exchange: (e) => seen.push(toHex(e.command)) });
    const ep = new ViccEndpoint({
      slot: slot(card, [{ kind: 'field-off-mid-command', atApdu: 1 }]),
    });
    await ep.handle(fromHex('01'));
    expect((await ep.handle(PROBES[0] as Uint8Array)).kind).toBe('remove');
    expect(seen).toEqual([toHex(PROBES[0] as Uint8Array)]);
    expect(card.powered).toBe(false);
  });

  it('a tag-lost fault removes the card (the link must close)', async () => {
    const { card } = await createDefaultCard();
    const ep = new ViccEndpoint({ slot: slot(card, [{ kind: 'tag-lost', atApdu: 2 }]) });
    await ep.handle(fromHex('01'));
    expect((await ep.handle(PROBES[0] as Uint8Array)).kind).toBe('reply');
    expect((await ep.handle(PROBES[0] as Uint8Array)).kind).toBe('remove');
  });
});

describe('ViccClient over TCP (normal mode)', () => {
  it('serves the card through frames split at every offset of a realistic stream', async () => {
    const reader = await FakeVpcdReader.listen();
    cleanups.push(() => reader.close());
    const { card } = await createDefaultCard();
    const { card: twin } = await createDefaultCard();
    const { conn } = await clientOn(reader, card);
    const stream = Uint8Array.from([
      ...encodeVpcdFrame(fromHex('01')),
      ...encodeVpcdFrame(fromHex('04')),
      ...encodeVpcdFrame(PROBES[0] as Uint8Array),
      ...encodeVpcdFrame(PROBES[2] as Uint8Array),
    ]);
    twin.powerOn();
    const expected = [
      twin.atr,
      twin.transmit(PROBES[0] as Uint8Array),
      twin.transmit(PROBES[2] as Uint8Array),
    ].map((b) => toHex(b));
    for (let cut = 0; cut <= stream.length; cut++) {
      await conn.write(stream.subarray(0, cut));
      await new Promise((r) => setImmediate(r));
      await conn.write(stream.subarray(cut));
      const got = [await conn.next(), await conn.next(), await conn.next()].map((b) => toHex(b));
      expect(got, `split at ${cut}`).toEqual(expected);
    }
    expect(conn.unread).toBe(0);
  });

  it('keeps serving after garbage (unknown codes, empty frames)', async () => {
    const reader = await FakeVpcdReader.listen();
    cleanups.push(() => reader.close());
    const { card } = await createDefaultCard();
    const { conn } = await clientOn(reader, card);
    await conn.write(fromHex('0001FF 0000 000103 0001AB'));
    expect(await conn.request(fromHex('04'))).toEqual(card.atr);
    expect(conn.unread).toBe(0);
  });

  it('an oversized frame closes that card only; a card of the same process on another reader keeps working', async () => {
    const readerA = await FakeVpcdReader.listen();
    const readerB = await FakeVpcdReader.listen();
    cleanups.push(
      () => readerA.close(),
      () => readerB.close(),
    );
    const eventsA: ViccClientEvent[] = [];
    const clientA = new ViccClient({
      host: '127.0.0.1',
      port: readerA.port,
      slot: slot(new NullCard()),
      maxPayload: 300,
      backoff: FAST,
      onEvent: (e) => eventsA.push(e),
    });
    cleanups.push(() => clientA.stop());
    clientA.start();
    const b = await clientOn(readerB, (await createDefaultCard()).card);
    const a = await readerA.accept();
    await a.write(fromHex('0200'));
    await a.write(new Uint8Array(512));
    await a.closed;
    expect(eventsA.find((e) => e.kind === 'disconnected')).toMatchObject({
      reason: { kind: 'protocol-error', code: 'VPCD_FRAME_TOO_LONG' },
    });
    expect(await b.conn.request(fromHex('04'))).toEqual(b.client.slot.card.atr);
    await b.conn.send(fromHex('01'));
    expect((await b.conn.request(PROBES[0] as Uint8Array)).length).toBeGreaterThanOrEqual(2);
    const aAgain = await readerA.accept();
    expect(await aAgain.request(fromHex('04'))).toEqual(clientA.slot.card.atr);
  });

  it('abrupt close mid-APDU: the card loses power and is re-inserted with backoff', async () => {
    const reader = await FakeVpcdReader.listen();
    cleanups.push(() => reader.close());
    const { card } = await createDefaultCard();
    const power: string[] = [];
    card.observe({ power: (e) => power.push(e.kind) });
    const events: ViccClientEvent[] = [];
    const { conn } = await clientOn(reader, card, events);
    await conn.send(fromHex('01'));
    await conn.write(encodeVpcdFrame(PROBES[0] as Uint8Array).subarray(0, 4));
    conn.destroy();
    const again = await reader.accept();
    expect(await again.request(fromHex('04'))).toEqual(card.atr);
    expect(power).toEqual(['power-on', 'power-off']);
    expect(events.find((e) => e.kind === 'disconnected')).toMatchObject({
      reason: { kind: 'peer-closed' },
      retryInMs: FAST.initialMs,
    });
  });

  it('retries with growing delays while no reader listens, then connects', async () => {
    const reader = await FakeVpcdReader.listen();
    const port = reader.port;
    await reader.close();
    const events: ViccClientEvent[] = [];
    const client = new ViccClient({
      host: '127.0.0.1',
      port,
      slot: slot(new NullCard()),
      backoff: FAST,
      onEvent: (e) => events.push(e),
    });
    cleanups.push(() => client.stop());
    client.start();
    const failures = (): number[] =>
      events.flatMap((e) => (e.kind === 'connect-failed' ? [e.retryInMs] : []));
    for (let waited = 0; failures().length < 3 && waited < 3000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    const delays = failures();
    expect(delays.slice(0, 3)).toEqual([20, 40, 80]);
    expect(backoffDelay(FAST, 10)).toBe(200);
  });

  it('stop() removes the card for good', async () => {
    const reader = await FakeVpcdReader.listen();
    cleanups.push(() => reader.close());
    const { card } = await createDefaultCard();
    const { client, conn } = await clientOn(reader, card);
    await client.stop();
    await conn.closed;
    await new Promise((r) => setTimeout(r, 100));
    expect(reader.connections).toHaveLength(1);
    expect(client.connected).toBe(false);
  });
});

describe('ViccServer (reversed mode)', () => {
  it('serves one reader at a time, refuses a second, and accepts the next after a disconnect', async () => {
    const { card } = await createDefaultCard();
    const server = new ViccServer({ slot: slot(card), port: 0 });
    cleanups.push(() => server.close());
    const { host, port } = await server.listen();
    expect(host).toBe('127.0.0.1');
    const first = await connectToCard(port);
    expect(await first.request(fromHex('04'))).toEqual(card.atr);
    const second = await connectToCard(port);
    await second.closed;
    expect(await first.request(fromHex('04'))).toEqual(card.atr);
    first.destroy();
    await first.closed;
    await new Promise((r) => setTimeout(r, 50));
    const third = await connectToCard(port);
    expect(await third.request(fromHex('04'))).toEqual(card.atr);
    third.destroy();
  });
});

describe('backpressure (the reader waits for each answer)', () => {
  it('stops reading from a reader that does not read its answers, loses nothing, frees all on close', async () => {
    const { card } = await createDefaultCard();
    const { card: twin } = await createDefaultCard();
    twin.powerOn();
    const getData = fromHex('00CB3FFF0A4D087006BFA10102A380');
    const expected = toHex(twin.transmit(getData));
    let pausedSeen!: () => void;
    const paused = new Promise<void>((resolve) => (pausedSeen = resolve));
    let goneSeen!: () => void;
    const gone = new Promise<void>((resolve) => (goneSeen = resolve));
    const server = new ViccServer({
      slot: slot(card),
      port: 0,
      onEvent: (e) => {
        if (e.kind === 'reading-paused') pausedSeen();
        if (e.kind === 'reader-disconnected') goneSeen();
      },
    });
    cleanups.push(() => server.close());
    const { port } = await server.listen();
    const reader = await connectToCard(port);
    await reader.send(fromHex('01'));
    reader.socket.pause();
    const n = 10_000;
    const frame = encodeVpcdFrame(getData);
    const stream = new Uint8Array(frame.length * n);
    for (let i = 0; i < n; i++) stream.set(frame, i * frame.length);
    reader.socket.write(stream);
    await paused;
    reader.socket.resume();
    for (let i = 0; i < n; i++) {
      const answer = toHex(await reader.next(30_000));
      if (answer !== expected) expect(answer, `answer ${i}`).toBe(expected);
    }
    reader.destroy();
    await gone;
    expect(card.powered).toBe(false);
    const next = await connectToCard(port);
    cleanups.push(() => next.destroy());
    expect(await next.request(fromHex('04'))).toEqual(card.atr);
  });
});
