/**
 * The `qrcode` package's choice of data mask, the same choice made without its per-module calls.
 *
 * Why: an encoder picks, of the eight data masks, the one whose masked symbol has the lowest
 * penalty score (ISO/IEC 18004:2015 §7.8.3: N1 runs of five or more like modules in a row or
 * column, N2 2×2 blocks of one colour, N3 the 1:1:3:1:1 finder-like pattern beside four light
 * modules, N4 the dark proportion's distance from 50 %). `qrcode` 1.5 does it by masking the whole
 * matrix, scoring it through a `get(row, col)` method call per module and per rule, and unmasking it
 * again, eight times: about 12 % of the IdP thread's time in a hybrid login, whose page carries a
 * fresh QR code. Every reader decodes any mask, so a fixed mask would do for decoding; the penalty
 * search is kept because a faithful encoder runs it and the masks it picks decide the symbol's
 * modules, which tests and traces compare.
 *
 * What: `getBestMask` of the library's `core/mask-pattern` module is replaced by one computing
 * the same score of each mask from the matrix's bytes and a table of each mask per symbol size,
 * keeping the library's reading of each rule exactly (its N3 looks for `10111010000` and
 * `00001011101` in every run of 11 modules of a row or column, its N4 rounds as it does), calling
 * the library's format-information callback before scoring each mask as it does (the format
 * modules are part of what is scored), and keeping the first mask of lowest score. The matrix is
 * left as the library leaves it. `qr-mask.test.ts` compares the scores and the symbols with the
 * library's own code.
 */
import { createRequire } from 'node:module';

/** The part of the library's `BitMatrix` the scoring reads: modules 0/1, row-major. */
export interface ModuleMatrix {
  readonly size: number;
  readonly data: Uint8Array;
  readonly reservedBit: Uint8Array;
}

type SetupFormat = (mask: number) => void;
export interface MaskPatternModule {
  getBestMask(matrix: ModuleMatrix, setupFormat: SetupFormat): number;
  getPenaltyN1(matrix: ModuleMatrix): number;
  getPenaltyN2(matrix: ModuleMatrix): number;
  getPenaltyN3(matrix: ModuleMatrix): number;
  getPenaltyN4(matrix: ModuleMatrix): number;
  applyMask(mask: number, matrix: ModuleMatrix): void;
}

const MASKS = 8;
const N1 = 3;
const N2 = 3;
const N3 = 40;
const N4 = 10;

