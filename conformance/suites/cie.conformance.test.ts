/**
 * The whole conformance suite on the emulated CIE (in-process) and the mutation check on broken
 * CIE variants (every variant must fail at least one case).
 *
 * - The default composite CIE (IAS + eMRTD) passes every applicable case except the defects the
 *   suite found and reported (known-defects.ts), which must still fail — so a fix is noticed.
 * - Every personality passes the ISO 7816 and CIE IAS suites with its own default ICS.
 * - Each broken variant (one rule broken: PIN counter, SM teardown, EOF status, access control,
 *   GET DATA form, outer SW policy, READ BINARY cap, NIS consistency, challenge reuse, PIN status)
 *   fails exactly the listed cases; the run is otherwise clean.
 */
import { describe, expect, it } from 'vitest';
import { InProcessChannel } from '../../harness/channel/in-process-channel.ts';
import { CIE_PROFILES } from '../../emulator/src/profiles/cie-profiles.ts';
import type { RunResult } from '../lib/model.ts';
import { resolveTarget } from '../lib/targets.ts';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { KNOWN_DEFECTS } from './known-defects.ts';
import { CIE_MUTANTS } from './mutants/cie-mutants.ts';
import { runConformance } from './run-conformance.ts';

const ids = (r: RunResult, verdict: string): string[] =>
  r.results
    .filter((x) => x.verdict === verdict)
    .map((x) => x.id)
    .sort();
const unexpected = (r: RunResult): string[] =>
  r.results
    .filter(
      (x) =>
        (x.verdict === 'failed' && !KNOWN_DEFECTS.has(x.id)) ||
        x.verdict === 'inconclusive' ||
        x.verdict === 'skipped',
    )
    .map((x) => `${x.id} ${x.verdict}: ${x.reason ?? ''}`);

describe('the conformance suite on the default emulated CIE, in-process', () => {
  it('passes every applicable case of the three suites, except the reported defects, which still fail', async () => {
    const r = await runConformance({ target: 'inproc:cie', destructive: true });
    expect(unexpected(r)).toEqual([]);
    expect(ids(r, 'failed')).toEqual([...KNOWN_DEFECTS.keys()].sort());
    expect(r.summary.total).toBeGreaterThanOrEqual(500);
    expect(r.summary.counts.passed).toBeGreaterThanOrEqual(450);
    // Not applicable only for what the CIE lacks (AA, EF.CardSecurity, EF.DIR, absent DGs, record files, …).
    const reasons = new Set(
      r.results.filter((x) => x.verdict === 'not-applicable').map((x) => x.reason),
    );
    for (const reason of reasons) expect(reason).toMatch(/^ICS (does not )?declares? /);
  });

  for (const p of CIE_PROFILES) {
    it(`personality ${p.id}: the ISO 7816 and CIE IAS suites pass with its default ICS`, async () => {
      const r = await runConformance({
        target: `inproc:cie-${p.id}`,
        suites: ['iso7816', 'cie-ias'],
        destructive: true,
      });
      expect(unexpected(r)).toEqual([]);
      expect(ids(r, 'failed')).toEqual([]);
    });
  }
});

