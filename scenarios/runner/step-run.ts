/**
 * One step of a journey: the actor's action, the step's expectations, and its artefacts — the
 * screenshot after it, the page it left the browser on, the APDU records it added to the card's
 * trace, the SAML messages the browser carried meanwhile, what the phone showed, its timing.
 */
import { join, relative } from 'node:path';
import type { JourneyCard } from './actors/card.ts';
import { stepText, type Journey } from './journey.ts';
import { currentPageId, STEP_TIMEOUT_MS, waitForPage } from './pages.ts';
import type { StepArtefacts, StepResult } from './results.ts';
import { runBrowserStep, type StepOutcome } from './steps-browser.ts';
import { captureScreenshot } from './step-screenshot.ts';
import { runPhoneStep } from './steps-phone.ts';
import type { Step } from './steps.ts';

async function checkExpectations(j: Journey, s: Step, out: StepOutcome): Promise<void> {
  if (!('expect' in s) || !s.expect) return;
  const e = s.expect as Record<string, unknown>;
  if (typeof e['page'] === 'string') await waitForPage(j.page, e['page'], j.models);
  if (typeof e['text'] === 'string') {
    const text = e['text'];
    const shown = await j.page
      .getByText(text, { exact: false })
      .first()
      .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS })
      .then(() => true)
      .catch(() => false);
    if (!shown) throw new Error(`the page does not show "${text}"`);
  }
  const app = out.app;
  if (e['ok'] === true && !app?.ok)
    throw new Error(`the app showed ${app?.event ?? 'nothing'}: ${app?.text ?? ''}`.trim());
  if (typeof e['event'] === 'string' && app?.event !== e['event'])
    throw new Error(
      `expected the app event ${e['event']}, got ${app?.ok ? 'success' : (app?.event ?? 'nothing')}`,
    );
  if (typeof e['triesLeft'] === 'number' && app?.detail?.['triesLeft'] !== e['triesLeft'])
    throw new Error(
      `expected ${e['triesLeft']} tries left, the app shows ${String(app?.detail?.['triesLeft'])}`,
    );
}

function dispatch(j: Journey, s: Step): Promise<StepOutcome> {
  if (
    s.do.startsWith('app.') ||
    s.do.startsWith('card.') ||
    s.do === 'time.pass' ||
    s.do === 'comune.reprint-pin'
  )
    return runPhoneStep(j, s as Parameters<typeof runPhoneStep>[1]);
  return runBrowserStep(j, s as Parameters<typeof runBrowserStep>[1]);
}

/**
 * A step's action and its expectations, without artefacts (what `runStep` does before its
 * screenshot; a load VU runs this alone). Throws what the step or an expectation failed on.
 */
export async function performStep(j: Journey, s: Step): Promise<StepOutcome> {
  const out = await dispatch(j, s);
  await checkExpectations(j, s, out);
  return out;
}

/** Trace records so far (the trace's first line is its header). */
const records = (c: JourneyCard): number => Math.max(0, c.traceRecords() - 1);

export async function runStep(
  j: Journey,
  s: Step,
  index: number,
  t0: number,
  dir: string,
  reportDir: string,
): Promise<StepResult> {
  j.saml.step = index;
  const before = records(j.card);
  const start = performance.now();
  let out: StepOutcome = { notes: [] };
  let error: string | undefined;
  try {
    out = await dispatch(j, s);
    await checkExpectations(j, s, out);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const durationMs = Math.round(performance.now() - start);
  const shot = join(dir, 'steps', `${String(index + 1).padStart(2, '0')}.jpg`);
  const capture = await captureScreenshot(j.page, shot);
  const screenshot = capture.path ? relative(reportDir, capture.path) : undefined;
  const after = records(j.card);
  const artefacts: StepArtefacts = {
    ...(screenshot ? { screenshot } : {}),
    page: { url: j.page.url(), id: await currentPageId(j.page, j.models).catch(() => '?') },
    ...(after > before ? { apdus: { from: before + 1, to: after } } : {}),
    saml: j.saml.messages.flatMap((m, i) => (m.step === index ? [i] : [])),
    ...(out.app ? { app: out.app } : {}),
  };
  return {
    index,
    do: s.do,
    text: stepText(s),
    verdict: error ? 'failed' : 'passed',
    startedMs: Math.round(start - t0),
    durationMs,
    notes: capture.note ? [...out.notes, capture.note] : out.notes,
    ...(error ? { error } : {}),
    artefacts,
  };
}
