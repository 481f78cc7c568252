/**
 * The ICAO Part 3 v3.2 case list transcribed into the repository (matrix-v3.2.cases.tsv, with its
 * source header) against the suites: every ICAO id a suite uses names a matrix case of the same
 * category; the exclusions name matrix cases the suite does not implement; and for every CIE
 * personality's ICS no applicable matrix case is missing without a stated reason. The coverage
 * numbers of the default ICS are pinned, so a change shows up in review.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { loadIcsFile } from '../lib/ics.ts';
import { packageFile } from '../../emulator/src/package-root.ts';
import { ALL_SUITES } from '../suites/index.ts';
import { htmlReport } from '../lib/reports/html-report.ts';
import type { RunResult } from '../lib/model.ts';
import { coverageTable, matrixCoverage } from './coverage.ts';
import { expandIds, MATRIX_EXCLUSIONS } from './exclusions.ts';
import { categoryOf, ICAO_ID, icaoMatrix } from './matrix.ts';

const matrix = icaoMatrix();
const cases = ALL_SUITES.flatMap((s) => s.cases);

describe('the transcribed matrix', () => {
  it('has the 411 cases of v3.2 and names its public source', () => {
    expect(matrix.cases).toHaveLength(411);
    const header = matrix.source.join('\n');
    expect(header).toContain('Trust-Anchor-Group/NeuroAccessMaui');
    expect(header).toContain('NeuroAccess.Nfc.Test/TestData/ICAO/Part3/v3.2/matrix.xml');
    expect(header).toContain('f879766a90681c4d02d61528be9e25576b634594');
    expect(header).toContain('caseCount="411"');
    const per = Object.fromEntries(
      matrix.categories.map((c) => [c, matrix.cases.filter((x) => x.category === c).length]),
    );
    expect(per).toMatchObject({ ISO7816_B: 54, ISO7816_I: 30, ISO7816_O: 58, ISO7816_P: 72 });
    expect(matrix.cases.every((c) => c.purpose.length > 10)).toBe(true);
  });
});

describe('suite ids', () => {
  it('every ICAO-style id in the suites names a matrix case, in the same category', () => {
    const icao = cases.filter((c) => ICAO_ID.test(c.id));
    expect(icao.length).toBeGreaterThan(300);
    const unknown = icao.filter((c) => !matrix.byId.has(c.id)).map((c) => c.id);
    expect(unknown).toEqual([]);
    const wrongCategory = icao
      .filter((c) => c.category !== categoryOf(c.id))
      .map((c) => `${c.id} in ${c.category}`);
    expect(wrongCategory).toEqual([]);
  });
  it('ids of the project own cases cannot be mistaken for ICAO ids', () => {
    for (const c of cases.filter((x) => !ICAO_ID.test(x.id)))
      expect(c.id).toMatch(/^(CIE_EMRTD_|CIE_IAS_|ISO7816_GEN_)/);
  });
  it('every ICAO case cites its matrix id', () => {
    for (const c of cases.filter((x) => ICAO_ID.test(x.id)))
      expect(c.refs.some((r) => r.doc.includes('Part 3') && r.clause.startsWith(c.id))).toBe(true);
  });
});

describe('exclusions', () => {
  const excluded = MATRIX_EXCLUSIONS.flatMap((e) => expandIds(e.ids));
  it('name matrix cases the suite does not implement, each once, with a reason and evidence', () => {
    expect(excluded.filter((id) => !matrix.byId.has(id))).toEqual([]);
    expect(excluded.filter((id) => cases.some((c) => c.id === id))).toEqual([]);
    expect(new Set(excluded).size).toBe(excluded.length);
    for (const e of MATRIX_EXCLUSIONS) {
      expect(e.requires.length).toBeGreaterThan(0);
      expect(e.reason.length).toBeGreaterThan(10);
      expect(e.evidence).toMatch(/README\.md §/);
    }
  });
  it('Chip Authentication by MSE:Set AT + GENERAL AUTHENTICATE (I_16..I_29) is implemented for DH; only the EC cases are excluded', () => {
    const ga = Array.from({ length: 14 }, (_, i) => `ISO7816_I_${16 + i}`);
    const implemented = ga.filter((id) => cases.some((c) => c.id === id));
    expect(implemented).toEqual([
      'ISO7816_I_16',
      'ISO7816_I_17',
      'ISO7816_I_18',
      'ISO7816_I_19',
      'ISO7816_I_20',
      'ISO7816_I_21',
      'ISO7816_I_22',
      'ISO7816_I_27',
      'ISO7816_I_28',
    ]);
    expect(ga.filter((id) => !implemented.includes(id)).every((id) => excluded.includes(id))).toBe(
      true,
    );
  });
});

const icsFiles = readdirSync(packageFile('conformance', 'ics')).filter((f) =>
  /^cie-.*\.ics\.json$/.test(f),
);

describe('coverage per ICAO category', () => {
  for (const file of icsFiles) {
    it(`${file}: no applicable matrix case is missing; every n/a has a reason`, async () => {
      const ics = await loadIcsFile(packageFile('conformance', 'ics', file));
      const cov = matrixCoverage(cases, new Set([...ics.tokens, 'RAW_FRAMES', 'DISPOSABLE']));
      expect(cov.total).toBe(411);
      const missing = cov.categories.flatMap((c) => c.cases.filter((x) => x.status === 'missing'));
      expect(missing).toEqual([]);
      for (const c of cov.categories)
        for (const x of c.cases.filter((k) => k.status === 'n/a'))
          expect(x.reason).toMatch(/^ICS (does not )?declares? /);
    });
  }
  it('the default ICS (cie-nxp): the pinned numbers, and a table per category', async () => {
    const ics = await loadIcsFile(packageFile('conformance', 'ics', 'cie-nxp.ics.json'));
    const cov = matrixCoverage(cases, new Set(ics.tokens));
    expect({ covered: cov.covered, na: cov.notApplicable, missing: cov.missing }).toEqual({
      covered: 244,
      na: 167,
      missing: 0,
    });
    const table = coverageTable(cov);
    expect(table).toMatch(/^category\s+cases\s+covered\s+n\/a\s+missing/);
    expect(table).toMatch(/ISO7816_I\s+30\s+19\s+11\s+0/);
    expect(table).toMatch(/\(all\)\s+411\s+244\s+167\s+0/);
  });
  it('an ICS declaring Active Authentication shows the AA cases as missing (not silently n/a)', async () => {
    const ics = await loadIcsFile(packageFile('conformance', 'ics', 'cie-nxp.ics.json'));
    const cov = matrixCoverage(cases, new Set([...ics.tokens, 'AA']));
    const r = cov.categories.find((c) => c.category === 'ISO7816_R');
    expect(r?.missing).toBe(6);
    expect(r?.cases[0]?.reason).toMatch(/^not implemented: Active Authentication/);
  });
  it('the HTML report carries the coverage table', async () => {
    const ics = await loadIcsFile(packageFile('conformance', 'ics', 'cie-nxp.ics.json'));
    const coverage = matrixCoverage(cases, new Set(ics.tokens));
    const run: RunResult = {
      tool: 'test',
      startedAt: new Date(0).toISOString(),
      ms: 0,
      target: 'none',
      atr: '',
      ics: { personality: 'cie-nxp', description: 'x', source: 'x' },
      options: { destructive: false, triesFloor: 1, suites: ['emrtd'] },
      summary: {
        total: 0,
        counts: { passed: 0, failed: 0, 'not-applicable': 0, inconclusive: 0, skipped: 0 },
      },
      results: [],
      coverage,
    };
    const html = htmlReport(run);
    expect(html).toContain(
      'ICAO Part 3 coverage: 244 covered, 167 not applicable, 0 missing of 411',
    );
    expect(html).toContain(
      '<td>LDS_J</td><td class="n">5</td><td class="n">0</td><td class="n">5</td>',
    );
  });
});
