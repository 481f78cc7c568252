/**
 * Runs one journey in an environment: its card on the chosen channel, its phone, a fresh browser
 * context; the steps in order, each checked against its expectations and leaving its artefacts
 * (screenshot, page, APDU records, SAML messages, what the phone showed, timings); then the
 * oracle. The first step that fails ends the journey (the rest are listed as not run).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BenchError } from '../../emulator/src/host-error.ts';
import { journeyApp } from './actors/app.ts';
import { journeyCard, type JourneyCard } from './actors/card.ts';
import type { RunEnvironment } from './environment.ts';
import { Journey, stepText, type JourneyOptions } from './journey.ts';
import type { Scenario } from './load.ts';
import type { Step } from './steps.ts';
import { evaluateOracle } from './oracle.ts';
import { currentPageId, STEP_TIMEOUT_MS, waitForPage } from './pages.ts';
import type { JourneyResult, StepArtefacts, StepResult, Variant } from './results.ts';
import { SamlCapture } from './saml-capture.ts';
import { runBrowserStep, type StepOutcome } from './steps-browser.ts';
import { runPhoneStep } from './steps-phone.ts';

export interface ExecutorOptions extends JourneyOptions {
  /** The report folder; the journey writes into `journeys/<slug>/`. */
  readonly reportDir: string;
  /** A physical card in this PC/SC reader. */
  readonly physicalReader?: string;
  /** Wrong PIN/PUK entries a physical card may still take in this run (shared, decremented). */
  readonly triesBudget?: { remaining: number };
  readonly virtualSlot?: number;
}

export function variantOf(s: Scenario, o: Pick<ExecutorOptions, 'physicalReader'>): Variant {
  const a = s.actors;
  return {
    sp: a.sp.kind + (a.sp.defects.length ? `(without ${a.sp.defects.join(',')})` : ''),
    idp:
      a.idp.kind +
      (a.idp.mode === 'preprod' ? ':preprod' : '') +
      (a.idp.defects.length ? `(${a.idp.defects.join(',')})` : ''),
    app:
      a.app.kind === 'agent'
        ? `agent:${a.app.channel}${a.app.isoDep === 'aosp' ? ':aosp' : ''}`
        : 'external',
    card: o.physicalReader ? `physical:${o.physicalReader}` : a.card.spec,
    browser: a.browser.device,
  };
}

export function journeyName(id: string, v: Variant): string {
  return `${id} [sp=${v.sp} app=${v.app} card=${v.card}]`;
}

/** Wrong PIN/PUK entries a journey makes (a physical card's tries budget must cover them). */
function wrongEntries(steps: readonly Step[]): number {
  return steps.filter((s) =>
    Object.entries(s).some(
      ([k, v]) => ['pin', 'lastFour', 'puk', 'old'].includes(k) && v === 'wrong',
    ),
  ).length;
}

/** Why a journey cannot run with these actors (it is skipped, loudly), or undefined. */
export function skipReason(s: Scenario, o: ExecutorOptions): string | undefined {
  if (s.pending) return `pending: ${s.pending}`;
  const usesNfc = s.steps.some(
    (x) =>
      x.do === 'card.away' ||
      x.do === 'card.back' ||
      ('faults' in x && (x.faults?.length ?? 0) > 0),
  );
  if (usesNfc && s.actors.app.channel !== 'nfc')
    return `needs the NFC channel (tag faults, card away), not ${s.actors.app.channel}`;
  if (
    s.actors.app.kind === 'external' &&
    s.steps.some((x) => x.do.startsWith('app.') && x.do !== 'app.scan-qr')
  )
    return 'an external app is driven by its own UI tests: only QR journeys wait for it';
  if (o.physicalReader) {
    const st = s.actors.card.state;
    if (
      s.actors.card.fixed ||
      st.pinTries !== undefined ||
      st.pukTries !== undefined ||
      st.certificate !== 'valid'
    )
      return 'needs an emulated card in a given state (a physical card is used as it is)';
    if (usesNfc) return 'needs an emulated card on the NFC endpoint';
    const wrong = wrongEntries(s.steps);
    const budget = o.triesBudget?.remaining ?? 0;
    if (wrong > budget)
      return `makes ${wrong} wrong PIN/PUK entries; the physical card's tries budget left is ${budget} (--tries-budget)`;
  }
  return undefined;
}

/**
 * A failure that matches a known defect of the journey is reported as that defect (skipped, with
 * both reasons); a journey with known defects that passes fails, so the entry goes once fixed.
 */
export function knownDefectVerdict(
  s: Pick<Scenario, 'knownDefects'>,
  reason: string | undefined,
): { verdict: 'passed' | 'failed' | 'skipped'; reason?: string } {
  if (reason === undefined)
    return s.knownDefects.length > 0
      ? {
          verdict: 'failed',
          reason: `passed although a known defect is listed (${s.knownDefects.map((k) => k.reason).join('; ')}): remove the entry`,
        }
      : { verdict: 'passed' };
  const known = s.knownDefects.find((k) => new RegExp(k.match).test(reason));
  return known
    ? { verdict: 'skipped', reason: `known defect: ${known.reason} — ${reason}` }
    : { verdict: 'failed', reason };
}

function slug(name: string): string {
  return name
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/_+$/, '')
    .slice(0, 120);
}

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

/** Trace records so far (the trace's first line is its header). */
const records = (c: JourneyCard): number => Math.max(0, c.traceRecords() - 1);

