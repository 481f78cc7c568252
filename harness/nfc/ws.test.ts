import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import type { Card } from '../../emulator/src/card/card.ts';
import { createDefaultCard } from '../cards/card-registry.ts';
import { ChannelError } from '../channel/apdu-channel.ts';
import type { FaultInput } from './faults.ts';
import { frameWaitingTimeMs } from './iso-dep-config.ts';
import { clientFrame, RawWs } from './testing/raw-ws.ts';
import { NfcClientError, IsoDepClient, TagLostError } from './ws-client.ts';
import { WsNfcChannel } from './ws-nfc-channel.ts';
import { CLOSE_CARD_BUSY, NfcServer, type NfcServerEvent } from './ws-server.ts';
import { parseServerMessage } from './protocol.ts';

const SELECT_MF = fromHex('00A4000C023F00');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(
  o: { exclusive?: Card; faults?: FaultInput[]; events?: NfcServerEvent[] } = {},
): Promise<{ url: string; port: number; cards: Card[] }> {
  const cards: Card[] = [];
  const server = new NfcServer({
    port: 0,
    card: async () => {
      const card = o.exclusive ?? (await createDefaultCard()).card;
      cards.push(card);
      return card;
    },
    ...(o.exclusive ? { exclusive: true } : {}),
    ...(o.faults ? { faults: o.faults } : {}),
    onEvent: (e) => o.events?.push(e),
  });
  const { url, port } = await server.listen();
  cleanups.push(() => server.close());
  return { url, port, cards };
}

async function client(
  url: string,
  options: Parameters<typeof IsoDepClient.connect>[1] = {},
): Promise<IsoDepClient> {
  const c = await IsoDepClient.connect(url, options);
  cleanups.push(() => c.close());
  return c;
}

async function twinAnswer(command: Uint8Array): Promise<Uint8Array> {
  const { card } = await createDefaultCard();
  card.powerOn();
  return card.transmit(command);
}

