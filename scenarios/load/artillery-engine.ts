/**
 * The Artillery engine `ciebench` (package `artillery-engine-ciebench`, folder
 * artillery-engine-ciebench/): each Artillery virtual user is a citizen of a card fleet — its own
 * card (fleet index from the VU's number and the seed) and its phone (the CieID app agent with
 * the fleet registration) — and its scenario's flow runs a journey of the catalogue without a
 * browser, step by step, reporting Artillery metrics:
 *
 * | metric | kind | what |
 * |---|---|---|
 * | `ciebench.step.<step>` | summary (ms) | each successful step of the journey (`idp.consent`, …) |
 * | `ciebench.login` | summary (ms) | a whole successful login |
 * | `ciebench.card_tap` | summary (ms) | each time the card is on the phone |
 * | `ciebench.login.ok` / `ciebench.login.failed` | counter | logins |
 * | `errors.<key>` | counter (Artillery's own) | failed logins by key, the CIE code first (`cie-22`) |
 *
 * VU numbers: a VU takes the next number of its Artillery worker thread; thread `t` of runner `r`
 * numbers from `firstIndex + (r × 64 + t − 1) × 1,000,000`, so the VUs of one run never share a
 * card while a runner has at most 64 threads and a thread plays at most a million VUs. Artillery's
 * distributed runners (Fargate, Lambda) are separate processes: give each its own
 * `CIEBENCH_RUNNER` (0, 1, …) or they draw the same citizens (the README says how).
 *
 * The target (IdP, SP, page models, CAs) is a file written by `ciebench scenario load-target`
 * (`config.ciebench.target`, relative to the scenario file), or the `CIEBENCH_TARGET` variable.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { threadId } from 'node:worker_threads';
import { z } from 'zod';
import {
  FLEET_KEY_MODES,
  FLEET_MAX_INDEX,
  type CardFleet,
} from '../../harness/cards/card-fleet.ts';
import { selectScenarios, type Scenario } from '../runner/load.ts';
import { browserlessProblem } from './browserless/steps.ts';
import { runCitizenJourney } from './citizen-journey.ts';
import { loadCitizen, loadFleet } from './citizens.ts';
import type { TargetView } from './target.ts';

/** What Artillery's event emitter is to an engine. */
export interface ArtilleryEvents {
  emit(event: 'started'): unknown;
  emit(event: 'counter' | 'histogram', name: string, value: number): unknown;
  emit(event: 'error', code: string): unknown;
}

export interface ArtilleryScript {
  readonly config: { readonly ciebench?: unknown; readonly [k: string]: unknown };
  readonly _configPath?: string;
  readonly _scriptPath?: string;
}

type Done = (err: Error | null, context: unknown) => void;

/** `config.ciebench` of a scenario file (the browser processor, artillery-browser.ts, extends it). */
export const ciebenchConfigSchema = z.object({
  target: z.string().min(1).optional(),
  seed: z.string().min(1),
  keys: z.enum(FLEET_KEY_MODES).default('pool'),
  firstIndex: z.number().int().min(0).max(FLEET_MAX_INDEX).default(0),
  registration: z.enum(['derived', 'card']).default('derived'),
});
export type CiebenchConfig = z.infer<typeof ciebenchConfigSchema>;