/** Mutant → the exact case ids that must fail on it (beyond the reported defects). */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  'pin-counter-not-decremented': [
    'CIE_IAS_PIN_10',
    'CIE_IAS_PIN_20',
    'CIE_IAS_PIN_8',
    'CIE_IAS_PIN_9',
  ],
  'sm-kept-after-mac-error': [
    'CIE_IAS_SM_6',
    'ISO7816_C_12',
    'ISO7816_C_13',
    'ISO7816_C_14',
    'ISO7816_C_17',
    'ISO7816_C_18',
    'ISO7816_GEN_170',
    'ISO7816_GEN_171',
    'ISO7816_GEN_172',
    'ISO7816_GEN_173',
    'ISO7816_GEN_174',
    'ISO7816_GEN_175',
    'ISO7816_GEN_176',
    'ISO7816_GEN_177',
    'ISO7816_GEN_178',
    'ISO7816_P_79',
  ],
  'eof-6282': [
    'CIE_IAS_READ_2',
    'CIE_IAS_READ_3',
    'CIE_IAS_READ_8',
    'ISO7816_E_4',
    'ISO7816_GEN_158',
    'ISO7816_GEN_84',
    'ISO7816_GEN_86',
  ],
  'odd-eof-9000': ['CIE_IAS_READ_12', 'ISO7816_GEN_106'],
  'dg-readable-without-pace': [
    ...[19, 20, 21, 22, 23, 31, 32, 34, 37, 38, 39, 40, 49, 50, 52].flatMap((n) => [
      `ISO7816_B_${n}`,
      `ISO7816_O_${n}`,
    ]),
    // DG3 after PACE: O_41 expects the EAC refusal; B_41 does not apply to an EAC chip (ICAO).
    'ISO7816_O_41',
    'ISO7816_C_3',
    'CIE_EMRTD_TA_2',
    'CIE_EMRTD_TA_3',
    'CIE_EMRTD_TA_5',
    'CIE_EMRTD_TA_6',
    'CIE_EMRTD_TA_7',
    'CIE_EMRTD_TA_9',
    'ISO7816_P_3',
  ],
  'dg3-without-ta': [
    'CIE_EMRTD_TA_2',
    'CIE_EMRTD_TA_3',
    'CIE_EMRTD_TA_5',
    'CIE_EMRTD_TA_6',
    'CIE_EMRTD_TA_7',
    'CIE_EMRTD_TA_9',
    'ISO7816_O_41',
  ],
  'getdata-template-refused': ['CIE_IAS_GETDATA_1', 'CIE_IAS_GETDATA_6'],
  'outer-sw-mirror': [
    'ISO7816_GEN_159',
    'CIE_IAS_DH_7',
    ...[3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16].map((n) => `CIE_IAS_DAPP_${n}`),
    ...[2, 4, 5, 6, 7, 8, 9, 10, 12, 13, 15, 17, 18, 19, 20, 21, 22].map((n) => `CIE_IAS_PIN_${n}`),
    ...[3, 4, 5, 11, 12].map((n) => `CIE_IAS_SIGN_${n}`),
    'CIE_IAS_STATE_5',
    'ISO7816_D_23',
    'ISO7816_O_41',
    ...[3, 6, 7, 12, 13, 18, 21, 22, 27, 28].map((n) => `ISO7816_I_${n}`),
    'CIE_EMRTD_CA_1',
    ...[2, 3, 4, 5, 6, 7, 9, 10].map((n) => `CIE_EMRTD_TA_${n}`),
    'ISO7816_P_80',
  ],
  'read-cap-256': [
    'CIE_IAS_READ_1',
    'CIE_IAS_READ_4',
    'ISO7816_GEN_152',
    'ISO7816_GEN_37',
    'ISO7816_GEN_81',
    'ISO7816_GEN_96',
  ],
  'nis-mismatch': ['CIE_IAS_FILE_12', 'CIE_IAS_NIS_2', 'CIE_IAS_NIS_3'],
  'challenge-reusable': ['CIE_IAS_DAPP_10'],
  'pin-granted-by-internal-authenticate': [
    'CIE_IAS_FILE_13',
    'CIE_IAS_PIN_10',
    'CIE_IAS_PIN_19',
    'CIE_IAS_PIN_4',
    'CIE_IAS_PIN_5',
    'CIE_IAS_PIN_6',
    'CIE_IAS_SIGN_3',
  ],
};

describe('mutation check on the CIE: each broken variant fails exactly the cases for its rule', () => {
  it('every mutant has an expectation', () => {
    expect(CIE_MUTANTS.map((m) => m.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
  for (const m of CIE_MUTANTS) {
    it(`${m.name}: ${m.breaks}`, async () => {
      const base = await resolveTarget('inproc:cie');
      const img = defaultCardImage();
      const create = () => new InProcessChannel(m.create(img), `mutant ${m.name}`);
      const r = await runConformance({
        target: {
          ...base,
          target: {
            description: `mutant ${m.name}`,
            channel: create(),
            tokens: ['RAW_FRAMES', 'DISPOSABLE'],
            fresh: async () => create(),
          },
        },
        destructive: true,
      });
      expect(ids(r, 'failed').filter((id) => !KNOWN_DEFECTS.has(id))).toEqual(
        [...(EXPECTED[m.name] ?? [])].sort(),
      );
      expect(ids(r, 'inconclusive')).toEqual([]);
    });
  }
});
