/**
 * The runner's load mode: `users` citizens of a card fleet log in through a journey of the
 * catalogue, arriving at `rate` per second for `duration` seconds (an open model: arrivals do not
 * wait for earlier logins to end, as citizens at a tax deadline do not), each without a browser
 * (citizen-journey.ts). A citizen is in at most one login at a time — an arrival takes a free
 * citizen, one who finished logs in again later (a returning user, registration kept); when every
 * citizen is busy the arrival is counted as dropped.
 *
 * Citizens run in `workers` worker threads (each with its own range of fleet indices and its share
 * of the rate; the IdP stays in the main thread, the reference SP has a thread of its own), or in the main thread with
 * `workers: 0`. Citizens are built before the clock starts: their cards' personalisation is not
 * load on the IdP. Measured: each step's latency, each login's, each card tap's (histogram.ts),
 * logins per second, errors by key (CIE code first, browserless/outcome.ts), a snapshot every
 * second for the progress line.
 */
import { startLoadThread } from './load-thread.ts';
import { BenchError } from '../../emulator/src/host-error.ts';
import type { FleetOptions } from '../../harness/cards/card-fleet.ts';
import type { Scenario } from '../runner/load.ts';
import { runArrivals } from './arrivals.ts';
import { browserlessProblem } from './browserless/steps.ts';
import { stepNames } from './citizen-journey.ts';
import { loadCitizen, loadFleet } from './citizens.ts';
import { summarise, type LatencySummary } from './histogram.ts';
import type { FromLoadWorker, LoadWorkerData } from './load-worker-protocol.ts';
import { LoadTally, type ErrorCount, type TallyData } from './tally.ts';
import type { TargetView } from './target.ts';

export interface LoadPlan {
  readonly scenario: Scenario;
  /** Citizens taking part: fleet indices `firstIndex … firstIndex + users − 1`. */
  readonly users: number;
  /** Arrivals per second. */
  readonly rate: number;
  readonly durationS: number;
  readonly fleet: FleetOptions;
  readonly firstIndex?: number;
  readonly registration?: 'derived' | 'card';
  /** How long logins still running when the arrivals stop may take (default 60 s). */
  readonly drainS?: number;
  /** Worker threads playing citizens (default 1; 0: the main thread plays them). */
  readonly workers?: number;
}

export interface LoadSnapshot {
  readonly phase: 'preparing' | 'running';
  readonly elapsedS: number;
  readonly durationS: number;
  readonly prepared: number;
  readonly users: number;
  readonly arrivals: number;
  readonly ok: number;
  readonly failed: number;
  readonly dropped: number;
  readonly inFlight: number;
  /** p95 of whole logins so far (ms). */
  readonly p95: number;
  readonly errors: Readonly<Record<string, number>>;
}

export interface LoadResult {
  readonly journey: string;
  readonly target: string;
  readonly plan: {
    readonly users: number;
    readonly rate: number;
    readonly durationS: number;
    readonly seed: string;
    readonly keys: string;
    readonly registration: string;
    readonly workers: number;
  };
  readonly startedAt: string;
  readonly preparationS: number;
  readonly arrivals: number;
  readonly ok: number;
  readonly failed: number;
  readonly dropped: number;
  /** Successful logins per second of the run (arrival window and drain). */
  readonly loginsPerSecond: number;
  readonly elapsedS: number;
  readonly login: LatencySummary;
  /** Per step, in the journey's order. */
  readonly steps: Readonly<Record<string, LatencySummary>>;
  readonly cardTaps: LatencySummary;
  readonly errors: Readonly<Record<string, ErrorCount>>;
  readonly timeline: readonly { readonly ok: number; readonly failed: number }[];
}

export class LoadPlanError extends BenchError {
  constructor(message: string) {
    super('LOAD_PLAN', message, 'input');
  }
}

