import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import { ManualClock } from '../../emulator/src/crypto/clock.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { createDefaultCard } from '../cards/card-registry.ts';
import { corrupt, FaultPlan } from './faults.ts';
import {
  blocksFor,
  buildAts,
  frameSize,
  frameWaitingTimeMs,
  isoDepConfig,
} from './iso-dep-config.ts';
import { IsoDepSession, type TransceiveResult } from './iso-dep-session.ts';

const SELECT_MF = fromHex('00A4000C023F00');

async function newSession(o: Partial<ConstructorParameters<typeof IsoDepSession>[0]> = {}) {
  const { card } = await createDefaultCard();
  const slept: number[] = [];
  const clock = new ManualClock();
  const s = new IsoDepSession({
    card,
    rng: seededRng('iso-dep'),
    clock,
    sleep: async (ms) => void slept.push(ms),
    ...o,
  });
  return { s, card, slept, clock };
}

function response(r: TransceiveResult): Uint8Array {
  if (r.kind !== 'response') throw new Error(`expected a response, got ${JSON.stringify(r)}`);
  return r.response;
}

describe('ISO-DEP parameters (ISO/IEC 14443-3/-4)', () => {
  it('frame sizes FSCI 0..12 and FWT = 302 µs · 2^FWI (§5.2.3, §7.2)', () => {
    expect([0, 5, 8, 12].map(frameSize)).toEqual([16, 64, 256, 4096]);
    expect(frameWaitingTimeMs(0)).toBeCloseTo(0.302, 3);
    expect(frameWaitingTimeMs(4)).toBeCloseTo(4.83, 2);
    expect(frameWaitingTimeMs(14)).toBeCloseTo(4949, 0);
  });

  it('builds ATS = TL T0 TA1 TB1 TC1 historical bytes', () => {
    const c = isoDepConfig({ fsci: 8, fwi: 7, sfgi: 2, tc1: 0x02 });
    expect(toHex(buildAts(c, fromHex('8031')))).toBe('0778007202' + '8031');
  });

  it('counts chained I-blocks (PCB + CRC = 3 bytes per frame)', () => {
    expect(blocksFor(5, 16)).toBe(1);
    expect(blocksFor(253, 256)).toBe(1);
    expect(blocksFor(254, 256)).toBe(2);
    expect(blocksFor(0, 256)).toBe(1);
  });

  it('rejects invalid configuration with zod (unknown keys, bad UID, out-of-range FWI)', () => {
    expect(() => isoDepConfig({ uid: '0102' })).toThrow();
    expect(() => isoDepConfig({ fwi: 15 })).toThrow();
    expect(() => isoDepConfig({ colour: 'red' } as never)).toThrow();
    expect(isoDepConfig({}).uid).toBe('random');
  });
});

