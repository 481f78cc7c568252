/**
 * Artillery benchmark: `artillery run` (local runner) of the engine's example scenario
 * (scenarios/load/artillery-engine-ciebench/examples/hybrid-login.yml: citizens of a card fleet,
 * hybrid logins without a browser) against the reference IdP and SP started in this process, on
 * loopback only, at a bounded rate; then Artillery's JSON report summarised: VUs created,
 * completed and failed, errors by key (CIE code first), p50/p95 of each journey step, of whole
 * logins and of card taps. Unexpected errors are a missed target.
 *
 * Then, when Debian's Chromium is there, a second, short run at browser level
 * (examples/hybrid-login-browser.yml: Artillery's Playwright engine, the scenario runner's journey
 * steps in a real Chromium, scenarios/load/artillery-browser.ts) against the same target,
 * summarised the same way. Without Chromium it is skipped with a message, unless
 * CIEBENCH_REQUIRE_ARTILLERY=1 makes that a failure too.
 *
 * Artillery is the engine package's own development dependency (461 MB, not the bench's): install
 * it with `PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix scenarios/load/artillery-engine-ciebench`.
 * Without it the suite says so and measures nothing, unless CIEBENCH_REQUIRE_ARTILLERY=1 (CI) makes
 * that a failure. Sizes: CIEBENCH_ARTILLERY_SECONDS (default 60), CIEBENCH_ARTILLERY_RATE (new
 * citizens per second, default 2); the browser run: CIEBENCH_ARTILLERY_BROWSER_SECONDS (default 20),
 * one new citizen a second, at most CIEBENCH_ARTILLERY_BROWSER_VUS (default 4) at once. The
 * reports stay in reports/artillery/ (report.json, report-browser.json).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { packageFile } from '../../../emulator/src/package-root.ts';
import { startLoadTarget, targetView } from '../../../scenarios/load/target.ts';
import { nssTrust } from '../../../scenarios/runner/browser.ts';
import { CHROMIUM } from '../../browser/chromium.ts';
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

/**
 * Artillery's JSON report as bench metrics; `label` names the run (`Artillery`, `Artillery browser`)
 * and `prefix` its metrics (`ciebench.`, `ciebench.browser.`).
 */
export function summariseArtilleryReport(
  json: unknown,
  seconds: number,
  label = 'Artillery',
  prefix = 'ciebench.',
): BenchMetric[] {
  const { counters, summaries } = reportSchema.parse(json).aggregate;
  const c = (k: string): number => counters[k] ?? 0;
  const errors = Object.entries(counters).filter(([k]) => k.startsWith('errors.'));
  const skipped = c('vusers.skipped');
  const out: BenchMetric[] = [
    {
      name: `${label} VUs completed (citizens logged in)`,
      value: c('vusers.completed'),
      unit: '',
      detail: `${c('vusers.created')} created, ${(c('vusers.completed') / seconds).toFixed(2)}/s${skipped ? `, ${skipped} arrivals skipped at the VU cap` : ''}`,
    },
    {
      name: `${label} VUs failed`,
      value: c('vusers.failed'),
      unit: '',
      target: { op: '<=', value: 0 },
    },
    {
      name: `${label} unexpected errors`,
      value: errors.reduce((a, [, n]) => a + n, 0),
      unit: '',
      target: { op: '<=', value: 0 },
      detail: errors.map(([k, n]) => `${k.slice(7)}×${n}`).join(', ') || 'none',
    },
  ];
  for (const [k, s] of Object.entries(summaries).filter(([k]) => k.startsWith(prefix)))
    out.push({
      name: `  ${k} p95`,
      value: s.p95,
      unit: 'ms',
      detail: `p50 ${s.median.toFixed(1)} ms, ${s.count} samples`,
    });
  return out;
}