/** Refuses a plan that cannot run (before anything starts). */
export function checkPlan(p: LoadPlan): void {
  const problems = [...new Set(p.scenario.steps.flatMap((s) => browserlessProblem(s) ?? []))];
  if (problems.length > 0)
    throw new LoadPlanError(
      `journey '${p.scenario.id}' cannot run without a browser: ${problems.join('; ')}`,
    );
  if (p.scenario.pending)
    throw new LoadPlanError(`journey '${p.scenario.id}' is pending: ${p.scenario.pending}`);
  if (!Number.isInteger(p.users) || p.users < 1 || p.users > 1_000_000)
    throw new LoadPlanError('--users must be an integer from 1 to 1000000');
  if (!(p.rate > 0 && p.rate <= 10_000)) throw new LoadPlanError('--rate must be in (0, 10000]');
  if (!(p.durationS > 0 && p.durationS <= 86_400))
    throw new LoadPlanError('--duration must be in (0, 86400] seconds');
  const w = p.workers ?? 1;
  if (!Number.isInteger(w) || w < 0 || w > 64 || w > p.users)
    throw new LoadPlanError('--workers must be an integer from 0 to 64, at most --users');
}

/** `n` indices from `first` split into `k` near-equal contiguous ranges (one per worker). */
export function ranges(first: number, n: number, k: number): { first: number; count: number }[] {
  const out: { first: number; count: number }[] = [];
  let at = first;
  for (let i = 0; i < k; i++) {
    const count = Math.floor(n / k) + (i < n % k ? 1 : 0);
    out.push({ first: at, count });
    at += count;
  }
  return out;
}

const now = (): number => performance.timeOrigin + performance.now();

interface Shard {
  readonly prepared: Promise<void>;
  start(at: number): void;
  readonly done: Promise<TallyData>;
  latest: { tally?: TallyData; inFlight: number };
  terminate(): Promise<number>;
}

function workerShard(data: LoadWorkerData, onPrepared: (n: number) => void): Shard {
  const w = startLoadThread('load-worker', data);
  let prepared!: () => void;
  let done!: (t: TallyData) => void;
  let fail!: (e: Error) => void;
  const shard: Shard = {
    prepared: new Promise<void>((r) => (prepared = r)),
    done: new Promise<TallyData>((r, j) => {
      done = r;
      fail = j;
    }),
    start: (at) => w.postMessage({ type: 'start', startAt: at }),
    latest: { inFlight: 0 },
    terminate: () => w.terminate(),
  };
  shard.prepared.catch(() => undefined);
  w.on('message', (m: FromLoadWorker) => {
    if (m.type === 'prepared') {
      onPrepared(m.count);
      prepared();
    } else if (m.type === 'second') shard.latest = { tally: m.tally, inFlight: m.inFlight };
    else if (m.type === 'done') done(m.tally);
    else fail(new Error(`load worker failed: ${m.message}`));
  });
  w.on('error', (e) => fail(e));
  w.on('exit', (code) => fail(new Error(`load worker exited (${code}) before it finished`)));
  // A failure before "prepared" must not leave the run waiting for it.
  shard.done.catch(() => prepared());
  return shard;
}

function localShard(
  view: TargetView,
  p: LoadPlan,
  arrivals: { rate: number; durationS: number; drainS: number },
  onPrepared: (n: number) => void,
): Shard {
  const fleet = loadFleet(p.fleet);
  const first = p.firstIndex ?? 0;
  const citizens = Array.from({ length: p.users }, (_, i) => {
    const c = loadCitizen(fleet, first + i, {
      idp: view.phoneIdp,
      registration: p.registration ?? 'derived',
    });
    if (i % 25 === 24) onPrepared(25);
    return c;
  });
  onPrepared(p.users % 25);
  let go!: (at: number) => void;
  const started = new Promise<number>((r) => (go = r));
  const shard: Shard = {
    prepared: Promise.resolve(),
    start: (at) => go(at),
    latest: { inFlight: 0 },
    done: started.then(async (at) => {
      const t = await runArrivals(view, p.scenario, citizens, { ...arrivals, startAt: at }, (s) => {
        shard.latest = { tally: s.tally.toJSON(), inFlight: s.inFlight };
      });
      for (const c of citizens) c.close();
      return t.toJSON();
    }),
    terminate: async () => 0,
  };
  return shard;
}

