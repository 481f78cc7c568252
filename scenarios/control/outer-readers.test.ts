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
import { FakeVpcdReader, type ReaderConnection } from '../../harness/vpcd/testing/fake-reader.ts';
import { DEFAULT_BACKOFF } from '../../harness/vpcd/vicc-client.ts';
import { BenchReaders } from './bench-readers.ts';
import { Station } from './station.ts';
import type { ControlCard } from './control-card.ts';

const SELECT_MF = fromHex('00A4000C023F00');
/** Longer than the vpcd client's first reconnect delay (DEFAULT_BACKOFF.initialMs). */
const NO_RECONNECT_MS = DEFAULT_BACKOFF.initialMs + 300;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Rig {
  readonly station: Station;
  readonly readers: BenchReaders;
  readonly managed: ControlCard;
  readonly reader: FakeVpcdReader;
  readonly nfcUrl: string;
  /** Commands the card itself received. */
  readonly atCard: string[];
}

/** A station with the bench's readers (a scripted vpcd reader, an NFC endpoint), one card in both. */
async function rig(): Promise<Rig> {
  const station = new Station();
  cleanups.push(() => station.close());
  const reader = await FakeVpcdReader.listen();
  cleanups.push(() => reader.close());
  const readers = new BenchReaders({
    vpcd: { host: '127.0.0.1', port: reader.port },
    nfc: { host: '127.0.0.1', port: 0 },
  });
  station.attachReaders(readers);
  const { managed, atCard } = adopt(station, 'default');
  await station.placeCard(managed.id, ['vpcd', 'nfc']);
  return { station, readers, managed, reader, nfcUrl: readers.nfcUrl as string, atCard };
}

/** A card of `spec` managed by the station, with the commands it receives. */
function adopt(station: Station, spec: string): { managed: ControlCard; atCard: string[] } {
  const recipe = resolveCardSpec(spec);
  const cie = cieCardFromImage(recipe.image!, { profile: recipe.personality });
  const atCard: string[] = [];
  cie.card.observe({ exchange: (e) => atCard.push(toHex(e.command)) });
  const managed = station.card(
    station.adoptCard(recipe, { card: cie.card, secrets: cie.secrets }).id,
  );
  return { managed, atCard };
}

async function powered(reader: FakeVpcdReader): Promise<ReaderConnection> {
  const conn = await reader.accept();
  await conn.send(fromHex('01'));
  return conn;
}

