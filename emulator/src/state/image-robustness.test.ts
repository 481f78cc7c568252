/**
 * Card image files against what users and systems do to files: symlinks, read-only modes and
 * directories, FIFOs and devices, huge files, flipped bits, legacy images, and a second card
 * object or process on the same image.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { presentReferenceData } from '../applications/ias/reference-data.ts';
import { asciiBytes } from '../bytes/bytes.ts';
import { seededRng } from '../crypto/rng.ts';
import { openCieCard } from '../profiles/cie-card-image.ts';
import { defaultCardImage } from '../profiles/default-card-image.ts';
import { CardImageError } from './image-error.ts';
import {
  MAX_IMAGE_BYTES,
  readCardImage,
  serializeCardImage,
  writeCardImageAtomic,
} from './image-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'ciebench-image-robust-'));
afterAll(() => {
  chmodSync(dir, 0o700);
  rmSync(dir, { recursive: true, force: true });
});
const image = defaultCardImage();
let n = 0;
const fresh = (name = `card-${++n}.json`): string => {
  const p = join(dir, name);
  writeCardImageAtomic(p, image);
  return p;
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof CardImageError) return e.code;
    throw e;
  }
  return undefined;
}

/**
 * A wrong PIN, checked the way the IAS VERIFY handler checks it (decrement persisted first), on the
 * card's own store; the full VERIFY under DAPP is covered by the terminal tests in harness/.
 * Returns the tries left (0 once blocked).
 */
function wrongPin(card: ReturnType<typeof openCieCard>): number {
  const r = presentReferenceData(card.store, 'pin', asciiBytes('00000000'));
  return r.outcome === 'wrong' ? r.remaining : 0;
}

describe('card image files: where they live and what they are', () => {
  it('a symlinked image is written through to its target; the link stays a link', () => {
    const target = fresh('target.json');
    const link = join(dir, 'link.json');
    symlinkSync(target, link);
    const card = openCieCard(link);
    expect(wrongPin(card)).toBe(2);
    card.close();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readCardImage(target).state.pin.remaining).toBe(2);
  });

  it('a write keeps the permission bits of the image', () => {
    const p = fresh();
    chmodSync(p, 0o640);
    writeCardImageAtomic(p, image);
    expect(statSync(p).mode & 0o777).toBe(0o640);
  });

  it('a read-only image is refused for a card (it could not record PIN tries), still readable for show', () => {
    const p = fresh();
    chmodSync(p, 0o444);
    expect(codeOf(() => openCieCard(p))).toBe('IMAGE_READ_ONLY');
    expect(() => openCieCard(p)).toThrow(/read-only \(mode 0444\).*chmod u\+w/);
    expect(readCardImage(p).state.pin.remaining).toBe(3);
  });

  it('an image in a read-only directory is refused at open, not with 6F00 at the first VERIFY', () => {
    const sub = join(dir, 'ro');
    mkdirSync(sub);
    const p = join(sub, 'card.json');
    writeCardImageAtomic(p, image);
    chmodSync(sub, 0o555);
    try {
      expect(codeOf(() => openCieCard(p))).toBe('IMAGE_READ_ONLY');
      expect(() => openCieCard(p)).toThrow(/directory .* not writable/);
    } finally {
      chmodSync(sub, 0o755);
    }
  });

  it('a FIFO, a device and an oversized file are refused before anything is read', () => {
    const fifo = join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    expect(codeOf(() => readCardImage(fifo))).toBe('IMAGE_NOT_A_FILE');
    const zero = join(dir, 'zero.json');
    symlinkSync('/dev/zero', zero);
    expect(codeOf(() => readCardImage(zero))).toBe('IMAGE_NOT_A_FILE');
    const big = join(dir, 'big.json');
    writeFileSync(big, Buffer.alloc(MAX_IMAGE_BYTES + 1, 0x20));
    expect(codeOf(() => readCardImage(big))).toBe('IMAGE_TOO_LARGE');
    expect(codeOf(() => readCardImage(dir))).toBe('IMAGE_NOT_A_FILE');
    expect(codeOf(() => readCardImage(join(dir, 'absent.json')))).toBe('IMAGE_NOT_FOUND');
  });
});

