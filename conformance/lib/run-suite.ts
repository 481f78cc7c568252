/**
 * The conformance engine: runs cases over any {@link ApduChannel} (DESIGN.md rule 9, "one
 * suite, many channels") and returns one verdict per case with its full APDU log.
 *
 * Every case starts from a warm reset, so cases are independent of their order. Randomness
 * (terminal nonces, keys) comes from a generator seeded with the run seed and the case id, so a
 * run is reproducible byte for byte against a deterministic card.
 */
import { toHex } from '../../emulator/src/bytes/hex.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import type { ApduChannel } from '../../harness/channel/apdu-channel.ts';
import { ChannelError } from '../../harness/channel/apdu-channel.ts';
import { TOOL_NAME, TOOL_VERSION } from '../../emulator/src/version.ts';
import { BudgetError, TriesBudget, type SecretRef } from './budget.ts';
import { CaseContext, PreconditionError, TemplateError, type Placeholder } from './case-context.ts';
import { judge } from './expectations.ts';
import { notApplicableReason, type Ics } from './ics.ts';
import type {
  CaseResult,
  ConformanceCase,
  RunResult,
  StepResult,
  SuiteId,
  Verdict,
} from './model.ts';
import { VERDICTS } from './model.ts';
import type { PreconditionRegistry } from './preconditions.ts';
import { SW_9000_OK, swFromResponse } from '../../emulator/src/apdu/status-words.ts';

export interface Target {
  /** `in-process: iso-test`, `pcsc: CIE Bench Virtual Reader 00 00`, … */
  readonly description: string;
  readonly channel: ApduChannel;
  /** Tokens the path contributes (`RAW_FRAMES`, `DISPOSABLE`). */
  readonly tokens: readonly string[];
  /** A connected-on-demand channel to a fresh copy of the card (disposable targets). */
  fresh?(): Promise<ApduChannel>;
}

export interface RunOptions {
  readonly target: Target;
  readonly ics: Ics;
  readonly icsSource: string;
  readonly cases: readonly ConformanceCase[];
  readonly suites: readonly SuiteId[];
  readonly preconditions: PreconditionRegistry;
  readonly placeholders: ReadonlyMap<string, Placeholder>;
  /** Extra services for preconditions and steps (reference terminals, …). */
  readonly services?: ReadonlyMap<string, unknown>;
  readonly secrets?: readonly SecretRef[];
  /** Run destructive cases (PIN/PUK tries, state changes). */
  readonly destructive: boolean;
  /** Lowest remaining-tries count the budget allows; default 0 on disposable targets, else 1. */
  readonly triesFloor?: number;
  readonly only?: readonly string[];
  readonly seed?: string;
  /** Keep PIN/PUK bytes in the APDU logs (masked by default). */
  readonly revealSecrets?: boolean;
  /** Called once the cases to run are known (progress bars). */
  readonly onStart?: (total: number) => void;
  readonly onCase?: (result: CaseResult, done: number, total: number) => void;
}

interface Outcome {
  readonly verdict: Verdict;
  readonly reason?: string;
}

function failureOf(e: unknown): Outcome {
  if (e instanceof BudgetError) return { verdict: 'skipped', reason: `tries budget: ${e.message}` };
  if (e instanceof PreconditionError)
    return { verdict: 'inconclusive', reason: `precondition failed: ${e.message}` };
  if (e instanceof ChannelError)
    return { verdict: 'inconclusive', reason: `transport: [${e.code}] ${e.message}` };
  if (e instanceof TemplateError)
    return { verdict: 'inconclusive', reason: `suite error: ${e.message}` };
  const err = e as Error & { code?: string };
  return {
    verdict: 'inconclusive',
    reason: `error during the case: ${err.code ? `[${err.code}] ` : ''}${err.message}`,
  };
}

/** Why a case cannot run under the run's safety settings, or undefined. */
function safetyBlock(c: ConformanceCase, o: RunOptions): string | undefined {
  if (!c.destructive) return undefined;
  if (!o.destructive) return `destructive (${c.destructive.reason}); run with --destructive`;
  if (c.destructive.irreversible && !o.target.fresh)
    return `irreversible (${c.destructive.reason}); needs a disposable in-process card`;
  return undefined;
}

async function runSteps(
  c: ConformanceCase,
  ctx: CaseContext,
  steps: StepResult[],
): Promise<Outcome> {
  for (const [i, step] of c.steps.entries()) {
    ctx.phase = `step ${i + 1}`;
    if ('procedure' in step) {
      const message = await step.procedure(ctx);
      steps.push({
        index: i + 1,
        title: step.title,
        passed: message === undefined,
        expected: step.expected,
        observed: message ?? 'as expected',
        ...(message ? { message } : {}),
      });
      if (message !== undefined)
        return { verdict: 'failed', reason: `step ${i + 1} (${step.title}): ${message}` };
      continue;
    }
    const protection = step.protect ?? 'plain';
    let r;
    if (typeof step.send === 'object' && 'reset' in step.send) {
      const atr = await ctx.reset(true);
      r = { sw: SW_9000_OK, data: atr, protected: false, outerSw: SW_9000_OK, raw: atr };
    } else if (typeof step.send === 'object') {
      const raw = await ctx.transmit(ctx.resolveRaw(step.send.raw), { note: 'raw frame' });
      const sw = raw.length >= 2 ? swFromResponse(raw) : 0;
      r = {
        sw,
        data: raw.subarray(0, Math.max(0, raw.length - 2)),
        protected: false,
        outerSw: sw,
        raw,
      };
    } else {
      r = await ctx.send(ctx.resolve(step.send), protection);
    }
    const j = judge(step.expect, r, protection, ctx);
    steps.push({
      index: i + 1,
      title: step.title,
      passed: j.passed,
      expected: j.expected,
      observed: j.observed,
      ...(j.message ? { message: j.message } : {}),
    });
    if (!j.passed)
      return {
        verdict: 'failed',
        reason: `step ${i + 1} (${step.title}): ${j.message ?? 'mismatch'}`,
      };
    step.after?.(ctx, r);
  }
  return { verdict: 'passed' };
}

