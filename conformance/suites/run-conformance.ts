/**
 * One call from a target specification to a finished run: resolves the target, loads the ICS
 * (the one given, or the personality's default), plans the selected suites and runs them. The
 * CLI, the benchmark and the conformance tests all go through here.
 */
import { loadDefaultIcs } from '../ics/index.ts';
import { loadIcsFile, parseIcs, type Ics } from '../lib/ics.ts';
import type { CaseResult, RunResult, SuiteId } from '../lib/model.ts';
import { SUITE_IDS } from '../lib/model.ts';
import { runSuite } from '../lib/run-suite.ts';
import { planRun } from '../lib/suite-module.ts';
import { BenchError } from '../../emulator/src/host-error.ts';
import { resolveTarget, type ResolvedTarget } from '../lib/targets.ts';
import type { CardSecrets, TrustAnchors } from '../../harness/cards/card-registry.ts';
import { ALL_SUITES } from './index.ts';
import { matrixCoverage } from '../icao-part3/coverage.ts';

export interface ConformanceRequest {
  /** A target specification (`inproc:iso-test`) or an already resolved target. */
  readonly target: string | ResolvedTarget;
  readonly suites?: readonly SuiteId[];
  /** ICS file; default: the personality's default ICS. */
  readonly icsPath?: string;
  /** An ICS object (tests); wins over `icsPath`. */
  readonly ics?: { readonly ics: Ics; readonly source: string };
  readonly only?: readonly string[];
  /** Secrets of the card under test (a lab's physical card); they win over target and ICS. */
  readonly secrets?: CardSecrets;
  /** Trust anchors (CSCA, holder CA) for chain checks; default: what the target provides. */
  readonly trust?: TrustAnchors;
  readonly destructive?: boolean;
  readonly triesFloor?: number;
  readonly revealSecrets?: boolean;
  readonly seed?: string;
  readonly onStart?: (total: number) => void;
  readonly onCase?: (result: CaseResult, done: number, total: number) => void;
}

async function icsFor(
  req: ConformanceRequest,
  personality: string | undefined,
): Promise<{ ics: Ics; source: string }> {
  if (req.ics) return req.ics;
  if (req.icsPath) return { ics: await loadIcsFile(req.icsPath), source: req.icsPath };
  if (!personality)
    throw new BenchError(
      'CONFORMANCE_NEEDS_ICS',
      'a card in a reader or on the NFC endpoint does not say which personality it is: pass its implementation conformance statement with --ics (conformance/ics/ has one per emulated personality)',
    );
  return loadDefaultIcs(personality);
}

/** ICS secrets, overlaid with what the target knows, overlaid with what the user gave. */
function withSecrets(ics: Ics, ...layers: (CardSecrets | undefined)[]): Ics {
  const merged: Record<string, string> = {};
  for (const l of [ics.secrets, ...layers])
    for (const [k, v] of Object.entries(l ?? {})) if (typeof v === 'string') merged[k] = v;
  return { ...ics, secrets: merged };
}

export async function runConformance(req: ConformanceRequest): Promise<RunResult> {
  const resolved = typeof req.target === 'string' ? await resolveTarget(req.target) : req.target;
  const loaded = await icsFor(req, resolved.personality);
  // Re-validated: secrets given on the command line must have the ICS formats (8-digit PIN, …).
  const ics = parseIcs(
    withSecrets(loaded.ics, resolved.secrets, req.secrets),
    `${loaded.source} + card secrets`,
  );
  const source = loaded.source;
  const trust = req.trust ?? resolved.trust;
  const suites = req.suites ?? SUITE_IDS;
  const plan = planRun(ALL_SUITES, suites, ics);
  const run = await runSuite({
    target: resolved.target,
    ics,
    icsSource: source,
    cases: plan.cases,
    suites,
    preconditions: plan.preconditions,
    placeholders: plan.placeholders,
    services: new Map<string, unknown>([
      ...plan.services,
      ...(resolved.services ?? []),
      ...(trust ? [['trust', trust] as const] : []),
    ]),
    secrets: plan.secrets,
    destructive: req.destructive ?? false,
    ...(req.triesFloor !== undefined ? { triesFloor: req.triesFloor } : {}),
    ...(req.only ? { only: req.only } : {}),
    ...(req.seed ? { seed: req.seed } : {}),
    ...(req.revealSecrets ? { revealSecrets: true } : {}),
    ...(req.onStart ? { onStart: req.onStart } : {}),
    ...(req.onCase ? { onCase: req.onCase } : {}),
  });
  if (!suites.includes('emrtd')) return run;
  const tokens = new Set<string>([...ics.tokens, ...resolved.target.tokens]);
  return { ...run, coverage: matrixCoverage(plan.cases, tokens) };
}
