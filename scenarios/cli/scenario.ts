/**
 * `ciebench scenario list|show|run|evidence`: the scenario runner's command line.
 *
 * ```
 * ciebench scenario list                               the catalogue (and the SP response cases)
 * ciebench scenario show hybrid-login                  a journey with its step groups expanded
 * ciebench scenario run all --report out/              the whole catalogue, reports in out/
 * ciebench scenario run hybrid-login --app agent:pcsc  the same journey, the card in the virtual reader
 * ciebench scenario run sp-cases --sp simplesamlphp    the SP response cases against SimpleSAMLphp
 * ciebench scenario evidence --sp shibboleth           codes 1, 21, 22, 25: screenshots and report
 * ```
 *
 * Exit codes: 0 every journey and case passed (skipped ones are listed), 1 one failed, 2 bad input,
 * 3 the environment is missing (browser, SP packages, pcscd).
 */
import { mkdirSync, copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CARD_SPEC_HELP, commandGroup, EXIT_CODES } from '../../harness/cli/cli-kit.ts';
import { catalogue, selectScenarios, type Scenario } from '../runner/load.ts';
import { STEP_GROUPS } from '../runner/library.ts';
import { stepText } from '../runner/journey.ts';
import { runScenarios } from '../runner/run.ts';
import {
  countVerdicts,
  type JourneyResult,
  type RunResult,
  type SpCaseResult,
} from '../runner/results.ts';
import { writeReports } from '../runner/reports/write.ts';
import { SP_CASES } from '../runner/sp-cases/cases.ts';
import { runSpCases } from '../runner/sp-cases/run-cases.ts';
import { parseFlags, ScenarioCliError, type ScenarioFlags } from './scenario-options.ts';

const out = (line: string): void => void process.stdout.write(`${line}\n`);

function list(json: boolean): void {
  const all = catalogue();
  if (json) {
    out(
      JSON.stringify(
        {
          journeys: all.map((s) => ({
            id: s.id,
            title: s.title,
            tags: s.tags,
            steps: s.steps.length,
            pending: s.pending,
          })),
          spCases: SP_CASES.map((c) => ({ id: c.id, title: c.title, expect: c.expect })),
        },
        null,
        2,
      ),
    );
    return;
  }
  out(`${all.length} journeys (scenarios/catalogue):`);
  for (const s of all)
    out(`  ${s.id.padEnd(34)} ${s.title}${s.pending ? `  [pending: ${s.pending}]` : ''}`);
  out(
    `\n${SP_CASES.length} SP response cases (run them with: ciebench scenario run sp-cases --sp <sp>):`,
  );
  for (const c of SP_CASES) out(`  ${c.id.padEnd(34)} ${c.title}`);
  out(`\nstep groups: ${Object.keys(STEP_GROUPS).join(', ')}`);
}

function show(name: string): void {
  const [s] = selectScenarios([name]);
  if (!s) return;
  out(`${s.id}: ${s.title}`);
  for (const r of s.refs) out(`  ref: ${r}`);
  if (s.pending) out(`  pending: ${s.pending}`);
  out(`  actors: ${JSON.stringify(s.actors)}`);
  s.steps.forEach((x, i) => out(`  ${String(i + 1).padStart(2)}. ${stepText(x)}`));
  out(`  oracle: ${JSON.stringify(s.oracle)}`);
  out(`  source: ${s.source}`);
}

/** `sp-cases` or `sp-cases:<id>,<id>` among the names. */
function splitNames(names: readonly string[]): {
  journeys: string[];
  caseIds: string[] | undefined;
} {
  const journeys: string[] = [];
  let caseIds: string[] | undefined;
  for (const n of names) {
    if (n === 'sp-cases') caseIds = SP_CASES.map((c) => c.id);
    else if (n.startsWith('sp-cases:')) caseIds = [...(caseIds ?? []), ...n.slice(9).split(',')];
    else journeys.push(n);
  }
  for (const id of caseIds ?? [])
    if (!SP_CASES.some((c) => c.id === id))
      throw new ScenarioCliError(`no SP response case '${id}' (ciebench scenario list)`);
  return { journeys, caseIds };
}