async function runOne(
  c: ConformanceCase,
  o: RunOptions,
  channel: ApduChannel,
  budget: TriesBudget,
  tokens: ReadonlySet<string>,
  services: ReadonlyMap<string, unknown>,
): Promise<Omit<CaseResult, 'ms'>> {
  const base = {
    id: c.id,
    title: c.title,
    suite: c.suite,
    category: c.category,
    refs: c.refs,
    ...(c.destructive ? { destructive: c.destructive } : {}),
  };
  const ctx = new CaseContext({
    channel,
    ics: o.ics,
    tokens,
    budget,
    rng: seededRng(`${o.seed ?? 'ciebench-conformance'}|${c.id}`),
    placeholders: o.placeholders,
    services,
    revealSecrets: o.revealSecrets ?? false,
  });
  const steps: StepResult[] = [];
  let outcome: Outcome;
  try {
    await ctx.reset();
    for (const p of c.preconditions ?? []) await o.preconditions.run(p, ctx);
    const pin = c.destructive?.pin
      ? budget.affordable(0x81, c.destructive.pin)
      : { ok: true, why: '' };
    const puk = c.destructive?.puk
      ? budget.affordable(0x82, c.destructive.puk)
      : { ok: true, why: '' };
    if (!pin.ok || !puk.ok)
      outcome = { verdict: 'skipped', reason: `tries budget: ${pin.why || puk.why}` };
    else outcome = await runSteps(c, ctx, steps);
  } catch (e) {
    outcome = failureOf(e);
  }
  return {
    ...base,
    verdict: outcome.verdict,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    steps,
    log: ctx.log,
  };
}

/** Selects cases by id (exact, or a prefix ending in `*`). */
export function selectCases(
  cases: readonly ConformanceCase[],
  only: readonly string[] | undefined,
): ConformanceCase[] {
  if (!only || only.length === 0) return [...cases];
  return cases.filter((c) =>
    only.some((o) => (o.endsWith('*') ? c.id.startsWith(o.slice(0, -1)) : c.id === o)),
  );
}

export async function runSuite(o: RunOptions): Promise<RunResult> {
  const started = new Date();
  const t0 = performance.now();
  const tokens = new Set<string>([...o.ics.tokens, ...o.target.tokens]);
  const disposable = o.target.fresh !== undefined;
  const budget = new TriesBudget(o.triesFloor ?? (disposable ? 0 : 1), o.secrets ?? []);
  const services = new Map<string, unknown>([
    ...(o.services ?? []),
    ['preconditions', o.preconditions],
  ]);
  const cases = selectCases(o.cases, o.only);
  o.onStart?.(cases.length);
  const atr = await o.target.channel.connect();
  const results: CaseResult[] = [];
  try {
    for (const c of cases) {
      const t = performance.now();
      const base = {
        id: c.id,
        title: c.title,
        suite: c.suite,
        category: c.category,
        refs: c.refs,
        steps: [],
        log: [],
        ...(c.destructive ? { destructive: c.destructive } : {}),
      };
      const na = notApplicableReason(tokens, c.applies, c.unless);
      const blocked = na === undefined ? safetyBlock(c, o) : undefined;
      let r: Omit<CaseResult, 'ms'>;
      if (na !== undefined) r = { ...base, verdict: 'not-applicable', reason: na };
      else if (blocked !== undefined) r = { ...base, verdict: 'skipped', reason: blocked };
      else if (c.destructive?.irreversible && o.target.fresh) {
        const fresh = await o.target.fresh();
        await fresh.connect();
        try {
          r = await runOne(c, o, fresh, new TriesBudget(0, o.secrets ?? []), tokens, services);
        } finally {
          await fresh.close();
        }
      } else r = await runOne(c, o, o.target.channel, budget, tokens, services);
      const result: CaseResult = { ...r, ms: Math.round((performance.now() - t) * 10) / 10 };
      results.push(result);
      o.onCase?.(result, results.length, cases.length);
    }
  } finally {
    await o.target.channel.close();
  }
  const counts = Object.fromEntries(
    VERDICTS.map((v) => [v, results.filter((r) => r.verdict === v).length]),
  ) as Record<Verdict, number>;
  return {
    tool: `${TOOL_NAME} ${TOOL_VERSION}`,
    startedAt: started.toISOString(),
    ms: Math.round(performance.now() - t0),
    target: o.target.description,
    atr: toHex(atr),
    ics: { personality: o.ics.personality, description: o.ics.description, source: o.icsSource },
    options: {
      destructive: o.destructive,
      triesFloor: budget.floor,
      suites: o.suites,
      ...(o.only && o.only.length ? { only: o.only } : {}),
    },
    summary: { total: results.length, counts },
    results,
  };
}
