/**
 * The ISO/IEC 7816-4 generic suite on the generic test cards (in-process) and its mutation
 * check: the correct cards pass every applicable case, and
 * each deliberately broken variant is reported by exactly the case ids that check the rule it
 * breaks — no more, no fewer.
 */
import { describe, expect, it } from 'vitest';
import { InProcessChannel } from '../../../harness/channel/in-process-channel.ts';
import { loadDefaultIcs } from '../../ics/index.ts';
import type { RunResult } from '../../lib/model.ts';
import { ISO_MUTANTS, type Mutant } from '../../lib/mutants/iso-mutants.ts';
import { runConformance } from '../run-conformance.ts';

const problems = (r: RunResult): string[] =>
  r.results
    .filter(
      (x) => x.verdict === 'failed' || x.verdict === 'inconclusive' || x.verdict === 'skipped',
    )
    .map((x) => `${x.id} ${x.verdict}: ${x.reason ?? ''}`);

describe('ISO 7816 generic suite on the correct test cards', () => {
  it('iso-test: every applicable case passes; only SM, no-extended and no-chaining cases are not applicable', async () => {
    const r = await runConformance({
      target: 'inproc:iso-test',
      suites: ['iso7816'],
      destructive: true,
    });
    expect(problems(r)).toEqual([]);
    const na = r.results.filter((x) => x.verdict === 'not-applicable');
    expect(na.every((x) => /SM|EXTENDED_LENGTH|CHAINING/.test(x.reason ?? ''))).toBe(true);
    expect(r.summary.counts.passed).toBeGreaterThanOrEqual(90);
  });
  it('sm-test: every case passes, secure-messaging cases included', async () => {
    const r = await runConformance({
      target: 'inproc:sm-test',
      suites: ['iso7816'],
      destructive: true,
    });
    expect(problems(r)).toEqual([]);
    expect(
      r.results
        .filter((x) => x.category.startsWith('ISO7816_GEN_SM'))
        .every((x) => x.verdict === 'passed'),
    ).toBe(true);
  });
});

/** Mutant → the exact case ids that must fail on it. */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  'eof-9000': ['ISO7816_GEN_84', 'ISO7816_GEN_86', 'ISO7816_GEN_106', 'ISO7816_GEN_158'],
  'ne-truncate': ['ISO7816_GEN_121'],
  'chaining-refused': ['ISO7816_GEN_130', 'ISO7816_GEN_131', 'ISO7816_GEN_133', 'ISO7816_GEN_161'],
  'offset-beyond-eof-6282': [
    'ISO7816_GEN_82',
    'ISO7816_GEN_83',
    'ISO7816_GEN_105',
    'ISO7816_GEN_157',
  ],
  'ins-6e00': ['ISO7816_GEN_10', 'ISO7816_GEN_11'],
  'constant-challenge': ['ISO7816_GEN_141'],
  'sm-kept-after-error': [
    'ISO7816_GEN_170',
    'ISO7816_GEN_171',
    'ISO7816_GEN_172',
    'ISO7816_GEN_173',
    'ISO7816_GEN_174',
    'ISO7816_GEN_175',
    'ISO7816_GEN_176',
    'ISO7816_GEN_177',
    'ISO7816_GEN_178',
  ],
  'sm-kept-after-plain': [
    'ISO7816_GEN_155',
    'ISO7816_GEN_180',
    'ISO7816_GEN_181',
    'ISO7816_GEN_182',
    'ISO7816_GEN_183',
  ],
  'sm-kept-after-refusal': [
    'ISO7816_GEN_179',
    'ISO7816_GEN_180',
    'ISO7816_GEN_181',
    'ISO7816_GEN_182',
    'ISO7816_GEN_183',
  ],
  'sm-kept-after-reset': ['ISO7816_GEN_156'],
};

async function runOn(m: Mutant): Promise<RunResult> {
  return runConformance({
    target: {
      personality: 'sm-test',
      target: {
        description: `mutant ${m.name}`,
        channel: new InProcessChannel(m.create()),
        tokens: ['RAW_FRAMES', 'DISPOSABLE'],
        fresh: async () => new InProcessChannel(m.create()),
      },
    },
    suites: ['iso7816'],
    ics: await loadDefaultIcs('sm-test'),
    destructive: true,
  });
}

describe('mutation check: the ISO suite fails exactly where a broken card breaks a rule', () => {
  it('every mutant has an expectation', () => {
    expect(ISO_MUTANTS.map((m) => m.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
  for (const m of ISO_MUTANTS) {
    it(`${m.name} (${m.breaks}) → ${(EXPECTED[m.name] ?? []).join(', ')}`, async () => {
      const r = await runOn(m);
      const failed = r.results.filter((x) => x.verdict === 'failed').map((x) => x.id);
      expect(failed).toEqual(EXPECTED[m.name]);
      expect(r.summary.counts.inconclusive).toBe(0);
    });
  }
});