describe('NFC endpoint over WebSocket (PROTOCOL.md)', () => {
  it('activates the tag and transceives APDUs with the card', async () => {
    const { url, cards } = await serve();
    const c = await client(url);
    expect(c.uid[0]).toBe(0x08);
    expect(c.activation.atr).toBe(toHex(cards[0]!.atr));
    expect(c.maxTransceiveLength).toBe(65_546);
    expect(c.isExtendedLengthApduSupported()).toBe(true);
    expect(await c.transceive(SELECT_MF)).toEqual(await twinAnswer(SELECT_MF));
  });

  it('listens on loopback only by default', async () => {
    const { url } = await serve();
    expect(url.startsWith('ws://127.0.0.1:')).toBe(true);
  });

  it('applies configuration sent before the field is switched on', async () => {
    const { url } = await serve();
    const c = await client(url, {
      isoDep: {
        uid: '04A0A1A2A3A4A5',
        maxTransceiveLength: 261,
        extendedLengthSupported: false,
        fwi: 5,
      },
    });
    expect(toHex(c.uid)).toBe('04A0A1A2A3A4A5');
    expect(c.maxTransceiveLength).toBe(261);
    expect(c.isExtendedLengthApduSupported()).toBe(false);
    expect(c.activation.fwtMs).toBeCloseTo(frameWaitingTimeMs(5), 2);
    await expect(c.transceive(new Uint8Array(262))).rejects.toMatchObject({
      code: 'NFC_TRANSCEIVE_FAILED',
    });
  });

  it('validates every control message with zod, answers an error, and keeps the session', async () => {
    const { port } = await serve();
    const raw = await RawWs.open(port);
    cleanups.push(() => raw.destroy());
    expect(await raw.nextJson()).toMatchObject({ type: 'hello', protocol: 'ciebench-nfc/1' });
    const bad = [
      'not json',
      '[]',
      '{"type":"fly"}',
      '{"type":"field"}',
      '{"type":"field","on":"yes"}',
      '{"type":"field","on":true,"extra":1}',
      '{"type":"configure","isoDep":{"fwi":99}}',
      '{"type":"configure","isoDep":{"uid":"0102"}}',
      '{"type":"faults","faults":[{"kind":"tag-lost","atApdu":0}]}',
      '{"type":"faults","faults":[{"kind":"meteor"}]}',
    ];
    for (const text of bad) {
      await raw.write(clientFrame(1, new TextEncoder().encode(text)));
      expect(await raw.nextJson(), text).toMatchObject({ type: 'error', code: 'NFC_BAD_MESSAGE' });
    }
    await raw.write(clientFrame(2, SELECT_MF));
    expect(await raw.nextJson()).toMatchObject({ type: 'error', code: 'NFC_FIELD_OFF' });
    await raw.write(clientFrame(1, new TextEncoder().encode('{"type":"field","on":true}')));
    expect(await raw.nextJson()).toMatchObject({ type: 'activated' });
    await raw.write(clientFrame(1, new TextEncoder().encode('{"type":"configure","isoDep":{}}')));
    expect(await raw.nextJson()).toMatchObject({ type: 'error', code: 'NFC_BAD_STATE' });
    await raw.write(clientFrame(2, new Uint8Array(0)));
    expect(await raw.nextJson()).toMatchObject({ type: 'error', code: 'NFC_EMPTY_COMMAND' });
    await raw.write(clientFrame(2, SELECT_MF));
    expect((await raw.next()).payload).toEqual(await twinAnswer(SELECT_MF));
  });

  it('answers correctly whatever offset the client byte stream is split at', async () => {
    const { port } = await serve();
    const stream = Uint8Array.from([
      ...clientFrame(1, new TextEncoder().encode('{"type":"field","on":true}')),
      ...clientFrame(2, SELECT_MF),
    ]);
    const expected = await twinAnswer(SELECT_MF);
    for (let cut = 0; cut <= stream.length; cut++) {
      const raw = await RawWs.open(port);
      await raw.nextJson();
      await raw.write(stream.subarray(0, cut));
      await new Promise((r) => setImmediate(r));
      await raw.write(stream.subarray(cut));
      expect(await raw.nextJson(), `split at ${cut}`).toMatchObject({ type: 'activated' });
      expect((await raw.next()).payload, `split at ${cut}`).toEqual(expected);
      raw.destroy();
    }
  });

  it('an abruptly closed session mid-APDU does not disturb another session', async () => {
    const events: NfcServerEvent[] = [];
    const { url, port, cards } = await serve({ events });
    const steady = await client(url);
    const raw = await RawWs.open(port);
    await raw.nextJson();
    await raw.write(clientFrame(1, new TextEncoder().encode('{"type":"field","on":true}')));
    await raw.nextJson();
    await raw.write(clientFrame(2, SELECT_MF).subarray(0, 5));
    raw.destroy();
    // Wait for the server to see the connection go (the condition decides, not a fixed delay).
    await new Promise<void>((resolve) => {
      const check = (): void =>
        events.some((e) => e.kind === 'session-closed') ? resolve() : void setTimeout(check, 5);
      check();
    });
    expect(await steady.transceive(SELECT_MF)).toEqual(await twinAnswer(SELECT_MF));
    expect(cards[1]?.powered).toBe(false);
  });

  it('tag lost at APDU n: TagLostError, then every transceive fails until reconnect (a new tap)', async () => {
    const { url } = await serve();
    const c = await client(url, { faults: [{ kind: 'tag-lost', atApdu: 2 }] });
    await c.transceive(SELECT_MF);
    await expect(c.transceive(SELECT_MF)).rejects.toBeInstanceOf(TagLostError);
    await expect(c.transceive(SELECT_MF)).rejects.toMatchObject({ code: 'NFC_TAG_LOST' });
    expect(c.isConnected).toBe(false);
    const oldUid = toHex(c.uid);
    await c.reconnect();
    expect(toHex(c.uid)).not.toBe(oldUid);
    expect(await c.transceive(SELECT_MF)).toEqual(await twinAnswer(SELECT_MF));
  });

  it('announces a tag-lost-after fault while idle', async () => {
    const events: NfcServerEvent[] = [];
    const { url } = await serve({ events });
    const c = await client(url, { faults: [{ kind: 'tag-lost-after', ms: 40 }] });
    await new Promise((r) => setTimeout(r, 120));
    await expect(c.transceive(SELECT_MF)).rejects.toBeInstanceOf(TagLostError);
    expect(events.some((e) => e.kind === 'tag-lost')).toBe(true);
  });

  it('WTX: a slow answer beyond FWT arrives with S(WTX) rounds announced', async () => {
    const { url } = await serve();
    const c = await client(url, {
      isoDep: { fwi: 2 },
      faults: [{ kind: 'delay', atApdu: 1, ms: 30 }],
    });
    expect(await c.transceive(SELECT_MF)).toEqual(await twinAnswer(SELECT_MF));
    expect(c.lastWtx).toBeGreaterThan(0);
  });

  it('transceive timeout (IsoDep.setTimeout): NFC_TIMEOUT, then the tag is dead', async () => {
    const { url } = await serve();
    const c = await client(url, { faults: [{ kind: 'delay', atApdu: 1, ms: 300 }] });
    c.timeout = 50;
    await expect(c.transceive(SELECT_MF)).rejects.toMatchObject({ code: 'NFC_TIMEOUT' });
    await expect(c.transceive(SELECT_MF)).rejects.toBeInstanceOf(NfcClientError);
  });

  it('an exclusive card serves one session at a time (close code 4409 for the second)', async () => {
    const { card } = await createDefaultCard();
    const { url } = await serve({ exclusive: card });
    const first = await client(url);
    const second = new WebSocket(url);
    const code = await new Promise<number>((resolve) => second.on('close', (c) => resolve(c)));
    expect(code).toBe(CLOSE_CARD_BUSY);
    expect(await first.transceive(SELECT_MF)).toEqual(await twinAnswer(SELECT_MF));
  });
});

