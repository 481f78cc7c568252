/**
 * Scenario runner benchmark: the whole journey catalogue as CI runs it — the reference IdP and SP,
 * the app agent on the WebSocket NFC endpoint, Debian's headless Chromium, every artefact recorded
 * (screenshots, HAR, APDU traces, SAML messages) and the three reports written — one journey after
 * the other on this machine.
 *
 * - wall time of the whole catalogue (target ≤ 5 minutes on the 2-core reference machine);
 * - journeys per minute: the journeys that ran (a pending journey does not run; a known defect
 *   runs until it fails as known) over the wall time.
 *
 * A catalogue with a failing journey measures nothing: the suite then throws with the failures.
 * Needs /usr/bin/chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogue } from '../../../scenarios/runner/load.ts';
import { writeReports } from '../../../scenarios/runner/reports/write.ts';
import { countVerdicts } from '../../../scenarios/runner/results.ts';
import { runScenarios } from '../../../scenarios/runner/run.ts';
import type { BenchMetric, BenchSuite } from '../bench-kit.ts';

export const suite: BenchSuite = {
  name: 'scenario runner: the whole journey catalogue (reference IdP and SP, app on NFC, Chromium)',
  async run(): Promise<BenchMetric[]> {
    const dir = mkdtempSync(join(tmpdir(), 'ciebench-scenarios-bench-'));
    try {
      const journeys = catalogue();
      const t0 = performance.now();
      const r = await runScenarios(journeys, {
        reportDir: dir,
        headed: false,
        showSecrets: false,
        overrides: {},
        external: {},
      });
      writeReports(r, dir);
      const wallS = (performance.now() - t0) / 1000;
      const c = countVerdicts(r.journeys);
      const bad = r.journeys.filter((j) => j.verdict === 'failed' || j.verdict === 'error');
      if (bad.length > 0)
        throw new Error(
          `the catalogue does not pass: ${bad.map((j) => `${j.id}: ${j.reason}`).join('; ')}`,
        );
      const ran = r.journeys.filter((j) => j.steps.length > 0).length;
      return [
        {
          name: 'whole catalogue wall time',
          value: wallS,
          unit: 's',
          target: { op: '<=', value: 300 },
          detail: `${journeys.length} journeys: ${c.passed} passed, ${c.skipped} skipped (pending or known defect)`,
        },
        {
          name: 'journeys per minute',
          value: (ran * 60) / wallS,
          unit: '/min',
          detail: `median journey ${median(r.journeys.filter((j) => j.verdict === 'passed').map((j) => j.durationMs / 1000)).toFixed(1)} s`,
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor(s.length / 2)] as number) : 0;
}