/** Mask condition of ISO/IEC 18004 Table 10: true where the module at row i, column j is inverted. */
export function maskInverts(mask: number, i: number, j: number): boolean {
  switch (mask) {
    case 0:
      return (i + j) % 2 === 0;
    case 1:
      return i % 2 === 0;
    case 2:
      return j % 3 === 0;
    case 3:
      return (i + j) % 3 === 0;
    case 4:
      return (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0;
    case 5:
      return ((i * j) % 2) + ((i * j) % 3) === 0;
    case 6:
      return (((i * j) % 2) + ((i * j) % 3)) % 2 === 0;
    case 7:
      return (((i + j) % 2) + ((i * j) % 3)) % 2 === 0;
    default:
      throw new RangeError(`no QR data mask ${mask}`);
  }
}

// Symbol sizes are 21..177 (versions 1..40): one table of eight masks per size seen, made once.
const tables = new Map<number, Uint8Array[]>();
function maskTables(size: number): Uint8Array[] {
  let t = tables.get(size);
  if (!t) {
    t = Array.from({ length: MASKS }, (_, mask) => {
      const m = new Uint8Array(size * size);
      for (let i = 0; i < size; i++) {
        for (let j = 0; j < size; j++) m[i * size + j] = maskInverts(mask, i, j) ? 1 : 0;
      }
      return m;
    });
    tables.set(size, t);
  }
  return t;
}

/** N1 over rows and columns: a run of n ≥ 5 like modules scores 3 + (n − 5). */
function penaltyN1(m: Uint8Array, size: number): number {
  let points = 0;
  for (let a = 0; a < size; a++) {
    let rowRun = 0;
    let colRun = 0;
    let rowLast = -1;
    let colLast = -1;
    for (let b = 0; b < size; b++) {
      const r = m[a * size + b]!;
      if (r === rowLast) rowRun++;
      else {
        if (rowRun >= 5) points += N1 + rowRun - 5;
        rowLast = r;
        rowRun = 1;
      }
      const c = m[b * size + a]!;
      if (c === colLast) colRun++;
      else {
        if (colRun >= 5) points += N1 + colRun - 5;
        colLast = c;
        colRun = 1;
      }
    }
    if (rowRun >= 5) points += N1 + rowRun - 5;
    if (colRun >= 5) points += N1 + colRun - 5;
  }
  return points;
}

/** N2: 3 per 2×2 block of one colour (overlapping blocks each count). */
function penaltyN2(m: Uint8Array, size: number): number {
  let blocks = 0;
  for (let i = 0; i < size - 1; i++) {
    for (let j = 0; j < size - 1; j++) {
      const k = i * size + j;
      const s = m[k]! + m[k + 1]! + m[k + size]! + m[k + size + 1]!;
      if (s === 0 || s === 4) blocks++;
    }
  }
  return blocks * N2;
}

/** N3: 40 per window of 11 modules along a row or column reading 10111010000 or 00001011101. */
function penaltyN3(m: Uint8Array, size: number): number {
  let found = 0;
  for (let a = 0; a < size; a++) {
    let row = 0;
    let col = 0;
    for (let b = 0; b < size; b++) {
      row = ((row << 1) & 0x7ff) | m[a * size + b]!;
      col = ((col << 1) & 0x7ff) | m[b * size + a]!;
      if (b >= 10) {
        if (row === 0x5d0 || row === 0x05d) found++;
        if (col === 0x5d0 || col === 0x05d) found++;
      }
    }
  }
  return found * N3;
}

/** N4: 10 per full 5 % step of the dark proportion away from 50 % (rounded as the library does). */
function penaltyN4(m: Uint8Array): number {
  let dark = 0;
  for (let k = 0; k < m.length; k++) dark += m[k]!;
  return Math.abs(Math.ceil((dark * 100) / m.length / 5) - 10) * N4;
}

/**
 * The score of each of the eight masks on `matrix`, calling `setupFormat(mask)` before each as the
 * library does. `matrix` is not changed beyond what `setupFormat` writes.
 */
export function maskPenalties(matrix: ModuleMatrix, setupFormat: SetupFormat): number[] {
  const { size, data, reservedBit } = matrix;
  const masks = maskTables(size);
  const masked = new Uint8Array(data.length);
  const out: number[] = [];
  for (let mask = 0; mask < MASKS; mask++) {
    setupFormat(mask);
    const t = masks[mask]!;
    for (let k = 0; k < data.length; k++) masked[k] = reservedBit[k] ? data[k]! : data[k]! ^ t[k]!;
    out.push(
      penaltyN1(masked, size) +
        penaltyN2(masked, size) +
        penaltyN3(masked, size) +
        penaltyN4(masked),
    );
  }
  return out;
}

/** The first mask of lowest score: the library's `getBestMask`, without its method calls. */
export function bestMask(matrix: ModuleMatrix, setupFormat: SetupFormat): number {
  const scores = maskPenalties(matrix, setupFormat);
  let best = 0;
  for (let mask = 1; mask < MASKS; mask++) if (scores[mask]! < scores[best]!) best = mask;
  return best;
}

const fromHere = createRequire(import.meta.url);

/** The `core/mask-pattern` module the installed `qrcode` package loads. */
export function qrMaskModule(): MaskPatternModule {
  return createRequire(fromHere.resolve('qrcode'))('./core/mask-pattern.js') as MaskPatternModule;
}

let original: MaskPatternModule['getBestMask'] | undefined;

/** The library's own `getBestMask` (for comparison in tests). */
export function originalGetBestMask(): MaskPatternModule['getBestMask'] {
  return original ?? qrMaskModule().getBestMask;
}

/** Replaces the library's `getBestMask` by {@link bestMask}; idempotent. */
export function installQrMaskFastPath(): void {
  const mod = qrMaskModule();
  if (original) return;
  original = mod.getBestMask;
  mod.getBestMask = bestMask;
}
