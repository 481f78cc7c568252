import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { swFromResponse } from '../../emulator/src/apdu/status-words.ts';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { writeCardImageAtomic } from '../../emulator/src/state/image-file.ts';
import { CIE_PROFILES } from '../../emulator/src/profiles/cie-profiles.ts';
import { CardSpecError, namedCards, resolveCardSpec } from './card-registry.ts';

const dir = mkdtempSync(join(tmpdir(), 'ciebench-registry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** EF.ATR is readable on every CIE personality: a cheap way to tell two chips apart. */
const atrOf = (spec: string): string =>
  Buffer.from(resolveCardSpec(spec).create().powerOn()).toString('hex');

describe('card registry: one grammar for --card everywhere', () => {
  it('default, a personality, and the test cards resolve to their personality', () => {
    expect(resolveCardSpec('default').personality).toBe(defaultCardImage().profile);
    expect(resolveCardSpec('').personality).toBe(defaultCardImage().profile);
    for (const p of CIE_PROFILES) expect(resolveCardSpec(p.id).personality).toBe(p.id);
    expect(resolveCardSpec('iso-test').image).toBeUndefined();
    expect(resolveCardSpec('sm-test').personality).toBe('sm-test');
  });

  it('a personality changes the chip, not the citizen', () => {
    const gemalto = resolveCardSpec('gemalto');
    expect(gemalto.image?.citizen).toEqual(defaultCardImage().citizen);
    expect(atrOf('gemalto')).not.toBe(atrOf('default'));
  });

  it('seed:<seed> and <personality>:<seed> personalise another citizen, deterministically', () => {
    const a = resolveCardSpec('seed:registry-test');
    const b = resolveCardSpec('stm:registry-test');
    expect(a.image?.citizen.seed).toBe('registry-test');
    expect(a.image?.citizen).not.toEqual(defaultCardImage().citizen);
    expect(b.personality).toBe('stm');
    expect(b.image?.citizen).toEqual(a.image?.citizen);
  });

  it('an image file resolves with its state and can be opened persistently', () => {
    const path = join(dir, 'card.json');
    writeCardImageAtomic(path, defaultCardImage());
    const r = resolveCardSpec(path);
    expect(r.imagePath).toBe(path);
    expect(r.open).toBeTypeOf('function');
    expect(r.secrets?.pin).toBe(defaultCardImage().state.pin.value);
  });

  it('a variant file applies pipeline options to every instance', () => {
    const path = join(dir, 'variant.json');
    writeFileSync(path, JSON.stringify({ card: 'iso-test', options: { readBeyondEof: '9000' } }));
    const plain = resolveCardSpec('iso-test').create();
    const variant = resolveCardSpec(path).create();
    // READ BINARY of 32 bytes from the 20-byte EF.SHORT (SFI 2 in DF.TEST): beyond the end.
    const read = (card: typeof plain): number => {
      card.powerOn();
      card.transmit(fromHex('00A4040C07A0000000990102'));
      return swFromResponse(card.transmit(fromHex('00B0820020')));
    };
    expect(read(plain)).not.toBe(read(variant));
    expect(read(resolveCardSpec(path).create())).toBe(0x9000);
  });

  it('clear errors: unknown names, missing files, empty seeds, bad variants', () => {
    expect(() => resolveCardSpec('no-such-chip')).toThrow(CardSpecError);
    expect(() => resolveCardSpec('no-such-chip')).toThrow(/personality/);
    expect(() => resolveCardSpec(join(dir, 'missing.json'))).toThrow(/card image not found/);
    expect(() => resolveCardSpec('seed:')).toThrow(/empty seed/);
    expect(() => resolveCardSpec('wat:alice')).toThrow(/unknown personality 'wat'/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ card: 'iso-test', colour: 'red' }));
    expect(() => resolveCardSpec(bad)).toThrow(/neither a card image nor a card variant/);
    writeFileSync(bad, 'not json');
    expect(() => resolveCardSpec(bad)).toThrow(/not JSON/);
    expect(() => resolveCardSpec(dir)).toThrow(/not a card image file/);
  });

  it('named cards list every personality and the test cards once', () => {
    const specs = namedCards().map((c) => c.spec);
    expect(new Set(specs).size).toBe(specs.length);
    expect(specs).toEqual(expect.arrayContaining(['default', 'iso-test', 'sm-test', 'nxp']));
  });
});
