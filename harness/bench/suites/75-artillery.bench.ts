/**
 * Artillery benchmark: `artillery run` (local runner) of the engine's example scenario
 * (scenarios/load/artillery-engine-ciebench/examples/hybrid-login.yml: citizens of a card fleet,
 * hybrid logins without a browser) against the reference IdP and SP started in this process, on
 * loopback only, at a bounded rate; then Artillery's JSON report summarised: VUs created,
 * completed and failed, errors by key (CIE code first), p50/p95 of each journey step, of whole
 * logins and of card taps. Unexpected errors are a missed target.
 *
 * Artillery is the engine package's own development dependency (461 MB, not the bench's): install
 * it with `PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix scenarios/load/artillery-engine-ciebench`.
 * Without it the suite says so and measures nothing, unless CIEBENCH_REQUIRE_ARTILLERY=1 (CI) makes
 * that a failure. Sizes: CIEBENCH_ARTILLERY_SECONDS (default 60), CIEBENCH_ARTILLERY_RATE (new
 * citizens per second, default 2). The report stays in reports/artillery/.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { packageFile } from '../../../emulator/src/package-root.ts';
import { startLoadTarget, targetView } from '../../../scenarios/load/target.ts';
import type { BenchMetric, BenchSuite } from '../bench-kit.ts';

const ENGINE_DIR = packageFile('scenarios', 'load', 'artillery-engine-ciebench');
const ARTILLERY = join(ENGINE_DIR, 'node_modules', '.bin', 'artillery');

const summarySchema = z.object({ count: z.number(), median: z.number(), p95: z.number() });
const reportSchema = z.object({
  aggregate: z.object({
    counters: z.record(z.string(), z.number()),
    summaries: z.record(z.string(), summarySchema),
  }),
});

const num = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, log: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    p.stdout.on('data', (d: Buffer) => (text += d.toString()));
    p.stderr.on('data', (d: Buffer) => (text += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      writeFileSync(log, text);
      resolve(code ?? 1);
    });
  });
}

/** Artillery's JSON report as bench metrics. */
export function summariseArtilleryReport(json: unknown, seconds: number): BenchMetric[] {
  const { counters, summaries } = reportSchema.parse(json).aggregate;
  const c = (k: string): number => counters[k] ?? 0;
  const errors = Object.entries(counters).filter(([k]) => k.startsWith('errors.'));
  const out: BenchMetric[] = [
    {
      name: 'Artillery VUs completed (citizens logged in)',
      value: c('vusers.completed'),
      unit: '',
      detail: `${c('vusers.created')} created, ${(c('vusers.completed') / seconds).toFixed(2)}/s`,
    },
    {
      name: 'Artillery VUs failed',
      value: c('vusers.failed'),
      unit: '',
      target: { op: '<=', value: 0 },
    },
    {
      name: 'Artillery unexpected errors',
      value: errors.reduce((a, [, n]) => a + n, 0),
      unit: '',
      target: { op: '<=', value: 0 },
      detail: errors.map(([k, n]) => `${k.slice(7)}×${n}`).join(', ') || 'none',
    },
  ];
  for (const [k, s] of Object.entries(summaries).filter(([k]) => k.startsWith('ciebench.')))
    out.push({
      name: `  ${k} p95`,
      value: s.p95,
      unit: 'ms',
      detail: `p50 ${s.median.toFixed(1)} ms, ${s.count} samples`,
    });
  return out;
}

export const suite: BenchSuite = {
  name: 'load: Artillery engine, local runner, against the reference IdP',
  async run() {
    if (!existsSync(ARTILLERY)) {
      const msg = `Artillery is not installed in ${ENGINE_DIR} (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix ${ENGINE_DIR})`;
      if (process.env['CIEBENCH_REQUIRE_ARTILLERY'] === '1') throw new Error(msg);
      process.stdout.write(`  SKIPPED: ${msg}\n`);
      return [];
    }
    const seconds = num('CIEBENCH_ARTILLERY_SECONDS', 60);
    const rate = num('CIEBENCH_ARTILLERY_RATE', 2);
    const dir = packageFile('reports', 'artillery');
    mkdirSync(dir, { recursive: true });
    const target = await startLoadTarget();
    try {
      const targetFile = join(dir, 'target.json');
      writeFileSync(targetFile, JSON.stringify(targetView(target)));
      const report = join(dir, 'report.json');
      const overrides = { config: { phases: [{ duration: seconds, arrivalRate: rate }] } };
      const code = await run(
        ARTILLERY,
        [
          'run',
          '--output',
          report,
          '--overrides',
          JSON.stringify(overrides),
          join(ENGINE_DIR, 'examples', 'hybrid-login.yml'),
        ],
        {
          ...process.env,
          CIEBENCH_TARGET: targetFile,
          NODE_PATH: packageFile('scenarios', 'load'),
          ARTILLERY_DISABLE_TELEMETRY: 'true',
        },
        join(dir, 'artillery.log'),
      );
      if (code !== 0 || !existsSync(report))
        throw new Error(`artillery run ended with ${code}: see ${join(dir, 'artillery.log')}`);
      process.stdout.write(`  (${seconds} s at ${rate}/s; report ${report})\n`);
      return summariseArtilleryReport(JSON.parse(readFileSync(report, 'utf8')), seconds);
    } finally {
      await target.close();
    }
  },
};
