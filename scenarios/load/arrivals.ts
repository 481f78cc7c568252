/**
 * The arrivals of one thread of a load run: an open model at `rate` per second from `startAt`
 * for `durationS` seconds — arrival k at `startAt + k / rate`, late ones started at once (a busy
 * event loop catches up rather than thinning the load) — each taking a free citizen for one
 * login; then the logins still running get `drainS` seconds to end.
 */
import type { Scenario } from '../runner/load.ts';
import { runCitizenJourney, stepNames, type CitizenJourneyResult } from './citizen-journey.ts';
import type { LoadCitizen } from './citizens.ts';
import { LoadTally } from './tally.ts';
import type { TargetView } from './target.ts';

export interface ArrivalPlan {
  readonly rate: number;
  readonly durationS: number;
  readonly drainS: number;
  /** `performance.timeOrigin + performance.now()` time the first arrival is due (ms). */
  readonly startAt: number;
}

/** A thread's state once a second (the main thread merges them for the progress line). */
export interface ThreadSecond {
  readonly tally: LoadTally;
  readonly inFlight: number;
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

const now = (): number => performance.timeOrigin + performance.now();

/** One login of one citizen (the browserless journey; tests put a stand-in). */
export type LoginRunner = (
  target: TargetView,
  scenario: Scenario,
  citizen: LoadCitizen,
) => Promise<CitizenJourneyResult>;

/**
 * Runs the arrivals of `plan`, each a login of a free citizen; a citizen is never given a second
 * login before its first ended.
 */
export async function runArrivals(
  target: TargetView,
  scenario: Scenario,
  citizens: readonly LoadCitizen[],
  plan: ArrivalPlan,
  onSecond?: (s: ThreadSecond) => void,
  login: LoginRunner = runCitizenJourney,
): Promise<LoadTally> {
  const tally = new LoadTally(stepNames(scenario.steps));
  const free = [...citizens].reverse();
  const running = new Set<Promise<void>>();
  const second = (): number => Math.max(0, Math.floor((now() - plan.startAt) / 1000));
  const ticker = setInterval(() => onSecond?.({ tally, inFlight: running.size }), 1000);
  const arrive = (): void => {
    tally.arrivals++;
    const c = free.pop();
    if (!c) {
      tally.dropped++;
      return;
    }
    const run = login(target, scenario, c)
      .then((r) => tally.record(r, second()))
      .catch((e: unknown) =>
        tally.record(
          {
            ok: false,
            steps: [],
            taps: [],
            totalMs: 0,
            error: { code: 'step-error', message: String(e), step: '?' },
          },
          second(),
        ),
      )
      .finally(() => {
        running.delete(run);
        free.push(c);
      });
    running.add(run);
  };
  try {
    const total = Math.floor(plan.durationS * plan.rate);
    for (let k = 0; k < total; k++) {
      await sleep(plan.startAt + (k * 1000) / plan.rate - now());
      arrive();
    }
    const drainUntil = now() + plan.drainS * 1000;
    while (running.size > 0 && now() < drainUntil)
      await Promise.race([...running, sleep(drainUntil - now())]);
  } finally {
    clearInterval(ticker);
  }
  if (running.size > 0)
    tally.error(
      'drain-timeout',
      '?',
      `${running.size} logins still running ${plan.drainS} s after the last arrival`,
      running.size,
    );
  tally.failed += running.size;
  return tally;
}
