/**
 * Conformance benchmark: the full in-process run of the three suites (ISO
 * 7816, CIE IAS, eMRTD) on the default emulated CIE, destructive cases included, reports written
 * as the CLI would. Target: ≤ 30 s wall time. One warm-up run (personalisation of the eMRTD
 * side and module loading happen once per process, as in a CLI run), then the median of three
 * measured runs; per-suite times and the number of cases are printed alongside.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReports } from '../../../conformance/lib/reports/write-reports.ts';
import type { RunResult, SuiteId } from '../../../conformance/lib/model.ts';
import { runConformance } from '../../../conformance/suites/run-conformance.ts';
import { measureDurations, type BenchMetric, type BenchSuite } from '../bench-kit.ts';

async function fullRun(dir: string): Promise<RunResult> {
  const r = await runConformance({ target: 'inproc:cie', destructive: true });
  await writeReports(r, dir);
  return r;
}

export const suite: BenchSuite = {
  name: 'conformance suite, in-process (default CIE)',
  async run(): Promise<BenchMetric[]> {
    const dir = mkdtempSync(join(tmpdir(), 'ciebench-conformance-bench-'));
    try {
      const first = await fullRun(dir);
      if (first.summary.counts.inconclusive > 0)
        throw new Error(`benchmark setup: ${first.summary.counts.inconclusive} inconclusive cases`);
      const d = await measureDurations(() => fullRun(dir), 3, 0);
      const perSuite = (['iso7816', 'cie-ias', 'emrtd'] as SuiteId[]).map((s) => ({
        name: `  of which ${s} (${first.results.filter((r) => r.suite === s).length} cases), warm-up run`,
        value: first.results.filter((r) => r.suite === s).reduce((t, r) => t + r.ms, 0) / 1000,
        unit: 's',
      }));
      return [
        {
          name: `full run, ${first.summary.total} cases + reports (median of 3)`,
          value: d.median / 1000,
          unit: 's',
          target: { op: '<=', value: 30 },
          detail: `p95 ${(d.p95 / 1000).toFixed(2)} s`,
        },
        ...perSuite,
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
