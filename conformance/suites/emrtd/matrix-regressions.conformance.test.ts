/**
 * Regression tests for the verdicts the suite once gave against the ICAO Part 3 v3.2 matrix's
 * explicit expectations (conformance/icao-part3/matrix-v3.2.steps.tsv, transcribed from
 * Trust-Anchor-Group/NeuroAccessMaui NeuroAccess.Nfc.Test/TestData/ICAO/Part3/v3.2/matrix.xml):
 *
 * - ISO7816_P_14: a second GA step 1 restarts PACE, which then completes (was: refused);
 * - ISO7816_E_4: READ BINARY with Le beyond the end of EF.COM answers 9000 (was: the ICS EOF SW);
 * - ISO7816_B_3: plain SELECT of EF.DG1 before BAC answers 6982 only (was: 6982 or 9000);
 * - ISO7816_C_16: plain SELECT of EF.COM during BAC SM answers 9000 only (was: 9000 or 6982);
 * - ISO7816_B_37..B_54 / O_37..O_54: a positive protected READ BINARY by SFI, then a plain one
 *   refused (the positive step was missing).
 *
 * Each case's expectation is compared with the matrix row, then the case runs on the default
 * emulated CIE (passes) and on a CIE broken in exactly the matrix's way (fails).
 */
import { describe, expect, it } from 'vitest';
import { InProcessChannel } from '../../../harness/channel/in-process-channel.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import type { Card } from '../../../emulator/src/card/card.ts';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import { icaoMatrix } from '../../icao-part3/matrix.ts';
import type { ApduStep, ConformanceCase, RunResult } from '../../lib/model.ts';
import { CardWrapper } from '../../lib/mutants/card-wrapper.ts';
import { resolveTarget } from '../../lib/targets.ts';
import { buildCieVariant, type CieVariant } from '../mutants/cie-mutants.ts';
import { runConformance } from '../run-conformance.ts';
import { EMRTD_SUITE } from './index.ts';

const matrix = icaoMatrix();
const suiteCase = (id: string): ConformanceCase => {
  const c = EMRTD_SUITE.cases.find((x) => x.id === id);
  if (!c) throw new Error(`no suite case ${id}`);
  return c;
};
const apduSteps = (c: ConformanceCase): ApduStep[] =>
  c.steps.filter((s): s is ApduStep => 'send' in s);
const matrixSw = (id: string, step: number): readonly string[] | undefined =>
  matrix.steps.get(id)?.find((s) => s.step === step)?.sw;

type Wrap = (inner: ReturnType<typeof buildCieVariant>) => Card;

async function run(ids: readonly string[], variant?: CieVariant, wrap?: Wrap): Promise<RunResult> {
  const base = await resolveTarget('inproc:cie');
  if (!variant && !wrap) return runConformance({ target: base, only: ids, destructive: true });
  const img = defaultCardImage();
  const create = () => {
    const card = buildCieVariant(img, variant);
    return new InProcessChannel(wrap ? wrap(card) : card, 'regression variant');
  };
  return runConformance({
    target: {
      ...base,
      target: {
        description: 'regression variant',
        channel: create(),
        tokens: ['RAW_FRAMES', 'DISPOSABLE'],
        fresh: async () => create(),
      },
    },
    only: ids,
    destructive: true,
  });
}
const verdicts = (r: RunResult): Record<string, string> =>
  Object.fromEntries(r.results.map((x) => [x.id, x.verdict]));

/** Answers a GA step 1 (`7C 00`) that directly follows another one with 6985. */
class RefusesSecondGa1 extends CardWrapper {
  private last = '';
  override transmit(command: Uint8Array): Uint8Array {
    const hex = toHex(command);
    const ga1 = /^1086000002/.test(hex) && hex.slice(10, 14) === '7C00';
    const previous = this.last;
    this.last = ga1 ? 'ga1' : '';
    return ga1 && previous === 'ga1' ? Uint8Array.of(0x69, 0x85) : this.inner.transmit(command);
  }
}

/** Executes a plain SELECT during SM (ending the session) but answers 6982. */
class PlainSelect6982 extends CardWrapper {
  override transmit(command: Uint8Array): Uint8Array {
    const out = this.inner.transmit(command);
    return toHex(command) === '00A4020C02011E' && out.length === 2 && toHex(out) === '9000'
      ? Uint8Array.of(0x69, 0x82)
      : out;
  }
}

/** Refuses every protected READ BINARY by SFI (CLA 0C, INS B0, P1 8x) with a plain 6982. */
class RefusesProtectedSfiRead extends CardWrapper {
  override transmit(command: Uint8Array): Uint8Array {
    const [cla, ins, p1] = command;
    if (cla === 0x0c && ins === 0xb0 && ((p1 ?? 0) & 0x80) !== 0) return Uint8Array.of(0x69, 0x82);
    return this.inner.transmit(command);
  }
}

describe('ICAO Part 3 ISO7816_P_14: a second GA step 1 restarts PACE, which completes', () => {
  it('the suite follows the matrix steps: MSE, GA 1, GA 1 again, GA 2, GA 3, GA 4, all positive', () => {
    const m = matrix.steps.get('ISO7816_P_14') ?? [];
    expect(m.map((s) => s.apdu.slice(0, 11))).toEqual([
      '00 22 C1 A4',
      '10 86 00 00',
      '10 86 00 00',
      '10 86 00 00',
      '10 86 00 00',
      '00 86 00 00',
    ]);
    expect(m[1]?.apdu).toContain('7C 00');
    expect(m[2]?.apdu).toContain('7C 00');
    const steps = apduSteps(suiteCase('ISO7816_P_14')).filter((s) => /MSE|GA/.test(s.title));
    expect(steps.map((s) => s.title.slice(0, 4))).toEqual([
      'MSE:',
      'GA 1',
      'GA 1',
      'GA 2',
      'GA 3',
      'GA 4',
    ]);
    for (const s of steps) expect(s.expect.sw).toEqual(['9000']);
  });
  it('passes on the emulated CIE and fails on a chip that refuses the second GA 1', async () => {
    expect(verdicts(await run(['ISO7816_P_14']))).toEqual({ ISO7816_P_14: 'passed' });
    const broken = await run(['ISO7816_P_14'], undefined, (c) => new RefusesSecondGa1(c));
    expect(verdicts(broken)).toEqual({ ISO7816_P_14: 'failed' });
  });
});