describe('fault plan', () => {
  it('is deterministic: same seed, same decisions, independent of history', () => {
    const plan = [
      {
        kind: 'random' as const,
        seed: 's1',
        tagLost: 0.2,
        corrupt: 0.2,
        delay: 0.5,
        maxDelayMs: 100,
      },
    ];
    const a = new FaultPlan(plan);
    const b = new FaultPlan(plan);
    const seqA = Array.from({ length: 50 }, (_, i) => a.decide(i + 1));
    const seqB = Array.from({ length: 50 }, (_, i) => b.decide(50 - i)).reverse();
    expect(seqA).toEqual(seqB);
    expect(seqA.some((d) => d.tagLostBefore)).toBe(true);
    expect(seqA.some((d) => !d.tagLostBefore)).toBe(true);
    const other = new FaultPlan([{ ...plan[0]!, seed: 's2' }]);
    expect(Array.from({ length: 50 }, (_, i) => other.decide(i + 1))).not.toEqual(seqA);
  });

  it('applies explicit faults at their APDU only; delay without atApdu applies to all', () => {
    const p = new FaultPlan([
      { kind: 'tag-lost', atApdu: 3 },
      { kind: 'delay', ms: 5 },
      { kind: 'field-off-mid-command', atApdu: 2 },
    ]);
    expect(p.decide(1)).toMatchObject({ tagLostBefore: false, fieldOffAfter: false, delayMs: 5 });
    expect(p.decide(2)).toMatchObject({ fieldOffAfter: true });
    expect(p.decide(3)).toMatchObject({ tagLostBefore: true });
    expect(
      new FaultPlan([
        { kind: 'tag-lost-after', ms: 50 },
        { kind: 'tag-lost-after', ms: 20 },
      ]).lostAfterMs(),
    ).toBe(20);
  });

  it('rejects malformed faults', () => {
    expect(() => new FaultPlan([{ kind: 'tag-lost', atApdu: 0 }])).toThrow();
    expect(() => new FaultPlan([{ kind: 'explode' } as never])).toThrow();
  });

  it('corrupts by flipping exactly one bit, or by cutting the last byte', () => {
    const r = fromHex('0102039000');
    const flipped = corrupt(r, { mode: 'flip-bit', draw: 0.5 });
    const diff = [...flipped].map((b, i) => b ^ (r[i] as number)).filter((x) => x !== 0);
    expect(diff).toHaveLength(1);
    expect([1, 2, 4, 8, 16, 32, 64, 128]).toContain(diff[0]);
    expect(toHex(corrupt(r, { mode: 'truncate', draw: 0 }))).toBe('01020390');
    expect(r).toEqual(fromHex('0102039000'));
  });
});

