import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import type { ExchangeEvent } from '../../emulator/src/card/card.ts';
import { createDefaultCard } from '../cards/card-registry.ts';
import { defaultVpcd, parseEndpoint, parseNfcUrl } from '../cli/commands/card-start.ts';
import { clientFrame, RawWs } from '../nfc/testing/raw-ws.ts';
import { IsoDepClient } from '../nfc/ws-client.ts';
import { CLOSE_CARD_BUSY } from '../nfc/ws-server.ts';
import { connectToCard, FakeVpcdReader } from '../vpcd/testing/fake-reader.ts';
import { CardHost } from './card-host.ts';
import { formatExchange, maskedCommandHex } from './live-log.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function event(
  command: string,
  response: string,
  extra: Partial<ExchangeEvent> = {},
): ExchangeEvent {
  return {
    command: fromHex(command),
    response: fromHex(response),
    tStart: 0,
    tEnd: 210,
    notes: [],
    ...extra,
  };
}

describe('live log (one line per APDU, secrets masked)', () => {
  it('masks the PIN of a plain VERIFY and shows it only on request', () => {
    const e = event('0020008108 3132333435363738', '9000');
    const line = formatExchange('vpcd:35980', 7, e, {}, new Date('2026-01-01T10:00:00.123Z'));
    expect(line).toBe(
      '10:00:00.123 vpcd:35980 #7 VERIFY         > 0020008108**************** < 9000  0.21 ms',
    );
    expect(line).not.toContain('3132');
    expect(formatExchange('t', 1, e, { revealSecrets: true })).toContain(
      '00200081083132333435363738',
    );
  });

  it('masks the plain form of a protected VERIFY and marks it (SM)', () => {
    const e = event(
      '0C2000811D 871101AABBCCDDEEFF00112233445566778899 8E08 0102030405060708',
      '990290008E080102030405060708 9000',
      {
        plainCommand: fromHex('0020008108 3132333435363738'),
        plainResponse: fromHex('9000'),
      },
    );
    const text = formatExchange('nfc#1', 2, e);
    expect(text).toContain('(SM) VERIFY');
    expect(text).toContain('plain > 0020008108****************');
    expect(text).not.toContain('31323334');
  });

  it('shortens long data and masks CHANGE REFERENCE DATA / RESET RETRY COUNTER values', () => {
    expect(maskedCommandHex(new Uint8Array(100), false, 8)).toBe('0000000000000000…(100 bytes)');
    expect(
      maskedCommandHex(fromHex('0024008110 31313131313131313232323232323232'), false, 48),
    ).toBe(`0024008110${'**'.repeat(16)}`);
    expect(
      maskedCommandHex(fromHex('002C000110 31313131313131313232323232323232'), false, 48),
    ).toBe(`002C000110${'**'.repeat(16)}`);
  });
});

