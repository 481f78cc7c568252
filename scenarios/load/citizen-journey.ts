/**
 * One citizen through one journey without a browser: its own browser (browserless/browser.ts,
 * the journey's device), its phone and card (citizens.ts), the runner's steps in order
 * (browserless/steps.ts), each timed. The first failing step ends the journey with one error key
 * (browserless/outcome.ts); the journey's steps are the runner's, its oracle is not evaluated (a
 * load run judges each login by its steps' expectations: the catalogue's journeys end on the SP's
 * session page).
 *
 * With registrations derived from the fleet (the default), the phone is registered before the
 * journey starts, so an `app.register` step expecting success is not run (it would find the card
 * registered) and is reported as prepared.
 */
import type { Scenario } from '../runner/load.ts';
import type { Step } from '../runner/steps.ts';
import {
  BrowserlessBrowser,
  BrowserlessError,
  trustContext,
  USER_AGENTS,
} from './browserless/browser.ts';
import { errorOf, type LoadError } from './browserless/outcome.ts';
import {
  checkBrowserlessExpectations,
  runBrowserlessStep,
  StepFailure,
  type BrowserlessJourney,
} from './browserless/steps.ts';
import type { LoadCitizen } from './citizens.ts';
import type { TargetView } from './target.ts';

export interface StepTiming {
  /** The step's metric name: its `name`, else its kind (`idp.otp`, a repeat `idp.otp#2`). */
  readonly name: string;
  readonly ms: number;
  readonly ok: boolean;
}

export interface CitizenJourneyResult {
  readonly ok: boolean;
  readonly steps: readonly StepTiming[];
  /** Card taps during the journey (ms each). */
  readonly taps: readonly number[];
  readonly totalMs: number;
  /** The failure, with the step it happened at. */
  readonly error?: LoadError & { readonly step: string };
}

/** Metric names of a journey's steps, in order (repeats numbered). */
export function stepNames(steps: readonly Step[]): string[] {
  const seen = new Map<string, number>();
  return steps.map((s) => {
    const base = s.name ?? s.do;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  });
}

/** Is this step skipped because the phone was registered from the fleet? */
export function preparedStep(s: Step, c: LoadCitizen): boolean {
  if (s.do !== 'app.register') return false;
  const expectsOk = !s.expect || s.expect.ok === true;
  return expectsOk && c.phone.list().some((r) => r.nis === c.nis);
}

function failureOf(e: unknown): LoadError {
  if (e instanceof StepFailure) return e.error;
  if (e instanceof BrowserlessError) return { code: e.code, message: e.message };
  return { code: 'step-error', message: e instanceof Error ? e.message : String(e) };
}

export interface JourneyOptions {
  /** Called after each step (progress lines of a small run). */
  readonly onStep?: (t: StepTiming) => void;
}

/** Runs `scenario` for `citizen` against `target`. */
export async function runCitizenJourney(
  target: TargetView,
  scenario: Scenario,
  citizen: LoadCitizen,
  o: JourneyOptions = {},
): Promise<CitizenJourneyResult> {
  const device = scenario.actors.browser.device;
  const browser = new BrowserlessBrowser({
    trust: trustContext(target.browserCa),
    userAgent: USER_AGENTS[device],
  });
  const j: BrowserlessJourney = {
    browser,
    citizen,
    models: target.models,
    spHome: target.spHome,
    idpOrigin: target.idpOrigin,
    state: {},
  };
  const names = stepNames(scenario.steps);
  const steps: StepTiming[] = [];
  const taps: number[] = [];
  citizen.taps.timer = { onTap: (ms) => taps.push(ms) };
  const started = performance.now();
  let error: (LoadError & { step: string }) | undefined;
  try {
    for (const [i, s] of scenario.steps.entries()) {
      if (preparedStep(s, citizen)) continue;
      const t0 = performance.now();
      try {
        await runBrowserlessStep(j, s);
        checkBrowserlessExpectations(j, s);
      } catch (e) {
        const t: StepTiming = { name: names[i] as string, ms: performance.now() - t0, ok: false };
        steps.push(t);
        o.onStep?.(t);
        error = {
          ...errorOf(browser.page, browser.samlResponses, failureOf(e)),
          step: t.name,
        };
        break;
      }
      const t: StepTiming = { name: names[i] as string, ms: performance.now() - t0, ok: true };
      steps.push(t);
      o.onStep?.(t);
    }
  } finally {
    delete citizen.taps.timer;
    browser.close();
  }
  return {
    ok: error === undefined,
    steps,
    taps,
    totalMs: performance.now() - started,
    ...(error ? { error } : {}),
  };
}
