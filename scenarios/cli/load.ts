/**
 * `ciebench scenario load <journey>`: the runner's load mode — a card fleet's citizens log in
 * through a journey without a browser (scenarios/load/), arriving at a fixed rate, against the
 * reference IdP started here or an external IdP.
 *
 * ```
 * ciebench scenario load hybrid-login --users 200 --rate 20 --duration 60
 * ciebench scenario load phone-login --users 1000 --rate 50 --duration 300 --workers 2 --json out.json
 * ciebench scenario load hybrid-login --idp-metadata idp.xml --idp-ca ca.pem --users 50 --rate 5 --duration 30
 * ```
 *
 * Exit codes: 0 every login succeeded, 1 a login failed or an arrival found no free citizen, 2 bad
 * input, 3 the target could not be started.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { commandGroup, EXIT_CODES } from '../../harness/cli/cli-kit.ts';
import { FLEET_KEY_MODES } from '../../harness/cards/card-fleet.ts';
import { selectScenarios } from '../runner/load.ts';
import { runLoad, type LoadResult, type LoadSnapshot } from '../load/load-run.ts';
import { startLoadTarget, targetView } from '../load/target.ts';
import { ScenarioCliError } from './scenario-options.ts';

interface LoadFlags {
  users: string;
  rate: string;
  duration: string;
  seed: string;
  keys: string;
  first: string;
  workers: string;
  registration: string;
  drain: string;
  idpMetadata?: string;
  idpCa?: string;
  idpPages?: string;
  json?: string;
  quiet?: boolean;
}

const flagsSchema = z.object({
  users: z.coerce.number().int().min(1).max(1_000_000),
  rate: z.coerce.number().positive().max(10_000),
  duration: z.coerce.number().positive().max(86_400),
  seed: z.string().min(1),
  keys: z.enum(FLEET_KEY_MODES),
  first: z.coerce.number().int().min(0),
  workers: z.coerce.number().int().min(0).max(64),
  registration: z.enum(['derived', 'card']),
  drain: z.coerce.number().min(0).max(3600),
});

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** The live progress line (one line rewritten on a terminal, a line every 10 s otherwise). */
function progress(): { line(s: LoadSnapshot): void; end(): void } {
  const tty = process.stderr.isTTY === true;
  let shown = false;
  return {
    line(s) {
      const text =
        s.phase === 'preparing'
          ? `preparing citizens ${s.prepared}/${s.users}`
          : `${s.elapsedS.toFixed(0)}/${s.durationS} s  arrivals ${s.arrivals}  ok ${s.ok}  failed ${s.failed}  dropped ${s.dropped}  in flight ${s.inFlight}  p95 ${ms(s.p95)} ms${
              Object.keys(s.errors).length
                ? `  errors ${Object.entries(s.errors)
                    .map(([k, n]) => `${k}×${n}`)
                    .join(' ')}`
                : ''
            }`;
      if (tty) {
        process.stderr.write(`\r\x1b[K${text}`);
        shown = true;
      } else if (Math.round(s.elapsedS) % 10 === 0) process.stderr.write(`${text}\n`);
    },
    end() {
      if (shown) process.stderr.write('\n');
    },
  };
}

/** The report a person reads: throughput, latency per step, errors by key. */
export function printLoadResult(r: LoadResult): void {
  out(`${r.journey} against ${r.target}`);
  out(
    `  ${r.plan.users} citizens of fleet '${r.plan.seed}' (keys ${r.plan.keys}, registration ${r.plan.registration}), ${r.plan.rate}/s for ${r.plan.durationS} s, ${r.plan.workers} worker thread(s); citizens prepared in ${r.preparationS.toFixed(1)} s`,
  );
  out(
    `  arrivals ${r.arrivals}, ok ${r.ok}, failed ${r.failed}, dropped ${r.dropped}; ${r.loginsPerSecond.toFixed(1)} logins/s over ${r.elapsedS.toFixed(1)} s`,
  );
  out(
    `  ${'latency (ms)'.padEnd(24)} ${'count'.padStart(7)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}`,
  );
  const row = (name: string, s: LoadResult['login']): void =>
    out(
      `  ${name.padEnd(24)} ${String(s.count).padStart(7)} ${ms(s.p50).padStart(8)} ${ms(s.p95).padStart(8)} ${ms(s.p99).padStart(8)} ${ms(s.max).padStart(8)}`,
    );
  for (const [n, s] of Object.entries(r.steps)) row(n, s);
  row('card taps', r.cardTaps);
  row('whole login', r.login);
  const errors = Object.entries(r.errors);
  if (errors.length === 0) out('  no errors');
  for (const [k, e] of errors) out(`  error ${k} ×${e.count} at ${e.step}: ${e.example}`);
}

