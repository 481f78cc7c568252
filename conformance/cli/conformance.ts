/**
 * `ciebench conformance run|list`: run the ISO 7816, CIE IAS and eMRTD conformance
 * suites against an in-process card, a PC/SC reader (virtual or physical) or the NFC endpoint,
 * with a progress bar, a summary table, JSON/JUnit/HTML reports and an exit code:
 * 0 no case failed, 1 a case failed, 2 only inconclusive cases, 3 the run could not start.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { Option, type Command } from 'commander';
import { BenchError } from '../../emulator/src/host-error.ts';
import cliProgress from 'cli-progress';
import { loadDefaultIcs } from '../ics/index.ts';
import { loadIcsFile, type Ics } from '../lib/ics.ts';
import type { CaseResult, RunResult, SuiteId, Verdict } from '../lib/model.ts';
import { SUITE_IDS, VERDICTS } from '../lib/model.ts';
import { notApplicableReason } from '../lib/ics.ts';
import { bySuite, byCategory, exitCodeOf } from '../lib/reports/summary.ts';
import { writeReports } from '../lib/reports/write-reports.ts';
import { coverageReasons, coverageTable, matrixCoverage } from '../icao-part3/coverage.ts';
import { ALL_SUITES } from '../suites/index.ts';
import { runConformance } from '../suites/run-conformance.ts';
import { CARD_SPEC_HELP, commandGroup } from '../../harness/cli/cli-kit.ts';

interface RunOpts {
  target?: string;
  card?: string;
  reader?: string;
  nfc?: string;
  out?: string;
  showSecrets?: boolean;
  terminalSeed?: string;
  suite?: string;
  ics?: string;
  only?: string;
  report?: string;
  destructive?: boolean;
  triesFloor?: string;
  revealSecrets?: boolean;
  seed?: string;
  progress: boolean;
  json?: boolean;
  failures?: boolean;
  pin?: string;
  puk?: string;
  can?: string;
  mrz?: string;
  csca: string[];
  holderCa: string[];
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** A certificate file, DER or PEM (the CSCA / holder-CA trust anchors of chain cases). */
function readCertificate(path: string): Uint8Array {
  const raw = readFileSync(path);
  const text = raw.toString('latin1');
  if (!text.includes('-----BEGIN')) return new Uint8Array(raw);
  return new Uint8Array(new X509Certificate(raw).raw);
}

function parseSuites(text: string | undefined): SuiteId[] {
  if (!text) return [...SUITE_IDS];
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of list)
    if (!SUITE_IDS.includes(s as SuiteId))
      throw new BenchError('CONFORMANCE_USAGE', `unknown suite '${s}' (${SUITE_IDS.join(', ')})`);
  return list as SuiteId[];
}

const SHORT: Readonly<Record<Verdict, string>> = {
  passed: 'pass',
  failed: 'FAIL',
  'not-applicable': 'n/a',
  inconclusive: 'inc',
  skipped: 'skip',
};