describe('ICAO Part 3 ISO7816_E_4: Le beyond the end of file answers 9000', () => {
  it('the suite expects exactly the matrix status word', () => {
    expect(matrixSw('ISO7816_E_4', 2)).toEqual(['9000']);
    expect(matrix.steps.get('ISO7816_E_4')?.[1]?.apdu).toContain('97 01 E0');
    const read = apduSteps(suiteCase('ISO7816_E_4'))[1];
    expect(read?.send).toBe('00B00000E0');
    expect(read?.expect.sw).toEqual(['9000']);
  });
  it('passes on the emulated CIE and fails on a chip answering 6282', async () => {
    expect(verdicts(await run(['ISO7816_E_4']))).toEqual({ ISO7816_E_4: 'passed' });
    const broken = await run(['ISO7816_E_4'], { options: { readBeyondEof: '6282' } });
    expect(verdicts(broken)).toEqual({ ISO7816_E_4: 'failed' });
  });
});

describe('ICAO Part 3 ISO7816_B_3: plain SELECT of EF.DG1 before BAC answers 6982 only', () => {
  it('the suite expects exactly the matrix status word (B_4 keeps 6982 or 9000)', () => {
    expect(matrixSw('ISO7816_B_3', 1)).toEqual(['6982']);
    expect(matrixSw('ISO7816_B_4', 1)).toEqual(['6982', '9000']);
    expect(apduSteps(suiteCase('ISO7816_B_3'))[0]?.expect.sw).toEqual(['6982']);
    expect(apduSteps(suiteCase('ISO7816_B_4'))[0]?.expect.sw).toEqual(['6982', '9000']);
  });
  it('passes on the emulated CIE and fails on a chip that selects DG1 before access', async () => {
    expect(verdicts(await run(['ISO7816_B_3', 'ISO7816_B_4']))).toEqual({
      ISO7816_B_3: 'passed',
      ISO7816_B_4: 'passed',
    });
    const broken = await run(['ISO7816_B_3', 'ISO7816_B_4'], {
      emrtdOptions: { dgSelectBeforeAccess: '9000' },
    });
    expect(verdicts(broken)).toEqual({ ISO7816_B_3: 'failed', ISO7816_B_4: 'passed' });
  });
});

describe('ICAO Part 3 ISO7816_C_16: plain SELECT during BAC secure messaging answers 9000 only', () => {
  it('the suite expects exactly the matrix status word', () => {
    expect(matrixSw('ISO7816_C_16', 1)).toEqual(['9000']);
    expect(apduSteps(suiteCase('ISO7816_C_16'))[0]?.expect.sw).toEqual(['9000']);
  });
  it('passes on the emulated CIE and fails on a chip answering 6982', async () => {
    expect(verdicts(await run(['ISO7816_C_16']))).toEqual({ ISO7816_C_16: 'passed' });
    const broken = await run(['ISO7816_C_16'], undefined, (c) => new PlainSelect6982(c));
    expect(verdicts(broken)).toEqual({ ISO7816_C_16: 'failed' });
  });
});

describe('ICAO Part 3 ISO7816_B_37..B_54 and O_37..O_54: positive protected read, then plain read refused', () => {
  const ids = (cat: 'B' | 'O') => Array.from({ length: 18 }, (_, i) => `ISO7816_${cat}_${37 + i}`);
  it('every case has the matrix steps: protected READ BINARY by SFI, then plain 00 B0 00 00 00', () => {
    for (const id of [...ids('B'), ...ids('O')]) {
      const m = matrix.steps.get(id) ?? [];
      expect(m.map((s) => s.protected)).toEqual([true, false]);
      expect(m[1]?.apdu).toBe('00 B0 00 00 00');
      if (id.includes('_B_')) expect(m[0]?.sw).toEqual(['9000']);
      const [first, second] = apduSteps(suiteCase(id));
      expect(first?.protect).toBe('sm');
      expect(first?.send).toMatch(/^00B08[0-9A-F]0006$|^00B09[0-9A-F]0006$/);
      expect(second?.protect).toBeUndefined();
      expect(second?.send).toBe('00B0000000');
    }
  });
  it('the applicable ones pass on the emulated CIE and fail on a chip refusing protected SFI reads', async () => {
    const some = ['ISO7816_B_37', 'ISO7816_B_39', 'ISO7816_O_37', 'ISO7816_O_39', 'ISO7816_O_41'];
    expect(verdicts(await run(some))).toEqual({
      ISO7816_B_37: 'passed',
      ISO7816_B_39: 'passed',
      ISO7816_O_37: 'passed',
      ISO7816_O_39: 'passed',
      // DG3 behind Terminal Authentication: the protected read is refused (6982), as EAC wants.
      ISO7816_O_41: 'passed',
    });
    const broken = await run(some, undefined, (c) => new RefusesProtectedSfiRead(c));
    expect(verdicts(broken)).toEqual({
      ISO7816_B_37: 'failed',
      ISO7816_B_39: 'failed',
      ISO7816_O_37: 'failed',
      ISO7816_O_39: 'failed',
      ISO7816_O_41: 'passed',
    });
  });
});