describe('card image files: integrity', () => {
  const text = serializeCardImage(image);
  const bytes = Buffer.from(text, 'utf8');
  const flipped = (bit: number): Buffer => {
    const b = Buffer.from(bytes);
    b[bit >> 3] = (b[bit >> 3] as number) ^ (1 << (bit & 7));
    return b;
  };
  const refused = (content: Buffer): boolean => {
    const p = join(dir, 'flip.json');
    writeFileSync(p, content);
    return codeOf(() => readCardImage(p)) !== undefined;
  };

  it('the written image carries a checksum and reads back equal', () => {
    expect(text).toMatch(/"checksum": "sha256:[0-9A-F]{64}"/);
    const p = fresh();
    expect(readCardImage(p)).toEqual(image);
  });

  it('40 random bit flips (seeded) are all refused as corrupt', () => {
    const rng = seededRng('image-bit-flips');
    for (let i = 0; i < 40; i++) {
      const r = rng.bytes(4);
      const bit = new DataView(r.buffer, r.byteOffset).getUint32(0) % (bytes.length * 8);
      expect(refused(flipped(bit)), `bit ${bit}`).toBe(true);
    }
  });

  it('property: any single bit flip anywhere is refused (fast-check, fixed seed)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length * 8 - 1 }), (bit) =>
        refused(flipped(bit)),
      ),
      { seed: 20_260_110, numRuns: 300 },
    );
    // The checksum member itself, and the digits of the counters, once each.
    const at = text.indexOf('"checksum"');
    for (let i = at; i < at + 80; i++) expect(refused(flipped(i * 8 + 1)), `byte ${i}`).toBe(true);
  });

  it('a legacy image (no checksum) loads, and a card rewrites it with one', () => {
    const p = join(dir, 'legacy.json');
    writeFileSync(p, `${JSON.stringify(image, null, 2)}\n`);
    expect(readCardImage(p)).toEqual(image);
    const card = openCieCard(p);
    card.close();
    expect(readFileSync(p, 'utf8')).toMatch(/"checksum": "sha256:/);
    expect(readCardImage(p)).toEqual(image);
  });
});

describe('one image, one retry counter', () => {
  it('two card objects of one process on one image share the counter: 3 wrong PINs in all, then blocked', () => {
    const p = fresh();
    const a = openCieCard(p);
    const b = openCieCard(p);
    expect([wrongPin(a), wrongPin(b), wrongPin(a)]).toEqual([2, 1, 0]);
    expect(wrongPin(b)).toBe(0);
    expect(b.store.read().pin.blocked).toBe(true);
    a.close();
    b.close();
    expect(readCardImage(p).state.pin).toMatchObject({ remaining: 0, blocked: true });
  });

  it('a write behind the store (new inode) is seen: the stale copy in memory never wins', () => {
    const p = fresh();
    const card = openCieCard(p);
    const blocked = { ...image.state, pin: { ...image.state.pin, remaining: 0, blocked: true } };
    writeCardImageAtomic(p, { ...image, state: blocked });
    expect(card.store.read().pin.blocked).toBe(true);
    card.close();
  });

  it('another process is refused while a card holds the image (IMAGE_IN_USE, with the PID), and takes it over once that process is gone', async () => {
    const p = fresh();
    const holder = openCieCard(p);
    const script = `import { openCieCard } from ${JSON.stringify(new URL('../profiles/cie-card-image.ts', import.meta.url).pathname)};
      try { const c = openCieCard(process.argv[1]); c.close(); process.stdout.write('OPENED'); }
      catch (e) { process.stdout.write(e.code + ' ' + e.message); }`;
    // Asynchronous: a synchronous spawn blocks this vitest worker past its RPC deadline when busy.
    const run = async (): Promise<string> =>
      (
        await promisify(execFile)(
          process.execPath,
          ['--import', 'tsx', '--input-type=module', '-e', script, p],
          { encoding: 'utf8' },
        )
      ).stdout;
    const refusedText = await run();
    expect(refusedText).toMatch(new RegExp(`^IMAGE_IN_USE .*in use by PID ${process.pid}`));
    expect(codeOf(() => writeCardImageAtomic(p, image))).toBeUndefined(); // the holder may write
    holder.close();
    expect(await run()).toBe('OPENED');
    // A holder killed with SIGKILL leaves its lock behind: the next opener takes it over.
    const hold = `import { openCieCard } from ${JSON.stringify(new URL('../profiles/cie-card-image.ts', import.meta.url).pathname)};
      openCieCard(process.argv[1]); process.stdout.write('HELD'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      hold,
      p,
    ]);
    await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
    expect(await run()).toMatch(/^IMAGE_IN_USE/);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(JSON.parse(readFileSync(`${p}.lock`, 'utf8'))).toMatchObject({ pid: child.pid });
    expect(await run()).toBe('OPENED');
  });

  it('the lock lives next to the real file: two symlinks to one image are one card', () => {
    const target = fresh('shared-target.json');
    const l1 = join(dir, 'l1.json');
    const l2 = join(dir, 'l2.json');
    symlinkSync(target, l1);
    symlinkSync(target, l2);
    const a = openCieCard(l1);
    const b = openCieCard(l2);
    expect([wrongPin(a), wrongPin(b)]).toEqual([2, 1]);
    a.close();
    b.close();
    expect(readCardImage(target).state.pin.remaining).toBe(1);
  });
});