/** Validates `config.ciebench` against `schema`; the message names each bad field. */
export function parseCiebenchConfig<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success)
    throw new Error(
      `config.ciebench: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/**
 * The target file: CIEBENCH_TARGET, else `config.ciebench.target` relative to the scenario file
 * (`scriptPath`), read as the view `ciebench scenario load-target` wrote.
 */
export function readCiebenchTarget(
  config: { readonly target?: string | undefined },
  scriptPath: string | undefined,
): TargetView {
  const base = dirname(scriptPath ?? 'x');
  const file = process.env['CIEBENCH_TARGET'] ?? (config.target && resolve(base, config.target));
  if (!file)
    throw new Error(
      'config.ciebench.target or CIEBENCH_TARGET: the file of ciebench scenario load-target',
    );
  return JSON.parse(readFileSync(file, 'utf8')) as TargetView;
}

/** This runner's number (CIEBENCH_RUNNER, default 0): see the VU numbering above. */
export function ciebenchRunner(): number {
  const runner = Number(process.env['CIEBENCH_RUNNER'] ?? '0');
  if (!Number.isInteger(runner) || runner < 0)
    throw new Error('CIEBENCH_RUNNER must be a whole number (0, 1, …)');
  return runner;
}

/** The Artillery worker thread VUs of this thread are numbered in (the main thread is 0). */
export function artilleryThread(): number {
  return Math.max(1, threadId);
}

const flowSchema = z.array(
  z.union([
    z.object({ journey: z.string().min(1) }).strict(),
    z.object({ think: z.number().min(0).max(3600) }).strict(),
  ]),
);

/** VUs a thread may number before it would reach the next thread's citizens. */
export const VUS_PER_THREAD = 1_000_000;
const THREADS_PER_RUNNER = 64;

/** The fleet index of a thread's `k`-th VU. */
export function vuIndex(firstIndex: number, runner: number, thread: number, k: number): number {
  if (thread < 1 || thread > THREADS_PER_RUNNER || k >= VUS_PER_THREAD)
    throw new Error(`VU ${k} of thread ${thread}: outside the numbering of a run`);
  const i = firstIndex + (runner * THREADS_PER_RUNNER + thread - 1) * VUS_PER_THREAD + k;
  if (i > FLEET_MAX_INDEX) throw new Error(`VU ${k} of thread ${thread}: fleet index ${i} too big`);
  return i;
}

export class CiebenchEngine {
  private readonly config: CiebenchConfig;
  private readonly target: TargetView;
  private readonly fleet: CardFleet;
  private readonly runner: number;
  private readonly thread: number;
  private next = 0;

  constructor(
    script: ArtilleryScript,
    _ee: unknown,
    _helpers: unknown,
    o: { thread?: number } = {},
  ) {
    this.config = parseCiebenchConfig(ciebenchConfigSchema, script.config.ciebench);
    this.target = readCiebenchTarget(this.config, script._scriptPath ?? script._configPath);
    this.fleet = loadFleet({ seed: this.config.seed, keys: this.config.keys });
    this.runner = ciebenchRunner();
    // Artillery's local runner plays VUs in worker threads (1, 2, …); the main thread is 0.
    this.thread = o.thread ?? artilleryThread();
  }

  /** A VU function per scenario (Artillery calls it once per arrival). */
  createScenario(spec: { flow?: unknown; name?: string }, ee: ArtilleryEvents) {
    const flow = flowSchema.parse(spec.flow ?? []);
    const journeys = new Map<string, Scenario>();
    for (const s of flow)
      if ('journey' in s && !journeys.has(s.journey)) {
        const [j] = selectScenarios([s.journey]);
        if (!j) throw new Error(`no journey '${s.journey}'`);
        const problems = j.steps.flatMap((x) => browserlessProblem(x) ?? []);
        if (problems.length) throw new Error(`journey '${j.id}' needs a browser: ${problems[0]}`);
        journeys.set(s.journey, j);
      }
    return (context: { vars?: Record<string, unknown> }, done: Done): void => {
      ee.emit('started');
      const index = vuIndex(this.config.firstIndex, this.runner, this.thread, this.next++);
      this.runVu(index, flow, journeys, ee, context).then(
        (failed) => done(failed ? new Error(failed) : null, context),
        (e: unknown) => {
          ee.emit('error', 'step-error');
          done(e instanceof Error ? e : new Error(String(e)), context);
        },
      );
    };
  }

  private async runVu(
    index: number,
    flow: z.infer<typeof flowSchema>,
    journeys: ReadonlyMap<string, Scenario>,
    ee: ArtilleryEvents,
    context: { vars?: Record<string, unknown> },
  ): Promise<string | undefined> {
    const citizen = loadCitizen(this.fleet, index, {
      idp: this.target.phoneIdp,
      registration: this.config.registration,
    });
    if (context.vars) context.vars['ciebenchCard'] = citizen.recipe.spec;
    try {
      for (const s of flow) {
        if ('think' in s) {
          await new Promise((r) => setTimeout(r, s.think * 1000));
          continue;
        }
        const r = await runCitizenJourney(
          this.target,
          journeys.get(s.journey) as Scenario,
          citizen,
          {
            onStep: (t) => {
              if (t.ok) ee.emit('histogram', `ciebench.step.${t.name}`, t.ms);
            },
          },
        );
        for (const t of r.taps) ee.emit('histogram', 'ciebench.card_tap', t);
        if (!r.ok) {
          ee.emit('counter', 'ciebench.login.failed', 1);
          ee.emit('error', r.error?.code ?? 'step-error');
          return `${citizen.recipe.spec}: ${r.error?.code} at ${r.error?.step}: ${r.error?.message}`;
        }
        ee.emit('counter', 'ciebench.login.ok', 1);
        ee.emit('histogram', 'ciebench.login', r.totalMs);
      }
      return undefined;
    } finally {
      citizen.close();
    }
  }
}