async function load(journey: string, f: LoadFlags): Promise<number> {
  const parsed = flagsSchema.safeParse(f);
  if (!parsed.success)
    throw new ScenarioCliError(
      parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '),
    );
  const p = parsed.data;
  const [scenario] = selectScenarios([journey]);
  if (!scenario) throw new ScenarioCliError(`no journey '${journey}' (ciebench scenario list)`);
  if (!f.idpMetadata && (f.idpCa || f.idpPages))
    throw new ScenarioCliError('--idp-ca and --idp-pages go with --idp-metadata');
  const target = await startLoadTarget(
    f.idpMetadata
      ? {
          externalIdp: {
            metadataFile: f.idpMetadata,
            ...(f.idpCa ? { caFile: f.idpCa } : {}),
            ...(f.idpPages ? { pagesFile: f.idpPages } : {}),
          },
        }
      : {},
  );
  const bar = progress();
  try {
    const r = await runLoad(
      targetView(target),
      {
        scenario,
        users: p.users,
        rate: p.rate,
        durationS: p.duration,
        fleet: { seed: p.seed, keys: p.keys },
        firstIndex: p.first,
        workers: p.workers,
        registration: p.registration,
        drainS: p.drain,
      },
      f.quiet ? {} : { onSnapshot: (s) => bar.line(s) },
    );
    bar.end();
    printLoadResult(r);
    if (f.json) {
      writeFileSync(f.json, `${JSON.stringify(r, null, 2)}\n`);
      out(`JSON report: ${f.json}`);
    }
    return r.failed > 0 || r.dropped > 0 ? EXIT_CODES.verdict : EXIT_CODES.ok;
  } finally {
    bar.end();
    await target.close();
  }
}

/**
 * Starts the reference IdP and SP (or the SP against an external IdP) and writes what a citizen
 * needs of them (SP home page, page models, CAs, the phone's IdP) to `file`, for load engines in
 * other processes (the Artillery engine); runs until SIGINT or SIGTERM.
 */
async function serveTarget(
  file: string,
  f: Pick<LoadFlags, 'idpMetadata' | 'idpCa' | 'idpPages'>,
): Promise<void> {
  const target = await startLoadTarget(
    f.idpMetadata
      ? {
          externalIdp: {
            metadataFile: f.idpMetadata,
            ...(f.idpCa ? { caFile: f.idpCa } : {}),
            ...(f.idpPages ? { pagesFile: f.idpPages } : {}),
          },
        }
      : {},
  );
  writeFileSync(file, `${JSON.stringify(targetView(target), null, 2)}\n`);
  out(`${target.description}\ntarget written to ${file}; Ctrl-C stops`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await target.close();
}

export function register(program: Command): void {
  commandGroup(program, 'scenario')
    .command('load-target')
    .description(
      'start the reference IdP and SP for load runs in other processes (Artillery) and describe them in a file',
    )
    .requiredOption('-o, --out <file>', 'the target file (JSON) the Artillery engine reads')
    .option('--idp-metadata <file>', 'an external IdP (default: the reference IdP, started here)')
    .option('--idp-ca <file>', 'external IdP: its TLS CA (PEM)')
    .option('--idp-pages <file>', 'external IdP: page selectors (JSON)')
    .action(async (f: { out: string } & Pick<LoadFlags, 'idpMetadata' | 'idpCa' | 'idpPages'>) => {
      await serveTarget(f.out, f);
    });
  commandGroup(program, 'scenario')
    .command('load')
    .description(
      "load mode: a card fleet's citizens log in through a journey without a browser, at a fixed arrival rate",
    )
    .argument('<journey>', 'a catalogue id or definition file (hybrid-login, phone-login, …)')
    .requiredOption('--users <n>', 'citizens taking part (fleet indices --first … --first + n − 1)')
    .requiredOption('--rate <r>', 'arrivals per second (open model)')
    .requiredOption('--duration <s>', 'seconds of arrivals')
    .option('--seed <seed>', "the card fleet's seed (the same seed, the same citizens)", 'load')
    .option('--keys <mode>', `card keys: ${FLEET_KEY_MODES.join(' | ')}`, 'pool')
    .option('--first <index>', 'first fleet index', '0')
    .option('--workers <n>', 'worker threads playing citizens (0: the main thread)', '1')
    .option(
      '--registration <how>',
      'derived (phones start registered) | card (the journey registers through the card)',
      'derived',
    )
    .option('--drain <s>', 'seconds logins still running after the last arrival may take', '60')
    .option('--idp-metadata <file>', 'an external IdP (default: the reference IdP, started here)')
    .option('--idp-ca <file>', 'external IdP: its TLS CA (PEM)')
    .option('--idp-pages <file>', 'external IdP: page selectors (JSON)')
    .option('--json <file>', 'write the result (histograms summarised, errors, timeline) as JSON')
    .option('--quiet', 'no progress line')
    .action(async (journey: string, f: LoadFlags) => {
      process.exitCode = await load(journey, f);
    });
}