describe('a managed card in outer readers (vpcd, NFC)', () => {
  it('shows where else the card is, and which card each bench reader holds', async () => {
    const { managed, station, reader, nfcUrl } = await rig();
    expect(managed.state.places).toEqual([
      `virtual PC/SC reader (vpcd 127.0.0.1:${reader.port})`,
      `NFC endpoint ${nfcUrl}`,
    ]);
    expect(station.listReaders()).toEqual([
      { reader: 'vpcd', address: `127.0.0.1:${reader.port}`, card: managed.id },
      { reader: 'nfc', address: nfcUrl, card: managed.id },
    ]);
  });

  it('placing another card in the NFC endpoint takes the first out of it (same URL), not out of the PC/SC reader', async () => {
    const { station, managed, reader, nfcUrl, atCard } = await rig();
    const conn = await powered(reader);
    // Another card: the same citizen on the Gemalto personality (no new keys to make).
    const other = adopt(station, 'gemalto');
    await station.placeCard(other.managed.id, ['nfc']);
    expect(station.listReaders()).toEqual([
      { reader: 'vpcd', address: `127.0.0.1:${reader.port}`, card: managed.id },
      { reader: 'nfc', address: nfcUrl, card: other.managed.id },
    ]);
    expect(managed.state.places).toEqual([`virtual PC/SC reader (vpcd 127.0.0.1:${reader.port})`]);
    expect(other.managed.state.places).toEqual([`NFC endpoint ${nfcUrl}`]);
    const phone = await IsoDepClient.connect(nfcUrl);
    cleanups.push(() => phone.close());
    expect(toHex(await phone.transceive(SELECT_MF))).toBe('9000');
    expect(other.atCard).toEqual(['00A4000C023F00']);
    // The first card was brought up afresh on the PC/SC reader alone: a new connection.
    await conn.closed;
    const again = await powered(reader);
    expect(toHex(await again.request(SELECT_MF))).toBe('9000');
    expect(atCard).toEqual(['00A4000C023F00']);
    // Out of every bench reader: the PC/SC reader sees it go.
    await station.placeCard(managed.id, []);
    await again.closed;
    expect(station.listReaders()[0]).toEqual({
      reader: 'vpcd',
      address: `127.0.0.1:${reader.port}`,
    });
  });

  it('a card cannot go in a reader the bench does not have; a station without bench readers says so', async () => {
    const { station, managed } = await rig();
    const lone = new Station();
    cleanups.push(() => lone.close());
    const card = lone.createCard('default');
    await expect(lone.placeCard(card.id, ['nfc'])).rejects.toThrow(/come with `ciebench start`/);
    expect(lone.listReaders()).toEqual([]);
    const noNfc = new BenchReaders({});
    await expect(noNfc.place(managed, ['nfc'])).rejects.toThrow(/no NFC endpoint/);
    expect(station.listReaders()).toHaveLength(2);
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
    // Out of the reader until the bench puts it back (longer than the first reconnect delay).
    await expect(reader.accept(NO_RECONNECT_MS)).rejects.toThrow(/no card connected/);
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
    await expect(reader.accept(NO_RECONNECT_MS)).rejects.toThrow(/no card connected/);
  });

  it('a held PC/SC command does not keep the card when it moves out of the reader', async () => {
    const { station, managed, reader } = await rig();
    const conn = await powered(reader);
    managed.setFaults({ delayMs: 0, stallAfter: 0 });
    await conn.send(SELECT_MF);
    await expect.poll(() => managed.state.stalledSessions).toBe(1);
    await station.placeCard(managed.id, ['nfc']);
    await conn.closed;
    expect(conn.unread).toBe(0);
    expect(managed.state.stalledSessions).toBe(0);
    expect(station.listReaders()[0]).not.toHaveProperty('card');
  });

  it('Remove, Insert, Remove in quick succession leave the card out of the reader', async () => {
    const { managed, reader } = await rig();
    await powered(reader);
    managed.setFaults({ delayMs: 250 });
    managed.slot.remove();
    managed.slot.insert();
    managed.slot.remove();
    await managed.slot.settle();
    // Absence is proved by waiting past the reconnect delay: no link to the reader is left open.
    await new Promise((r) => setTimeout(r, NO_RECONNECT_MS));
    expect(reader.connections.every((c) => c.socket.destroyed || c.socket.closed)).toBe(true);
    expect(managed.state.reader).toBe('removed');
  });

  it('a reset by the bench is a removal and re-insertion for the PC/SC reader', async () => {
    const { managed, reader } = await rig();
    const conn = await powered(reader);
    managed.slot.reset();
    await conn.closed;
    const again = await powered(reader);
    expect(toHex(await again.request(SELECT_MF))).toBe('9000');
  });

  it('an in-process session does not wait for a PC/SC command held in a stall: that command is lost as in a removal', async () => {
    const { station, managed, reader, atCard } = await rig();
    const conn = await powered(reader);
    managed.setFaults({ delayMs: 0, stallAfter: 0 });
    await conn.send(fromHex('00A4000C02ABCD'));
    await expect.poll(() => managed.state.stalledSessions).toBe(1);
    managed.setFaults({ delayMs: 0 });
    const { done } = station.startIasLogin(managed.id, { style: 'desktop' });
    await conn.closed;
    expect(conn.unread).toBe(0);
    expect((await done).status).toEqual({ kind: 'passed' });
    expect(atCard).not.toContain('00A4000C02ABCD');
  });

  it('an in-process session takes the card out of the PC/SC reader while it runs, and gives it back', async () => {
    const { station, managed, reader } = await rig();
    const conn = await powered(reader);
    const { done } = station.startIasLogin(managed.id, { style: 'desktop' });
    await conn.closed;
    expect((await done).status).toEqual({ kind: 'passed' });
    const back = await powered(reader);
    expect(toHex(await back.request(SELECT_MF))).toBe('9000');
  });

  it('field off mid-command on PC/SC: the card processes APDU n, its answer is lost and it is out', async () => {
    const { managed, reader, atCard } = await rig();
    const conn = await powered(reader);
    managed.setFaults({ delayMs: 0, fieldOffAt: 2 });
    expect(toHex(await conn.request(SELECT_MF))).toBe('9000');
    await conn.send(fromHex('00A4000C020000'));
    await conn.closed;
    expect(conn.unread).toBe(0);
    expect(atCard).toEqual(['00A4000C023F00', '00A4000C020000']);
    expect(managed.state).toMatchObject({ reader: 'removed', faults: { delayMs: 0 } });
    expect(managed.state.faults.fieldOffAt).toBeUndefined();
  });

  it("a corrupted answer on NFC: APDU n's answer has one bit flipped, once", async () => {
    const { managed, nfcUrl } = await rig();
    const phone = await IsoDepClient.connect(nfcUrl);
    cleanups.push(() => phone.close());
    managed.setFaults({ delayMs: 0, corruptAt: 2 });
    expect(toHex(await phone.transceive(SELECT_MF))).toBe('9000');
    expect(toHex(await phone.transceive(SELECT_MF))).toBe('9001');
    expect(toHex(await phone.transceive(SELECT_MF))).toBe('9000');
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