describe('IsoDepSession', () => {
  it('field off refuses; field on activates with a random 08xxxxxx UID, a new one per activation', async () => {
    const { s } = await newSession();
    expect(await s.transceive(SELECT_MF)).toMatchObject({
      kind: 'rejected',
      code: 'NFC_FIELD_OFF',
    });
    const a1 = s.fieldOn();
    expect(a1.uid[0]).toBe(0x08);
    expect(a1.uid).toHaveLength(4);
    expect(toHex(a1.atqa)).toBe('0400');
    expect(a1.sak).toBe(0x20);
    s.fieldOff();
    expect(s.fieldOn().uid).not.toEqual(a1.uid);
  });

  it('takes the historical bytes from the card ATR unless configured', async () => {
    const { s, card } = await newSession();
    const a = s.fieldOn();
    expect(a.ats.subarray(5)).toEqual(a.historicalBytes);
    const { parseAtr } = await import('../transport/atr.ts');
    expect(a.historicalBytes).toEqual(parseAtr(card.atr).historicalBytes);
    const fixed = await newSession({ config: { uid: '04112233445566', historicalBytes: 'AA BB' } });
    const b = fixed.s.fieldOn();
    expect(toHex(b.historicalBytes)).toBe('AABB');
    expect(toHex(b.atqa)).toBe('4400');
  });

  it('passes APDUs to the card and returns its answer', async () => {
    const { s } = await newSession();
    const { card: twin } = await createDefaultCard();
    twin.powerOn();
    s.fieldOn();
    expect(response(await s.transceive(SELECT_MF))).toEqual(twin.transmit(SELECT_MF));
  });

  it('enforces maxTransceiveLength and refuses empty commands', async () => {
    const { s } = await newSession({ config: { maxTransceiveLength: 261 } });
    s.fieldOn();
    expect(await s.transceive(new Uint8Array(262))).toMatchObject({
      kind: 'rejected',
      code: 'NFC_TRANSCEIVE_TOO_LONG',
    });
    expect(await s.transceive(new Uint8Array(0))).toMatchObject({
      kind: 'rejected',
      code: 'NFC_EMPTY_COMMAND',
    });
  });

  it('tag lost at APDU n: the card never sees it, loses power, and the session stays lost until a new activation', async () => {
    const { s, card } = await newSession({ faults: [{ kind: 'tag-lost', atApdu: 2 }] });
    const seen: string[] = [];
    card.observe({ exchange: (e) => seen.push(toHex(e.command)), power: (e) => seen.push(e.kind) });
    s.fieldOn();
    response(await s.transceive(SELECT_MF));
    expect(await s.transceive(SELECT_MF)).toMatchObject({ kind: 'tag-lost' });
    expect(await s.transceive(SELECT_MF)).toMatchObject({ kind: 'rejected', code: 'NFC_TAG_LOST' });
    expect(seen).toEqual(['power-on', toHex(SELECT_MF), 'power-off']);
    s.fieldOff();
    s.fieldOn();
    response(await s.transceive(SELECT_MF));
  });

  it('field off mid-command: the card processes the APDU, the answer is lost', async () => {
    const { s, card } = await newSession({
      faults: [{ kind: 'field-off-mid-command', atApdu: 1 }],
    });
    const seen: string[] = [];
    card.observe({ exchange: (e) => seen.push(toHex(e.command)) });
    s.fieldOn();
    expect(await s.transceive(SELECT_MF)).toMatchObject({
      kind: 'tag-lost',
      reason: expect.stringContaining('field off'),
    });
    expect(seen).toEqual([toHex(SELECT_MF)]);
    expect(card.powered).toBe(false);
  });

  it('tag lost after t ms (injected clock)', async () => {
    const { s, clock } = await newSession({ faults: [{ kind: 'tag-lost-after', ms: 100 }] });
    s.fieldOn();
    clock.advance(99_000);
    response(await s.transceive(SELECT_MF));
    clock.advance(2_000);
    expect(await s.transceive(SELECT_MF)).toMatchObject({ kind: 'rejected', code: 'NFC_TAG_LOST' });
  });

  it('delays beyond FWT need S(WTX); without WTX the reader times out (tag lost)', async () => {
    const withWtx = await newSession({
      config: { fwi: 4 },
      faults: [{ kind: 'delay', atApdu: 1, ms: 20 }],
    });
    withWtx.s.fieldOn();
    const r = await withWtx.s.transceive(SELECT_MF);
    expect(r).toMatchObject({
      kind: 'response',
      delayMs: 20,
      wtx: Math.ceil((20 - frameWaitingTimeMs(4)) / frameWaitingTimeMs(4)),
    });
    expect(withWtx.slept).toEqual([20]);
    const noWtx = await newSession({
      config: { fwi: 4, wtx: false },
      faults: [{ kind: 'delay', atApdu: 1, ms: 20 }],
    });
    noWtx.s.fieldOn();
    expect(await noWtx.s.transceive(SELECT_MF)).toMatchObject({
      kind: 'tag-lost',
      reason: expect.stringContaining('frame waiting time'),
    });
  });

  it('corrupt-response damages the answer the app gets, not the card', async () => {
    const { s } = await newSession({ faults: [{ kind: 'corrupt-response', atApdu: 1 }] });
    const { card: twin } = await createDefaultCard();
    twin.powerOn();
    s.fieldOn();
    const r = await s.transceive(SELECT_MF);
    expect(r).toMatchObject({ kind: 'response', corrupted: true });
    expect(response(r)).not.toEqual(twin.transmit(SELECT_MF));
  });

  it('reports chained blocks for long commands with small frames', async () => {
    const { s } = await newSession({ config: { fsci: 2, fsdi: 8 } });
    s.fieldOn();
    const r = await s.transceive(new Uint8Array(100).fill(0));
    expect(r).toMatchObject({ kind: 'response', commandBlocks: Math.ceil(100 / 29) });
  });

  it('refuses a second transceive while one is in progress (half-duplex)', async () => {
    let release: () => void = () => undefined;
    const { s } = await newSession({
      faults: [{ kind: 'delay', atApdu: 1, ms: 1 }],
      sleep: () => new Promise<void>((r) => (release = r)),
    });
    s.fieldOn();
    const first = s.transceive(SELECT_MF);
    expect(await s.transceive(SELECT_MF)).toMatchObject({ kind: 'rejected', code: 'NFC_BUSY' });
    release();
    expect((await first).kind).toBe('response');
  });
});
