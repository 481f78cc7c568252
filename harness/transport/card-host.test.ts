import { afterEach, describe, expect, it } from 'vitest';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import type { ExchangeEvent } from '../../emulator/src/card/card.ts';
import { createDefaultCard } from '../cards/card-registry.ts';
import { defaultVpcd, parseEndpoint, parseNfcUrl } from '../cli/commands/card-start.ts';
import { IsoDepClient } from '../nfc/ws-client.ts';
import { FakeVpcdReader } from '../vpcd/testing/fake-reader.ts';
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
