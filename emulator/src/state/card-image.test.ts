import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCardImage } from '../profiles/default-card-image.ts';
import { cieCardFromImage, openCieCard } from '../profiles/cie-card-image.ts';
import { FileSecretStore } from './file-secret-store.ts';
import { iasPersonalisationFromImage } from './image-convert.ts';
import {
  CardImageError,
  readCardImage,
  serializeCardImage,
  staleTempFiles,
  writeCardImageAtomic,
} from './image-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'ciebench-image-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const image = defaultCardImage();

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as CardImageError).code;
  }
  return undefined;
}

describe('card image files', () => {
  it('round-trips: write atomically, read back equal, no temporary file left', () => {
    const p = join(dir, 'a.json');
    writeCardImageAtomic(p, image);
    expect(readCardImage(p)).toEqual(image);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a missing, truncated, non-JSON, foreign, wrong-version or damaged image with a stable code', () => {
    const text = serializeCardImage(image);
    const cases: [string, string][] = [
      ['', 'IMAGE_CORRUPT'],
      [text.slice(0, text.length / 2), 'IMAGE_CORRUPT'],
      ['{"hello": 1}', 'IMAGE_NOT_A_CARD'],
      [JSON.stringify({ ...image, version: 2 }), 'IMAGE_VERSION'],
      [
        JSON.stringify({
          ...image,
          state: { ...image.state, pin: { ...image.state.pin, remaining: 7 } },
        }),
        'IMAGE_INVALID',
      ],
      [
        JSON.stringify({
          ...image,
          state: { ...image.state, pin: { ...image.state.pin, remaining: 0, blocked: false } },
        }),
        'IMAGE_INVALID',
      ],
      [JSON.stringify({ ...image, citizen: { ...image.citizen, nis: '12345' } }), 'IMAGE_INVALID'],
    ];
    for (const [content, expected] of cases) {
      const p = join(dir, 'bad.json');
      writeFileSync(p, content);
      expect(
        code(() => readCardImage(p)),
        content.slice(0, 40),
      ).toBe(expected);
    }
    expect(code(() => readCardImage(join(dir, 'nope.json')))).toBe('IMAGE_NOT_FOUND');
  });

  it('the wrong-version message says it refuses rather than resets', () => {
    const p = join(dir, 'v2.json');
    writeFileSync(p, JSON.stringify({ ...image, version: 2 }));
    expect(() => readCardImage(p)).toThrow(/version 2.*refusing rather than resetting/);
  });

  it('detects keys or files that no longer match (n ≠ p·q, EF 1004 ≠ key 82, NIS ≠ SN.ICC)', () => {
    const badKey = {
      ...image,
      ias: {
        ...image.ias,
        keys: { ...image.ias.keys, holder: { ...image.ias.keys.holder, p: '3' } },
      },
    };
    expect(() => iasPersonalisationFromImage(badKey)).toThrow(/inconsistent/);
    const badFile = {
      ...image,
      ias: { ...image.ias, files: { ...image.ias.files, intKpub: image.ias.files.serviziKpub } },
    };
    expect(() => iasPersonalisationFromImage(badFile)).toThrow(/EF 1004/);
    const badNis = { ...image, citizen: { ...image.citizen, nis: '111111111111' } };
    expect(() => iasPersonalisationFromImage(badNis)).toThrow(/NIS/);
  });

  it('a FileSecretStore writes the state through, keeps the personalisation, and removes dead writers’ temp files', () => {
    const p = join(dir, 'store.json');
    writeCardImageAtomic(p, image);
    writeFileSync(join(dir, '.store.json.999999999.1.tmp'), 'half a write');
    const store = FileSecretStore.open(p);
    expect(staleTempFiles(p)).toEqual([]);
    store.write({ ...store.read(), pin: { ...store.read().pin, remaining: 2 } });
    const back = readCardImage(p);
    expect(back.state.pin.remaining).toBe(2);
    expect(back.ias).toEqual(image.ias);
    expect(() =>
      store.write({ ...store.read(), pin: { ...store.read().pin, value: 'abc' } }),
    ).toThrow();
    expect(readCardImage(p).state.pin.value).toBe(image.state.pin.value);
  });

  it('loading an image does not regenerate anything: the card answers with the stored EF 1005', async () => {
    const p = join(dir, 'card.json');
    writeCardImageAtomic(p, image);
    const { card } = openCieCard(p);
    card.powerOn();
    card.transmit(Uint8Array.from([0x00, 0xa4, 0x04, 0x0c, 0x06, 0xa0, 0, 0, 0, 0, 0x39]));
    const r = card.transmit(Uint8Array.from([0x00, 0xb0, 0x85, 0x00, 0x00]));
    expect(Buffer.from(r.subarray(0, 231)).toString('hex').toUpperCase()).toBe(
      image.ias.files.serviziKpub.slice(0, 462),
    );
    expect(JSON.parse(readFileSync(p, 'utf8')).ias.keys).toEqual(image.ias.keys);
    expect(cieCardFromImage(image).personalisation.keys.servizi.n.toString(16).toUpperCase()).toBe(
      image.ias.keys.servizi.n,
    );
  });
});