export interface RunLoadOptions {
  /** A snapshot every second (preparation and run), for the progress line. */
  readonly onSnapshot?: (s: LoadSnapshot) => void;
}

/** Runs the plan against the target (whose IdP and SP run in this thread or elsewhere). */
export async function runLoad(
  view: TargetView,
  p: LoadPlan,
  o: RunLoadOptions = {},
): Promise<LoadResult> {
  checkPlan(p);
  const workers = p.workers ?? 1;
  const drainS = p.drainS ?? 60;
  let prepared = 0;
  const prepStarted = now();
  const onPrepared = (n: number): void => void (prepared += n);
  const snapshot = (phase: LoadSnapshot['phase'], t0: number, shards: Shard[]): LoadSnapshot => {
    const t = new LoadTally();
    for (const s of shards) if (s.latest.tally) t.merge(s.latest.tally);
    return {
      phase,
      elapsedS: (now() - t0) / 1000,
      durationS: p.durationS,
      prepared,
      users: p.users,
      arrivals: t.arrivals,
      ok: t.ok,
      failed: t.failed,
      dropped: t.dropped,
      inFlight: shards.reduce((a, s) => a + s.latest.inFlight, 0),
      p95: t.login.quantile(0.95),
      errors: Object.fromEntries([...t.errors].map(([k, e]) => [k, e.count])),
    };
  };
  const shards: Shard[] = [];
  let ticker = setInterval(() => o.onSnapshot?.(snapshot('preparing', prepStarted, shards)), 1000);
  try {
    const arrivals = { durationS: p.durationS, drainS };
    if (workers === 0) shards.push(localShard(view, p, { ...arrivals, rate: p.rate }, onPrepared));
    else
      for (const r of ranges(p.firstIndex ?? 0, p.users, workers))
        shards.push(
          workerShard(
            {
              view,
              scenario: p.scenario,
              fleet: p.fleet,
              first: r.first,
              count: r.count,
              registration: p.registration ?? 'derived',
              arrivals: { ...arrivals, rate: (p.rate * r.count) / p.users },
            },
            onPrepared,
          ),
        );
    await Promise.all(shards.map((s) => s.prepared));
    const preparationS = (now() - prepStarted) / 1000;
    const startAt = now() + 200;
    clearInterval(ticker);
    ticker = setInterval(() => o.onSnapshot?.(snapshot('running', startAt, shards)), 1000);
    const startedAt = new Date();
    for (const s of shards) s.start(startAt);
    const tallies = await Promise.all(shards.map((s) => s.done));
    const elapsedS = (now() - startAt) / 1000;
    const t = new LoadTally(stepNames(p.scenario.steps));
    for (const d of tallies) t.merge(d);
    return resultOf(view, p, t, { startedAt, preparationS, elapsedS, workers });
  } finally {
    clearInterval(ticker);
    await Promise.all(shards.map((s) => s.terminate().catch(() => 0)));
  }
}

function resultOf(
  view: TargetView,
  p: LoadPlan,
  t: LoadTally,
  x: { startedAt: Date; preparationS: number; elapsedS: number; workers: number },
): LoadResult {
  const steps: Record<string, LatencySummary> = {};
  for (const [n, h] of t.steps) if (h.count > 0) steps[n] = summarise(h);
  return {
    journey: p.scenario.id,
    target: view.description,
    plan: {
      users: p.users,
      rate: p.rate,
      durationS: p.durationS,
      seed: p.fleet.seed,
      keys: p.fleet.keys ?? 'pool',
      registration: p.registration ?? 'derived',
      workers: x.workers,
    },
    startedAt: x.startedAt.toISOString(),
    preparationS: x.preparationS,
    arrivals: t.arrivals,
    ok: t.ok,
    failed: t.failed,
    dropped: t.dropped,
    loginsPerSecond: t.ok / x.elapsedS,
    elapsedS: x.elapsedS,
    login: summarise(t.login),
    steps,
    cardTaps: summarise(t.card),
    errors: Object.fromEntries(t.errors),
    timeline: t.timeline,
  };
}
