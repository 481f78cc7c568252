/**
 * Damaged card image files: bit flips, changed, inserted and deleted bytes, truncations and
 * duplicated lines of a checksummed image. Invariant: every damaged file is refused with a
 * CardImageError (a stable code, never another exception, never a hang), and only the intact
 * bytes load.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { CardImageError } from '../../../emulator/src/state/image-error.ts';
import { readCardImage, serializeCardImage } from '../../../emulator/src/state/image-file.ts';
import { Chooser, Tally, type FuzzTarget } from '../fuzz-kit.ts';

const INPUTS = 2_500;

function mutate(c: Chooser, original: Buffer): Buffer {
  const at = c.int(original.length);
  switch (c.int(6)) {
    case 0: {
      const b = Buffer.from(original);
      for (let k = 1 + c.int(3); k > 0; k--) {
        const i = c.chance(0.5) ? at : c.int(b.length);
        b[i] = (b[i] as number) ^ (1 << c.int(8));
      }
      return b;
    }
    case 1: {
      const b = Buffer.from(original);
      b[at] = c.byte();
      return b;
    }
    case 2:
      return Buffer.concat([original.subarray(0, at), Buffer.of(c.byte()), original.subarray(at)]);
    case 3:
      return Buffer.concat([original.subarray(0, at), original.subarray(at + 1)]);
    case 4:
      return original.subarray(0, at);
    default: {
      const lines = original.toString('utf8').split('\n');
      const i = c.int(lines.length);
      lines.splice(i, 0, lines[i] ?? '');
      return Buffer.from(lines.join('\n'), 'utf8');
    }
  }
}

export const imageFiles: FuzzTarget = {
  name: 'card image files, damaged',
  run: async (seed) => {
    const t = new Tally('image-files', 'every damaged image refused with a CardImageError');
    const c = new Chooser(seed);
    const original = Buffer.from(serializeCardImage(defaultCardImage()), 'utf8');
    const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const dir = mkdtempSync(join(base, 'ciebench-fuzz-images-'));
    const codes = new Map<string, number>();
    try {
      const path = join(dir, 'card.json');
      while (t.inputs < INPUTS) {
        const damaged = mutate(c, original);
        if (damaged.equals(original)) continue;
        t.inputs++;
        writeFileSync(path, damaged);
        try {
          readCardImage(path);
          t.fail(`damage #${t.inputs} (${damaged.length} bytes) was loaded`);
        } catch (e) {
          if (!(e instanceof CardImageError)) t.fail(`damage #${t.inputs} threw ${String(e)}`);
          else codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    t.figures.push([...codes].map(([code, n]) => `${code} ${n}`).join(', '));
    return t;
  },
};
