/**
 * Coverage of the ICAO Part 3 matrix by the suite, per ICAO category, for one ICS:
 *
 * ```
 * matrix case ─► a suite case with its id? ── yes ─► applicable (ICS tokens)? ── yes ─► covered
 *                    │ no                                    │ no ─► n/a (the ICS reason)
 *                    └─► listed in exclusions.ts? ── yes ─► ICS declares what it needs? ─ no ─► n/a
 *                                 │ no                                  │ yes
 *                                 └──────────────► missing ◄────────────┘
 * ```
 * A lab reads it as: covered cases run, n/a cases do not apply to this card (reason given),
 * missing cases apply but the suite has no implementation.
 */
import type {
  CaseCoverage,
  CategoryCoverage,
  ConformanceCase,
  MatrixCoverage,
} from '../lib/model.ts';
import { notApplicableReason } from '../lib/ics.ts';
import { exclusionOf } from './exclusions.ts';
import { icaoMatrix, type IcaoMatrix } from './matrix.ts';

type CoverageStatus = CaseCoverage['status'];

function one(
  id: string,
  suiteCase: ConformanceCase | undefined,
  tokens: ReadonlySet<string>,
): CaseCoverage {
  if (suiteCase) {
    const why = notApplicableReason(tokens, suiteCase.applies, suiteCase.unless);
    return why ? { id, status: 'n/a', reason: why } : { id, status: 'covered' };
  }
  const ex = exclusionOf(id);
  if (!ex) return { id, status: 'missing', reason: 'no case in the suite and no stated reason' };
  const absent = ex.requires.filter((t) => !tokens.has(t));
  return absent.length > 0
    ? { id, status: 'n/a', reason: `ICS does not declare ${absent.join(', ')}: ${ex.reason}` }
    : { id, status: 'missing', reason: `not implemented: ${ex.reason}` };
}

/**
 * Coverage of `matrix` by `cases` under the ICS `tokens` (plus the target's). The suite case's
 * own `applies`/`unless` decide applicability (the matrix's profile tokens are transcribed, not
 * evaluated: they mix card features with groupings such as `ICAO` and `LDS1`).
 */
export function matrixCoverage(
  cases: readonly ConformanceCase[],
  tokens: ReadonlySet<string>,
  matrix: IcaoMatrix = icaoMatrix(),
): MatrixCoverage {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const categories = matrix.categories.map((category): CategoryCoverage => {
    const list = matrix.cases
      .filter((c) => c.category === category)
      .map((c) => one(c.id, byId.get(c.id), tokens));
    const count = (s: CoverageStatus) => list.filter((x) => x.status === s).length;
    return {
      category,
      total: list.length,
      covered: count('covered'),
      notApplicable: count('n/a'),
      missing: count('missing'),
      cases: list,
    };
  });
  const sum = (k: 'covered' | 'notApplicable' | 'missing') =>
    categories.reduce((a, c) => a + c[k], 0);
  return {
    matrix: `ICAO Part 3 v3.2 (${matrix.cases.length} cases, conformance/icao-part3/)`,
    total: matrix.cases.length,
    covered: sum('covered'),
    notApplicable: sum('notApplicable'),
    missing: sum('missing'),
    categories,
  };
}

/** A fixed-width table: category, total, covered, n/a, missing. */
export function coverageTable(c: MatrixCoverage): string {
  const head = ['category', 'cases', 'covered', 'n/a', 'missing'];
  const body = [
    ...c.categories.map((x) => [
      x.category,
      String(x.total),
      String(x.covered),
      String(x.notApplicable),
      String(x.missing),
    ]),
    ['(all)', String(c.total), String(c.covered), String(c.notApplicable), String(c.missing)],
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((x, i) => (i === 0 ? x.padEnd(widths[i] ?? 0) : x.padStart(widths[i] ?? 0)))
      .join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** n/a and missing cases with their reasons, grouped by reason. */
export function coverageReasons(c: MatrixCoverage): string {
  const groups = new Map<string, string[]>();
  for (const cat of c.categories)
    for (const x of cat.cases)
      if (x.status !== 'covered') {
        const key = `${x.status === 'missing' ? 'MISSING' : 'n/a'}: ${x.reason ?? ''}`;
        groups.set(key, [...(groups.get(key) ?? []), x.id]);
      }
  return [...groups].map(([reason, ids]) => `${reason}\n    ${ids.join(' ')}`).join('\n');
}