/** One `artillery run` of an example scenario; the path of its JSON report. */
async function artilleryRun(
  dir: string,
  example: string,
  name: string,
  phase: Record<string, number>,
  targetFile: string,
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  const report = join(dir, `${name}.json`);
  const log = join(dir, `${name}.log`);
  rmSync(report, { force: true });
  const code = await run(
    ARTILLERY,
    [
      'run',
      '--output',
      report,
      '--overrides',
      JSON.stringify({ config: { phases: [phase] } }),
      join(ENGINE_DIR, 'examples', example),
    ],
    {
      ...process.env,
      CIEBENCH_TARGET: targetFile,
      NODE_PATH: packageFile('scenarios', 'load'),
      ARTILLERY_DISABLE_TELEMETRY: 'true',
      ...env,
    },
    log,
  );
  if (code !== 0 || !existsSync(report))
    throw new Error(`artillery run ended with ${code}: see ${log}`);
  return report;
}

const required = (): boolean => process.env['CIEBENCH_REQUIRE_ARTILLERY'] === '1';

export const suite: BenchSuite = {
  name: 'load: Artillery engine, local runner, against the reference IdP',
  async run() {
    if (!existsSync(ARTILLERY)) {
      const msg = `Artillery is not installed in ${ENGINE_DIR} (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix ${ENGINE_DIR})`;
      if (required()) throw new Error(msg);
      process.stdout.write(`  SKIPPED: ${msg}\n`);
      return [];
    }
    const seconds = num('CIEBENCH_ARTILLERY_SECONDS', 60);
    const rate = num('CIEBENCH_ARTILLERY_RATE', 2);
    const browserSeconds = num('CIEBENCH_ARTILLERY_BROWSER_SECONDS', 20);
    const browserVus = num('CIEBENCH_ARTILLERY_BROWSER_VUS', 4);
    const dir = packageFile('reports', 'artillery');
    mkdirSync(dir, { recursive: true });
    const target = await startLoadTarget();
    try {
      const targetFile = join(dir, 'target.json');
      writeFileSync(targetFile, JSON.stringify(targetView(target)));
      const phase = { duration: seconds, arrivalRate: rate };
      const report = await artilleryRun(dir, 'hybrid-login.yml', 'report', phase, targetFile);
      process.stdout.write(`  (${seconds} s at ${rate}/s; report ${report})\n`);
      const out = summariseArtilleryReport(JSON.parse(readFileSync(report, 'utf8')), seconds);
      if (!existsSync(CHROMIUM)) {
        const msg = `browser-level run: ${CHROMIUM} is missing (apt-get install -y chromium)`;
        if (required()) throw new Error(msg);
        process.stdout.write(`  SKIPPED: ${msg}\n`);
        return out;
      }
      // Artillery's Chromium trusts the target's CAs as the runner's does: an NSS database in a
      // HOME of its own (the engine launches Chromium with Artillery's environment).
      const home = mkdtempSync(join(tmpdir(), 'ciebench-artillery-home-'));
      let browserReport: string;
      try {
        if (!nssTrust(home, target.browserCa)) {
          const msg = 'browser-level run: certutil is missing (apt-get install -y libnss3-tools)';
          if (required()) throw new Error(msg);
          process.stdout.write(`  SKIPPED: ${msg}\n`);
          return out;
        }
        const browserPhase = { duration: browserSeconds, arrivalRate: 1, maxVusers: browserVus };
        browserReport = await artilleryRun(
          dir,
          'hybrid-login-browser.yml',
          'report-browser',
          browserPhase,
          targetFile,
          { HOME: home },
        );
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
      process.stdout.write(
        `  (browser level: ${browserSeconds} s at 1/s, at most ${browserVus} at once; report ${browserReport})\n`,
      );
      const browser = JSON.parse(readFileSync(browserReport, 'utf8')) as unknown;
      return [
        ...out,
        ...summariseArtilleryReport(
          browser,
          browserSeconds,
          'Artillery browser',
          'ciebench.browser.',
        ),
      ];
    } finally {
      await target.close();
    }
  },
};