async function runStep(
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
  const screenshot = await j.page
    .screenshot({ type: 'jpeg', quality: 55, path: shot, timeout: 10_000 })
    .then(() => relative(reportDir, shot))
    .catch(() => undefined);
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
    notes: out.notes,
    ...(error ? { error } : {}),
    artefacts,
  };
}

export async function runJourney(
  env: RunEnvironment,
  s: Scenario,
  o: ExecutorOptions & { readonly reportDir: string },
): Promise<JourneyResult> {
  const variant = variantOf(s, o);
  const name = journeyName(s.id, variant);
  const dir = join(
    o.reportDir,
    'journeys',
    slug(`${s.id}--${variant.sp}--${variant.app}--${variant.card}`),
  );
  const rel = (p: string): string => relative(o.reportDir, p);
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const base = { id: s.id, title: s.title, refs: s.refs, tags: s.tags, variant, name, startedAt };
  const skip = skipReason(s, o);
  if (skip)
    return {
      ...base,
      verdict: 'skipped',
      reason: skip,
      durationMs: 0,
      steps: [],
      oracle: [],
      saml: [],
      files: { dir: rel(dir) },
    };
  // A journey starts from nothing: no phone profile, card image or artefact of an earlier run.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'steps'), { recursive: true });
  env.resetBetweenJourneys();
  const passes = s.steps.reduce((n, x) => n + (x.do === 'time.pass' ? x.seconds : 0), 0);
  env.clock.rewind(passes * 1000);
  const seed = `${s.id}|${variant.app}|${variant.card}`;
  const closers: (() => Promise<void>)[] = [];
  const steps: StepResult[] = [];
  try {
    const card = await journeyCard({
      actor: s.actors.card,
      app: s.actors.app,
      dir,
      seed,
      revealSecrets: o.showSecrets,
      ...(o.physicalReader ? { physicalReader: o.physicalReader } : {}),
      ...(o.virtualSlot !== undefined ? { virtualSlot: o.virtualSlot } : {}),
      publishCrl: (crl) => env.publishCrl(crl),
    });
    closers.push(() => card.close());
    if (card.image) env.idp.reference?.context.citizens.addImage(card.image);
    const app =
      s.actors.app.kind === 'agent'
        ? journeyApp({
            actor: s.actors.app,
            cardActor: s.actors.card,
            card,
            idp: env.idp,
            dir,
            seed,
            showSecrets: o.showSecrets,
          })
        : undefined;
    if (app) closers.push(() => app.close());
    const harPath = join(dir, 'browser.har');
    const context = await env.browser.newJourneyContext({
      device: s.actors.browser.device,
      harPath,
    });
    closers.push(() => context.close());
    const page = await context.newPage();
    const saml = new SamlCapture(context);
    const j = new Journey({
      env,
      scenario: s,
      card,
      app,
      context,
      page,
      saml,
      dir,
      options: o,
      seed,
    });
    for (const [i, step] of s.steps.entries()) {
      const r = await runStep(j, step, i, t0, dir, o.reportDir);
      steps.push(r);
      o.onLine?.(
        `    ${r.verdict === 'passed' ? 'ok  ' : 'FAIL'} ${i + 1}. ${r.text}${r.error ? ` — ${r.error}` : ''} (${r.durationMs} ms)`,
      );
      if (r.verdict !== 'passed') break;
    }
    const stepsOk = steps.length === s.steps.length && steps.every((x) => x.verdict === 'passed');
    const oracle = stepsOk ? await evaluateOracle(j, s.oracle) : [];
    for (const c of oracle)
      if (!c.ok) o.onLine?.(`    oracle: ${c.what}: expected ${c.expected}, got ${c.actual}`);
    for (const [i, m] of saml.messages.entries())
      writeFileSync(join(dir, `saml-${String(i + 1).padStart(2, '0')}-${m.kind}.xml`), m.xml);
    const failedStep = steps.find((x) => x.verdict !== 'passed');
    const failedCheck = oracle.find((c) => !c.ok);
    const notRun = s.steps.slice(steps.length).map((x, k) => ({
      index: steps.length + k,
      do: x.do,
      text: stepText(x),
      verdict: 'skipped' as const,
      startedMs: 0,
      durationMs: 0,
      notes: ['not run: an earlier step failed'],
      artefacts: { saml: [] },
    }));
    const reason = failedStep
      ? `step ${failedStep.index + 1} (${failedStep.do}): ${failedStep.error}`
      : failedCheck
        ? `end state: ${failedCheck.what}: expected ${failedCheck.expected}, got ${failedCheck.actual}`
        : undefined;
    const verdict = knownDefectVerdict(s, reason);
    return {
      ...base,
      ...verdict,
      durationMs: Math.round(performance.now() - t0),
      steps: [...steps, ...notRun],
      oracle,
      saml: saml.messages,
      files: {
        dir: rel(dir),
        trace: rel(card.tracePath),
        har: rel(harPath),
        ...(card.image ? { cardImage: rel(join(dir, 'card.image.json')) } : {}),
      },
    };
  } catch (e) {
    const kind = e instanceof BenchError ? ` (${e.code})` : '';
    return {
      ...base,
      verdict: 'error',
      reason: `${e instanceof Error ? e.message : String(e)}${kind}`,
      durationMs: Math.round(performance.now() - t0),
      steps,
      oracle: [],
      saml: [],
      files: { dir: rel(dir) },
    };
  } finally {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    env.resetBetweenJourneys();
  }
}