describe('protocol evolution (PROTOCOL.md §7)', () => {
  it('clients ignore unknown server message types and reject malformed known ones', () => {
    expect(parseServerMessage('{"type":"field-strength","dbm":-40}')).toBeUndefined();
    expect(parseServerMessage('{"type":"wtx","seq":1,"count":2,"extra":true}')).toMatchObject({
      type: 'wtx',
      count: 2,
    });
    expect(() => parseServerMessage('{"type":"wtx","seq":"one"}')).toThrow();
  });
});

describe('WsNfcChannel (ApduChannel over the NFC endpoint)', () => {
  it('connects to the card ATR, transmits, resets, and maps a lost tag to TAG_LOST', async () => {
    const { url, cards } = await serve({ faults: [{ kind: 'tag-lost', atApdu: 2 }] });
    const ch = new WsNfcChannel(url);
    cleanups.push(() => ch.close());
    expect(await ch.connect()).toEqual(cards[0]!.atr);
    expect(await ch.transmit(SELECT_MF)).toEqual(await twinAnswer(SELECT_MF));
    await expect(ch.transmit(SELECT_MF)).rejects.toEqual(
      expect.objectContaining({ code: 'TAG_LOST' }),
    );
    await expect(ch.transmit(SELECT_MF)).rejects.toBeInstanceOf(ChannelError);
    expect(await ch.reset()).toEqual(cards[0]!.atr);
    expect(await ch.transmit(SELECT_MF)).toEqual(await twinAnswer(SELECT_MF));
  });

  it('reports a missing endpoint clearly', async () => {
    const ch = new WsNfcChannel('ws://127.0.0.1:9', { connectTimeoutMs: 2000 });
    await expect(ch.connect()).rejects.toMatchObject({
      code: 'TRANSMIT_FAILED',
      message: expect.stringContaining('ws://127.0.0.1:9'),
    });
  });
});