function table(run: RunResult): string {
  const rows = [...bySuite(run), ...byCategory(run)];
  const head = ['suite', 'category', 'cases', ...VERDICTS.map((v) => SHORT[v])];
  const body = rows.map((r) => [
    r.suite,
    r.category,
    String(r.total),
    ...VERDICTS.map((v) => (r.counts[v] ? String(r.counts[v]) : '')),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

function problems(run: RunResult): string[] {
  return run.results
    .filter((r) => r.verdict === 'failed' || r.verdict === 'inconclusive')
    .map((r) => `${SHORT[r.verdict].padEnd(4)} ${r.id}  ${r.title}\n       ${r.reason ?? ''}`);
}

/** The target of `--card`, `--reader`, `--nfc` or the older `--target` (exactly one; default the default card). */
export function targetSpec(o: Pick<RunOpts, 'target' | 'card' | 'reader' | 'nfc'>): string {
  const given = [
    o.card !== undefined ? `card:${o.card}` : undefined,
    o.reader !== undefined ? `pcsc:${o.reader}` : undefined,
    o.nfc !== undefined ? `nfc:${o.nfc}` : undefined,
    o.target,
  ].filter((x): x is string => x !== undefined);
  if (given.length > 1)
    throw new BenchError(
      'CONFORMANCE_USAGE',
      'give one target: --card, --reader, --nfc (or --target)',
    );
  return given[0] ?? 'card:default';
}

async function run(o: RunOpts): Promise<void> {
  const suites = parseSuites(o.suite);
  const target = targetSpec(o);
  const report = o.out ?? o.report;
  const showSecrets = o.showSecrets ?? o.revealSecrets ?? false;
  const seed = o.terminalSeed ?? o.seed;
  if (o.triesFloor !== undefined && !/^(1[0-5]|[0-9])$/.test(o.triesFloor))
    throw new BenchError('CONFORMANCE_USAGE', `--tries-floor must be 0..15, got '${o.triesFloor}'`);
  const bar =
    o.progress && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          {
            format: 'conformance [{bar}] {value}/{total} {id}',
            hideCursor: true,
            stream: process.stderr,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  let result: RunResult;
  try {
    result = await runConformance({
      target,
      suites,
      ...(o.ics ? { icsPath: o.ics } : {}),
      ...(o.only
        ? {
            only: o.only
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          }
        : {}),
      destructive: o.destructive ?? false,
      ...(o.triesFloor !== undefined ? { triesFloor: Number(o.triesFloor) } : {}),
      ...(showSecrets ? { revealSecrets: true } : {}),
      ...(seed ? { seed } : {}),
      ...(o.pin || o.puk || o.can || o.mrz
        ? {
            secrets: {
              ...(o.pin ? { pin: o.pin } : {}),
              ...(o.puk ? { puk: o.puk } : {}),
              ...(o.can ? { can: o.can } : {}),
              ...(o.mrz ? { mrz: o.mrz } : {}),
            },
          }
        : {}),
      ...(o.csca.length || o.holderCa.length
        ? {
            trust: { csca: o.csca.map(readCertificate), holderCa: o.holderCa.map(readCertificate) },
          }
        : {}),
      onStart: (total) => bar?.start(total, 0, { id: '' }),
      onCase: (r: CaseResult, done: number) => bar?.update(done, { id: r.id }),
    });
  } finally {
    bar?.stop();
  }
  const paths = report ? await writeReports(result, report) : undefined;
  if (o.json) {
    process.stdout.write(
      `${JSON.stringify({ summary: result.summary, ms: result.ms, target: result.target, reports: paths ?? null, problems: result.results.filter((r) => r.verdict === 'failed' || r.verdict === 'inconclusive').map((r) => ({ id: r.id, verdict: r.verdict, reason: r.reason })) }, null, 2)}\n`,
    );
  } else {
    const c = result.summary.counts;
    process.stdout.write(
      `target  ${result.target}\nATR     ${result.atr}\nICS     ${result.ics.personality} (${result.ics.source})\n\n${table(result)}\n\n`,
    );
    process.stdout.write(
      `${result.summary.total} cases in ${(result.ms / 1000).toFixed(1)} s: ${VERDICTS.map((v) => `${c[v]} ${v}`).join(', ')}\n`,
    );
    if (result.coverage)
      process.stdout.write(
        `ICAO Part 3 coverage: ${result.coverage.covered} covered, ${result.coverage.notApplicable} n/a, ${result.coverage.missing} missing of ${result.coverage.total} (conformance list --coverage for the reasons)\n`,
      );
    const p = problems(result);
    if (p.length) process.stdout.write(`\n${p.join('\n')}\n`);
    if (o.failures)
      for (const r of result.results.filter((x) => x.verdict === 'failed'))
        for (const s of r.steps.filter((x) => !x.passed))
          process.stdout.write(
            `\n${r.id} step ${s.index}: expected ${s.expected}\n  observed ${s.observed}\n`,
          );
    if (paths)
      process.stdout.write(
        `\nreports: ${paths.html}\n         ${paths.junit}\n         ${paths.json}\n`,
      );
  }
  process.exitCode = exitCodeOf(result);
}

async function icsForList(
  path: string | undefined,
  personality: string | undefined,
): Promise<Ics | undefined> {
  if (path) return loadIcsFile(path);
  if (personality) return (await loadDefaultIcs(personality)).ics;
  return undefined;
}

/** The default card's ICS when none is named (coverage needs one). */
const DEFAULT_COVERAGE_PERSONALITY = 'cie-nxp';

function printCoverage(ics: Ics, source: string, json: boolean): void {
  const tokens = new Set<string>([...ics.tokens, 'RAW_FRAMES', 'DISPOSABLE']);
  const cov = matrixCoverage(
    ALL_SUITES.flatMap((s) => s.cases),
    tokens,
  );
  if (json) {
    process.stdout.write(`${JSON.stringify({ ics: source, ...cov }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `${cov.matrix}\nICS ${ics.personality} (${source})\n\n${coverageTable(cov)}\n\n${coverageReasons(cov)}\n`,
  );
}

async function list(o: {
  suite?: string;
  ics?: string;
  personality?: string;
  json?: boolean;
  coverage?: boolean;
}): Promise<void> {
  if (o.coverage) {
    const personality = o.personality ?? DEFAULT_COVERAGE_PERSONALITY;
    const ics = await icsForList(o.ics, personality);
    if (ics) printCoverage(ics, o.ics ?? personality, o.json ?? false);
    return;
  }
  const suites = parseSuites(o.suite);
  const ics = await icsForList(o.ics, o.personality);
  const tokens = new Set<string>([...(ics?.tokens ?? []), 'RAW_FRAMES', 'DISPOSABLE']);
  const cases = ALL_SUITES.filter((s) => suites.includes(s.id)).flatMap((s) => s.cases);
  const rows = cases.map((c) => ({
    id: c.id,
    suite: c.suite,
    category: c.category,
    title: c.title,
    refs: c.refs.map((r) => `${r.doc} ${r.clause}`),
    applies: c.applies ?? [],
    unless: c.unless ?? [],
    preconditions: c.preconditions ?? [],
    destructive: c.destructive?.reason ?? null,
    ...(ics ? { applicable: notApplicableReason(tokens, c.applies, c.unless) ?? 'yes' } : {}),
  }));
  if (o.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  for (const r of rows) {
    process.stdout.write(
      `${r.id.padEnd(22)} ${r.category.padEnd(26)} ${r.destructive ? '[destructive] ' : ''}${r.title}\n${''.padEnd(23)}${r.refs.join('; ')}${'applicable' in r && r.applicable !== 'yes' ? `\n${''.padEnd(23)}not applicable: ${r.applicable}` : ''}\n`,
    );
  }
  const per = new Map<string, number>();
  for (const r of rows) per.set(r.suite, (per.get(r.suite) ?? 0) + 1);
  process.stdout.write(
    `\n${rows.length} cases (${[...per].map(([s, n]) => `${s} ${n}`).join(', ')})\n`,
  );
}

export function register(program: Command): void {
  const group = commandGroup(program, 'conformance');
  group
    .command('run')
    .description(
      'run the suites against a card and print a summary; exit 0 when no case failed, 1 when a case failed or was inconclusive',
    )
    .option('--card <card>', `emulated card in-process: ${CARD_SPEC_HELP} (default: default)`)
    .option(
      '--reader <name>',
      'a card in a PC/SC reader, physical or virtual (exact name or a unique part)',
    )
    .option('--nfc <url>', 'the simulated NFC endpoint, ws://127.0.0.1:PORT')
    .addOption(
      new Option('-t, --target <spec>', 'card:<card>, pcsc:<reader> or nfc:<ws-url>').hideHelp(),
    )
    .option('-s, --suite <list>', `comma-separated suites (${SUITE_IDS.join(', ')}); default all`)
    .option(
      '--ics <file>',
      'implementation conformance statement (JSON); default: the personality default',
    )
    .option('--only <ids>', 'comma-separated case ids; a trailing * matches a prefix (ISO7816_C_*)')
    .option(
      '-o, --out <dir>',
      'write conformance.json, conformance.junit.xml and conformance.html here',
    )
    .addOption(new Option('-r, --report <dir>').hideHelp())
    .option('--destructive', 'also run cases that consume PIN/PUK tries or change card state')
    .option(
      '--tries-floor <n>',
      'lowest remaining PIN/PUK tries the budget allows (default 1; 0 on disposable in-process cards)',
    )
    .option('--show-secrets', 'keep PIN/PUK bytes in the APDU logs (masked by default)')
    .addOption(new Option('--reveal-secrets').hideHelp())
    .option(
      '--terminal-seed <text>',
      'seed of the terminal-side randomness (default: fixed, runs are reproducible)',
    )
    .addOption(new Option('--seed <text>').hideHelp())
    .option(
      '--pin <digits>',
      'PIN of the card under test (8 digits; a physical card: needed for PIN cases)',
    )
    .option('--puk <digits>', 'PUK of the card under test (8 digits)')
    .option('--can <digits>', 'CAN printed on the card (6 digits; PACE cases)')
    .option(
      '--mrz <text>',
      'MRZ information: document number, birth date, expiry date with check digits (BAC, PACE-MRZ)',
    )
    .option(
      '--csca <file>',
      'trusted CSCA certificate, DER or PEM (repeatable; EF.SOD chain cases)',
      collect,
      [],
    )
    .option(
      '--holder-ca <file>',
      'trusted holder CA certificate, DER or PEM (repeatable)',
      collect,
      [],
    )
    .option('--no-progress', 'no progress bar')
    .option('--failures', 'print expected vs observed for every failed step')
    .option('--json', 'print the summary as JSON')
    .action(async (o: RunOpts) => run(o));
  group
    .command('list')
    .description(
      'list the cases with their references; with --ics or --personality, say which apply',
    )
    .option('-s, --suite <list>', 'comma-separated suites')
    .option('--ics <file>', 'ICS to evaluate applicability against')
    .option('--personality <id>', 'use this personality default ICS')
    .option(
      '--coverage',
      `ICAO Part 3 matrix coverage per category: covered / n/a (with the reason) / missing (ICS default: ${DEFAULT_COVERAGE_PERSONALITY})`,
    )
    .option('--json', 'print JSON')
    .action(
      async (o: {
        suite?: string;
        ics?: string;
        personality?: string;
        json?: boolean;
        coverage?: boolean;
      }) => list(o),
    );
}