describe('card start options', () => {
  it('parses host:port and ws URLs and rejects anything else', () => {
    expect(parseEndpoint('127.0.0.1:35980', '--vpcd')).toEqual({ host: '127.0.0.1', port: 35980 });
    expect(parseNfcUrl('ws://127.0.0.1:35990')).toEqual({ host: '127.0.0.1', port: 35990 });
    expect(() => parseEndpoint('localhost', '--vpcd')).toThrow(/host:port/);
    expect(() => parseEndpoint('127.0.0.1:70000', '--vpcd')).toThrow(/range/);
    expect(() => parseNfcUrl('http://127.0.0.1:1')).toThrow(/ws:\/\//);
  });

  it('prefers the CIE Bench driver, then Debian vpcd (on the quickack address when routed), and says when there is none', () => {
    const base = {
      pcscdInstalled: true,
      pcscdRunning: true,
      vpcdInstalled: true,
      driverInstalled: true,
      quickack: false,
      binding: true,
    };
    expect(defaultVpcd(base).endpoint).toEqual({ host: '127.0.0.1', port: 35980 });
    expect(defaultVpcd({ ...base, driverInstalled: false }).endpoint).toEqual({
      host: '127.0.0.1',
      port: 35963,
    });
    expect(defaultVpcd({ ...base, driverInstalled: false }).text).toMatch(/44-88 ms/);
    expect(defaultVpcd({ ...base, driverInstalled: false, quickack: true }).endpoint).toEqual({
      host: '127.0.0.2',
      port: 35963,
    });
    expect(defaultVpcd({ ...base, pcscdRunning: false }).endpoint).toBeUndefined();
    expect(defaultVpcd({ ...base, driverInstalled: false, vpcdInstalled: false }).text).toMatch(
      /neither/,
    );
  });
});

describe('CardHost: one card, one place at a time', () => {
  it('takes the card out of the PC/SC reader during an NFC session and puts it back afterwards', async () => {
    const reader = await FakeVpcdReader.listen();
    cleanups.push(() => reader.close());
    const { card } = await createDefaultCard();
    const lines: string[] = [];
    const host = new CardHost({
      card,
      description: 'test',
      vpcd: { host: '127.0.0.1', port: reader.port },
      nfc: { host: '127.0.0.1', port: 0 },
      onLine: (t, x) => lines.push(`${t} ${x}`),
    });
    cleanups.push(() => host.stop());
    const addresses = await host.start();
    const first = await reader.accept();
    await first.send(fromHex('01'));
    expect(await first.request(fromHex('04'))).toEqual(card.atr);
    const nfc = await IsoDepClient.connect(addresses.nfc as string);
    await first.closed;
    expect(card.powered).toBe(true);
    expect((await nfc.transceive(fromHex('00A4000C023F00'))).length).toBeGreaterThanOrEqual(2);
    await nfc.close();
    const back = await reader.accept(5000);
    expect(await back.request(fromHex('04'))).toEqual(card.atr);
    expect(lines.some((l) => l.includes('the card leaves the PC/SC reader'))).toBe(true);
  });

  it("with nfcCards 'fresh', NFC sessions get their own card and the reader keeps the main one", async () => {
    const reader = await FakeVpcdReader.listen();
    cleanups.push(() => reader.close());
    const { card } = await createDefaultCard();
    const host = new CardHost({
      card,
      description: 'test',
      vpcd: { host: '127.0.0.1', port: reader.port },
      nfc: { host: '127.0.0.1', port: 0 },
      nfcCards: 'fresh',
      freshCard: async () => (await createDefaultCard()).card,
    });
    cleanups.push(() => host.stop());
    const addresses = await host.start();
    const conn = await reader.accept();
    const a = await IsoDepClient.connect(addresses.nfc as string);
    const b = await IsoDepClient.connect(addresses.nfc as string);
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    expect((await a.transceive(fromHex('00A4000C023F00'))).length).toBeGreaterThanOrEqual(2);
    expect((await b.transceive(fromHex('00A4000C023F00'))).length).toBeGreaterThanOrEqual(2);
    expect(await conn.request(fromHex('04'))).toEqual(card.atr);
  });
});

describe('CardHost: a vanished NFC session keeps the card until its command has finished', () => {
  it('refuses the next NFC session and the PC/SC reader until then; the card is never powered off under them', async () => {
    const { card } = await createDefaultCard();
    let challengeInCard!: () => void;
    const inCard = new Promise<void>((resolve) => (challengeInCard = resolve));
    card.observe({ exchange: (e) => toHex(e.command) === '0084000008' && challengeInCard() });
    const lines: string[] = [];
    let closedSeen!: () => void;
    const firstClosed = new Promise<void>((resolve) => (closedSeen = resolve));
    const host = new CardHost({
      card,
      description: 'test',
      vpcdListen: { host: '127.0.0.1', port: 0 },
      nfc: { host: '127.0.0.1', port: 0 },
      onLine: (t, x) => {
        lines.push(`${t} ${x}`);
        if (t === 'nfc#1' && x.startsWith('session closed')) closedSeen();
      },
    });
    cleanups.push(() => host.stop());
    const addresses = await host.start();
    const nfcPort = Number(new URL(addresses.nfc as string).port);
    const vpcdPort = Number((addresses.vpcdListen as string).split(':')[1]);
    const a = await RawWs.open(nfcPort);
    await a.nextJson();
    const faults = '[{"kind":"delay","atApdu":1,"ms":1500}]';
    await a.write(clientFrame(1, new TextEncoder().encode(`{"type":"faults","faults":${faults}}`)));
    await a.write(clientFrame(1, new TextEncoder().encode('{"type":"field","on":true}')));
    await a.nextJson();
    await a.nextJson();
    await a.write(clientFrame(2, fromHex('0084000008')));
    await inCard;
    a.socket.resetAndDestroy();
    const b = new WebSocket(addresses.nfc as string);
    expect(await new Promise<number>((resolve) => b.on('close', (c) => resolve(c)))).toBe(
      CLOSE_CARD_BUSY,
    );
    const early = await connectToCard(vpcdPort);
    await early.closed; // the reader is turned away: the card is still in the NFC field
    await firstClosed;
    const reader = await connectToCard(vpcdPort);
    cleanups.push(() => reader.destroy());
    await reader.send(fromHex('01'));
    for (let i = 0; i < 3; i++)
      expect(toHex(await reader.request(fromHex('00A4000C023F00')))).toBe('9000');
    expect(lines.filter((l) => l.includes('refused'))).toHaveLength(2);
  });
});
