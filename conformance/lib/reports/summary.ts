/** Per-suite and per-category counts of a run (the tables of every report format). */
import type { CaseResult, RunResult, SuiteId, Verdict } from '../model.ts';
import { VERDICTS } from '../model.ts';

export interface CategoryRow {
  readonly suite: SuiteId;
  readonly category: string;
  readonly total: number;
  readonly counts: Readonly<Record<Verdict, number>>;
}

function count(results: readonly CaseResult[]): Record<Verdict, number> {
  const c = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const r of results) c[r.verdict]++;
  return c;
}

export function byCategory(run: RunResult): CategoryRow[] {
  const groups = new Map<string, CaseResult[]>();
  for (const r of run.results) {
    const k = `${r.suite}\u0000${r.category}`;
    const list = groups.get(k) ?? [];
    list.push(r);
    groups.set(k, list);
  }
  return [...groups.entries()].map(([k, list]) => {
    const [suite, category] = k.split('\u0000') as [SuiteId, string];
    return { suite, category, total: list.length, counts: count(list) };
  });
}

export function bySuite(run: RunResult): CategoryRow[] {
  const suites = [...new Set(run.results.map((r) => r.suite))];
  return suites.map((suite) => {
    const list = run.results.filter((r) => r.suite === suite);
    return { suite, category: '(all)', total: list.length, counts: count(list) };
  });
}

/**
 * Exit code of a run (the command line's table): 0 when every case passed, was not applicable or
 * was skipped by the safety rules; 1 (verdict failed) when a case failed or could not conclude.
 */
export function exitCodeOf(run: RunResult): number {
  return run.summary.counts.failed > 0 || run.summary.counts.inconclusive > 0 ? 1 : 0;
}
