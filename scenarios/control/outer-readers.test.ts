/**
 * A managed card that also sits in readers outside the process (the bench's CardHost: a vpcd
 * reader and the NFC endpoint, as `ciebench start` runs it): the control server's faults hold
 * their exchanges, Remove takes the card out of them — a held PC/SC command never reaches the
 * card and the reader sees the card go — and Insert puts it back. The vpcd reader here is the
 * scripted one of the harness tests (pcscd + vpcd in the integration test of `ciebench start`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import { cieCardFromImage } from '../../emulator/src/profiles/cie-card-image.ts';
import { resolveCardSpec } from '../../harness/cards/card-registry.ts';
import { IsoDepClient } from '../../harness/nfc/ws-client.ts';
import { CardHost } from '../../harness/transport/card-host.ts';
import { FakeVpcdReader, type ReaderConnection } from '../../harness/vpcd/testing/fake-reader.ts';
import { Station } from './station.ts';
import type { ControlCard } from './control-card.ts';

const SELECT_MF = fromHex('00A4000C023F00');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Rig {
  readonly managed: ControlCard;
  readonly reader: FakeVpcdReader;
  readonly nfcUrl: string;
  /** Commands the card itself received. */
  readonly atCard: string[];
}

async function rig(): Promise<Rig> {
  const station = new Station();
  cleanups.push(() => station.close());
  const recipe = resolveCardSpec('default');
  const cie = cieCardFromImage(recipe.image!, { profile: recipe.personality });
  const atCard: string[] = [];
  cie.card.observe({ exchange: (e) => atCard.push(toHex(e.command)) });
  const managed = station.card(
    station.adoptCard(recipe, { card: cie.card, secrets: cie.secrets }).id,
  );
  const reader = await FakeVpcdReader.listen();
  cleanups.push(() => reader.close());
  const host = new CardHost({
    card: cie.card,
    description: recipe.description,
    vpcd: { host: '127.0.0.1', port: reader.port },
    nfc: { host: '127.0.0.1', port: 0 },
    gate: managed.slot.gate,
  });
  cleanups.push(() => host.stop());
  const addresses = await host.start();
  managed.attachOuter({
    places: [`vpcd ${addresses.vpcd ?? '?'}`, `nfc ${addresses.nfc ?? '?'}`],
    removeCard: () => host.removeCard(),
    insertCard: () => host.insertCard(),
  });
  return { managed, reader, nfcUrl: addresses.nfc as string, atCard };
}

async function powered(reader: FakeVpcdReader): Promise<ReaderConnection> {
  const conn = await reader.accept();
  await conn.send(fromHex('01'));
  return conn;
}

describe('a managed card in outer readers (vpcd, NFC)', () => {
  it('shows where else the card is', async () => {
    const { managed } = await rig();
    expect(managed.state.places).toHaveLength(2);
    expect(managed.state.places[0]).toMatch(/^vpcd 127\.0\.0\.1:\d+$/);
  });

  it('a stall holds the PC/SC command; Remove pulls the card before the command reaches it, Insert puts it back', async () => {
    const { managed, reader, atCard } = await rig();
    const conn = await powered(reader);
    managed.setFaults({ delayMs: 0, stallAfter: 1 });
    expect(toHex(await conn.request(SELECT_MF))).toBe('9000');
    await conn.send(fromHex('00A4000C020000'));
    await expect.poll(() => managed.state.stalledSessions).toBe(1);
    managed.slot.remove();
    await conn.closed;
    expect(conn.unread).toBe(0); // the held command got no answer: the card was pulled
    await managed.slot.settle();
    expect(atCard).toEqual(['00A4000C023F00']);
    expect(managed.state).toMatchObject({ reader: 'removed', stalledSessions: 0 });
    // Out of the reader until the bench puts it back.
    await expect(reader.accept(300)).rejects.toThrow(/no card connected/);
    managed.setFaults({ delayMs: 0 });
    managed.slot.insert();
    const again = await powered(reader);
    expect(toHex(await again.request(SELECT_MF))).toBe('9000');
  });

  it('the card leaves the field after n PC/SC exchanges (removeAfter) and stays out', async () => {
    const { managed, reader, atCard } = await rig();
    const conn = await powered(reader);
    managed.setFaults({ delayMs: 0, removeAfter: 2 });
    for (let i = 0; i < 2; i++) expect(toHex(await conn.request(SELECT_MF))).toBe('9000');
    void conn.request(SELECT_MF).catch(() => undefined);
    await conn.closed;
    expect(atCard).toHaveLength(2);
    expect(managed.state.reader).toBe('removed');
    expect(managed.state.faults.removeAfter).toBeUndefined();
  });

  it('Remove during an NFC session: the next APDU finds the tag lost; after Insert a new session works', async () => {
    const { managed, nfcUrl, atCard } = await rig();
    const phone = await IsoDepClient.connect(nfcUrl);
    cleanups.push(() => phone.close());
    expect(toHex(await phone.transceive(SELECT_MF))).toBe('9000');
    managed.slot.remove();
    await managed.slot.settle();
    await expect(phone.transceive(SELECT_MF)).rejects.toMatchObject({ code: 'NFC_TAG_LOST' });
    expect(atCard).toEqual(['00A4000C023F00']);
    await phone.close();
    managed.slot.insert();
    const next = await IsoDepClient.connect(nfcUrl);
    cleanups.push(() => next.close());
    expect(toHex(await next.transceive(SELECT_MF))).toBe('9000');
  });
});
