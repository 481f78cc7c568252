/**
 * qr-mask.ts: the mask scores and the mask chosen are the `qrcode` library's own — on seeded
 * random matrices of any size (random reserved modules, runs, finder-like patterns, skewed dark
 * proportions) and on whole QR symbols of every error-correction level made through the library
 * with its own `getBestMask` and with ours.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { qrSvg } from './hybrid.ts';
import {
  bestMask,
  maskInverts,
  maskPenalties,
  originalGetBestMask,
  qrMaskModule,
  type ModuleMatrix,
} from './qr-mask.ts';

const SEED = fc.readConfigureGlobal().seed ?? 7_203_119;
const lib = qrMaskModule();
const fromHere = createRequire(import.meta.url);
const BitMatrix = createRequire(fromHere.resolve('qrcode'))('./core/bit-matrix.js') as new (
  size: number,
) => ModuleMatrix;

/** The library's own matrix class holding `data` and `reservedBit` (its masking calls its methods). */
function bitMatrix(size: number, data: Uint8Array, reservedBit: Uint8Array): ModuleMatrix {
  const m = new BitMatrix(size);
  m.data.set(data);
  m.reservedBit.set(reservedBit);
  return m;
}

/** The library's score of `mask`: mask the matrix, its four rules, unmask (its getBestMask body). */
function libraryPenalty(matrix: ModuleMatrix, mask: number): number {
  lib.applyMask(mask, matrix);
  const score =
    lib.getPenaltyN1(matrix) +
    lib.getPenaltyN2(matrix) +
    lib.getPenaltyN3(matrix) +
    lib.getPenaltyN4(matrix);
  lib.applyMask(mask, matrix);
  return score;
}

function copy(m: ModuleMatrix): ModuleMatrix {
  return bitMatrix(m.size, m.data, m.reservedBit);
}

/** A format callback writing, for each mask, its own values into a few reserved modules. */
function formatWriter(m: ModuleMatrix, cells: readonly number[]): (mask: number) => void {
  return (mask) => {
    cells.forEach((k, n) => {
      m.reservedBit[k] = 1;
      m.data[k] = ((mask + n) * 2_654_435_761) >>> 31;
    });
  };
}

// A matrix of modules: each module dark with probability `dark`/8 (skewed proportions exercise
// N4; long light or dark stretches exercise N1 and N2), some modules reserved.
const matrixArb = fc
  .record({
    size: fc.integer({ min: 1, max: 60 }),
    dark: fc.integer({ min: 0, max: 8 }),
    reservedShare: fc.integer({ min: 0, max: 4 }),
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
  })
  .map(({ size, dark, reservedShare, seed }) => {
    let s = seed || 1;
    const next = (): number => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) % 8;
    };
    const data = new Uint8Array(size * size).map(() => (next() < dark ? 1 : 0));
    const reservedBit = new Uint8Array(size * size).map(() => (next() < reservedShare ? 1 : 0));
    const cells = Array.from(
      { length: Math.min(15, size * size) },
      () => ((next() * 977 + s) >>> 0) % (size * size),
    );
    return { matrix: { size, data, reservedBit }, cells };
  });

describe('QR mask choice', () => {
  it('the mask conditions are the library’s (ISO/IEC 18004 Table 10) at every module', () => {
    const m = bitMatrix(12, new Uint8Array(144), new Uint8Array(144));
    for (let mask = 0; mask < 8; mask++) {
      const d = copy(m);
      lib.applyMask(mask, d);
      for (let i = 0; i < 12; i++) {
        for (let j = 0; j < 12; j++)
          expect(d.data[i * 12 + j]).toBe(maskInverts(mask, i, j) ? 1 : 0);
      }
    }
    expect(() => maskInverts(8, 0, 0)).toThrow(RangeError);
  });

  it(`scores of every mask equal the library's on random matrices (seed ${SEED})`, () => {
    fc.assert(
      fc.property(matrixArb, ({ matrix, cells }) => {
        const ours = copy(matrix);
        const theirs = copy(matrix);
        const scores = maskPenalties(ours, formatWriter(ours, cells));
        const write = formatWriter(theirs, cells);
        const expected = Array.from({ length: 8 }, (_, mask) => {
          write(mask);
          return libraryPenalty(theirs, mask);
        });
        expect(scores).toEqual(expected);
        // The matrix is left as the library leaves it: unmasked, last format written.
        expect(ours.data).toEqual(theirs.data);
        expect(ours.reservedBit).toEqual(theirs.reservedBit);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it(`the mask chosen is the library's, ties going to the first (seed ${SEED})`, () => {
    fc.assert(
      fc.property(matrixArb, ({ matrix, cells }) => {
        const ours = copy(matrix);
        const theirs = copy(matrix);
        const chosen = bestMask(ours, formatWriter(ours, cells));
        expect(chosen).toBe(originalGetBestMask()(theirs, formatWriter(theirs, cells)));
        expect(ours.data).toEqual(theirs.data);
      }),
      { seed: SEED, numRuns: 400 },
    );
    // One reserved module scores alike under every mask: the first wins.
    const one = bitMatrix(1, new Uint8Array(1), new Uint8Array([1]));
    expect(bestMask(one, () => undefined)).toBe(0);
  });

  it(`whole symbols are the library's own, module for module (seed ${SEED})`, () => {
    const create = (bytes: Uint8Array, level: 'L' | 'M' | 'Q' | 'H') =>
      QRCode.create([{ data: bytes, mode: 'byte' }], { errorCorrectionLevel: level });
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.constantFrom<('L' | 'M' | 'Q' | 'H')[]>('L', 'M', 'Q', 'H'),
        (bytes, level) => {
          expect(lib.getBestMask).toBe(bestMask);
          const ours = create(bytes, level);
          lib.getBestMask = originalGetBestMask();
          let theirs: ReturnType<typeof create>;
          try {
            theirs = create(bytes, level);
          } finally {
            lib.getBestMask = bestMask;
          }
          expect(ours.maskPattern).toBe(theirs.maskPattern);
          expect(ours.version).toBe(theirs.version);
          expect(Buffer.from(ours.modules.data).equals(Buffer.from(theirs.modules.data))).toBe(
            true,
          );
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('the IdP’s QR page symbol uses it (installed when the hybrid flow loads)', async () => {
    expect(lib.getBestMask).toBe(bestMask);
    const payload =
      'https://idserver.example/idp/erroreQr.jsp?opId=abc&opType=login&userId=CA00000AA';
    const svg = await qrSvg(payload);
    lib.getBestMask = originalGetBestMask();
    try {
      expect(await qrSvg(payload)).toBe(svg);
    } finally {
      lib.getBestMask = bestMask;
    }
  });
});