function printResult(r: JourneyResult | SpCaseResult): void {
  const mark = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP', error: 'ERR ' }[r.verdict];
  out(
    `  ${mark} ${r.name} (${(r.durationMs / 1000).toFixed(1)} s)${r.reason ? ` — ${r.reason}` : ''}`,
  );
}

export interface RunSummary {
  readonly result: RunResult;
  readonly exitCode: number;
}

/** Runs journeys and SP cases for every `--sp`, writes the reports, prints their paths. */
export async function runCommand(names: readonly string[], f: ScenarioFlags): Promise<RunSummary> {
  const p = parseFlags(f);
  const { journeys: jNames, caseIds } = splitNames(names);
  const scenarios: Scenario[] = jNames.length ? selectScenarios(jNames) : [];
  if (scenarios.length === 0 && !caseIds)
    throw new ScenarioCliError('name journeys, files, "all" or "sp-cases"');
  const reportDir = resolve(
    f.report ?? join('reports', 'scenarios', new Date().toISOString().replace(/[:.]/g, '-')),
  );
  const budget = { remaining: p.triesBudget };
  const t0 = performance.now();
  const journeys: JourneyResult[] = [];
  const spCases: SpCaseResult[] = [];
  const environment: Record<string, string> = {};
  for (const overrides of p.overrides) {
    if (scenarios.length) {
      const r = await runScenarios(
        scenarios,
        {
          reportDir,
          headed: f.headed ?? false,
          showSecrets: f.showSecrets ?? false,
          overrides,
          external: p.external,
          ...(f.reader ? { physicalReader: f.reader } : {}),
          triesBudget: budget,
          virtualSlot: p.readerSlot,
          ...(f.quiet ? {} : { onLine: out }),
        },
        {
          onJourney: (i, n, s) => out(`[${i + 1}/${n}] ${s.id}: ${s.title}`),
          onResult: printResult,
          onEnvironment: (d) => out(`environment: ${d}`),
        },
      );
      journeys.push(...r.journeys);
      Object.assign(environment, r.environment);
    }
    if (caseIds) {
      const sp = overrides.sp ?? 'reference';
      out(`SP response cases against ${sp}:`);
      const cases = await runSpCases(caseIds, {
        sp,
        reportDir,
        headed: f.headed ?? false,
        external: p.external,
        onResult: printResult,
      });
      spCases.push(...cases.results);
      Object.assign(environment, cases.environment);
    }
  }
  const result: RunResult = {
    tool: 'ciebench',
    startedAt: new Date(Date.now() - (performance.now() - t0)).toISOString(),
    durationMs: Math.round(performance.now() - t0),
    journeys,
    ...(spCases.length ? { spCases } : {}),
    environment,
  };
  const paths = writeReports(result, reportDir);
  const c = countVerdicts([...journeys, ...spCases]);
  out(
    `\n${c.passed} passed, ${c.failed} failed, ${c.error} errors, ${c.skipped} skipped in ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  for (const s of [...journeys, ...spCases].filter((x) => x.verdict === 'skipped'))
    out(`  SKIPPED ${s.name}: ${s.reason}`);
  out(`JUnit report: ${paths.junit}`);
  out(`HTML report:  ${paths.html}`);
  out(`JSON report:  ${paths.json}`);
  const exitCode =
    c.failed > 0 ? EXIT_CODES.verdict : c.error > 0 ? EXIT_CODES.environment : EXIT_CODES.ok;
  return { result, exitCode };
}

/** The journeys the federation asks an SP to show before production: codes 1, 21, 22, 25. */
export const EVIDENCE_CODES = [1, 21, 22, 25] as const;

async function evidence(f: ScenarioFlags): Promise<number> {
  const ids = EVIDENCE_CODES.map((code) => {
    const s = catalogue().find((x) => x.tags.includes(`evidence-${code}`));
    if (!s) throw new ScenarioCliError(`the catalogue has no journey tagged evidence-${code}`);
    return s.id;
  });
  const reportDir = resolve(f.report ?? join('reports', 'evidence'));
  const { result, exitCode } = await runCommand(ids, { ...f, report: reportDir });
  const dir = join(reportDir, 'evidence');
  mkdirSync(dir, { recursive: true });
  for (const [i, code] of EVIDENCE_CODES.entries())
    for (const j of result.journeys.filter((x) => x.id === ids[i])) {
      const last = [...j.steps].reverse().find((s) => s.artefacts.screenshot);
      if (!last?.artefacts.screenshot) continue;
      const file = join(
        dir,
        `code-${String(code).padStart(2, '0')}-${j.variant.sp.replace(/[^a-z0-9]+/gi, '_')}.jpg`,
      );
      copyFileSync(join(reportDir, last.artefacts.screenshot), file);
      out(`evidence for code ${code} (${j.verdict}): ${file}`);
    }
  return exitCode;
}

function runOptions(c: Command): Command {
  return c
    .option(
      '--card <card>',
      `the card (${CARD_SPEC_HELP}); journeys that need a given card keep theirs`,
    )
    .option(
      '--reader <name>',
      'a physical card in this PC/SC reader (PIN from CIEBENCH_PIN, serial from CIEBENCH_SERIAL; last-try guard on)',
    )
    .option('--tries-budget <n>', 'wrong PIN/PUK entries a physical card may take in the run', '0')
    .option('--app <app>', 'agent | agent:nfc | agent:pcsc | agent:in-process | external')
    .option('--reader-slot <n>', "slot of the bench's virtual reader for agent:pcsc", '0')
    .option(
      '--idp <idp>',
      'reference | preprod (the reference IdP impersonating pre-production) | external',
    )
    .option('--idp-metadata <file>', 'external IdP: its metadata')
    .option('--idp-ca <file>', 'external IdP: its TLS CA (PEM)')
    .option('--idp-pages <file>', 'external IdP: page selectors (JSON)')
    .option(
      '--sp <sp>',
      'reference | simplesamlphp | shibboleth | external (repeat to run each)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--sp-url <url>', "external SP: its page with the 'Entra con CIE' button")
    .option('--sp-metadata <file>', 'external SP: its metadata (registered at the reference IdP)')
    .option(
      '--sp-session-url <url>',
      'external SP: a page that shows whether the browser has a session',
    )
    .option('--sp-ca <file>', 'external SP: its TLS CA (PEM)')
    .option('--sp-pages <file>', 'external SP: page selectors (JSON)')
    .option('--headed', 'show the browser (a person watches)')
    .option('--report <dir>', 'report folder (JSON, JUnit XML, HTML, artefacts)')
    .option('--show-secrets', 'PIN and PUK digits in traces and reports (masked by default)')
    .option('--quiet', 'one line per journey, no step lines');
}

export function register(program: Command): void {
  const group = commandGroup(program, 'scenario');
  group
    .command('list')
    .description('the journeys of the catalogue and the SP response cases')
    .option('--json', 'as JSON')
    .action((o: { json?: boolean }) => list(o.json ?? false));
  group
    .command('show')
    .description('a journey with its step groups expanded')
    .argument('<journey>', 'a catalogue id or a definition file')
    .action((name: string) => show(name));
  runOptions(
    group
      .command('run')
      .description('run journeys (ids, files, folders, "all") and SP response cases ("sp-cases")')
      .argument('<names...>', 'journey ids, definition files or folders, all, sp-cases[:id,…]'),
  ).action(async (names: string[], f: ScenarioFlags) => {
    process.exitCode = (await runCommand(names, f)).exitCode;
  });
  runOptions(
    group
      .command('evidence')
      .description(
        'the journeys the federation asks an SP to show before production (codes 1, 21, 22, 25)',
      ),
  ).action(async (f: ScenarioFlags) => {
    process.exitCode = await evidence(f);
  });
}
