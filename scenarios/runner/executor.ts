/**
 * Runs one journey in an environment: its card on the chosen channel, its phone, a fresh browser
 * context; the steps in order (step-run.ts), each checked against its expectations and leaving its
 * artefacts; then the oracle. The first step that fails ends the journey (the rest are listed as
 * not run).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BenchError } from '../../emulator/src/host-error.ts';
import { journeyApp } from './actors/app.ts';
import { journeyCard, type JourneyCard } from './actors/card.ts';
import {
  desktopReaderStatus,
  startDesktopReader,
  usesDesktopReader,
  type DesktopReader,
} from './actors/desktop-reader.ts';
import type { RunEnvironment } from './environment.ts';
import { Journey, stepText } from './journey.ts';
import type { Scenario } from './load.ts';
import { evaluateOracle } from './oracle.ts';
import {
  journeyName,
  knownDefectVerdict,
  skipReason,
  slug,
  variantOf,
  wrongEntries,
  type ExecutorOptions,
} from './plan.ts';
import type { JourneyResult, StepResult } from './results.ts';
import { SamlCapture } from './saml-capture.ts';
import { runStep } from './step-run.ts';

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
  const planned = skipReason(s, o);
  const missing = planned ? undefined : missingForDesktop(s);
  const skip = planned ?? missing;
  if (skip)
    return {
      ...base,
      // Under CIE_REQUIRE_INTEGRATION=1 (CI) a missing piece of the machine is an error.
      verdict: missing && INTEGRATION_REQUIRED ? 'error' : 'skipped',
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
      desktopReader: usesDesktopReader(s),
    });
    closers.push(() => card.close());
    if (card.image) env.idp.reference?.context.citizens.addImage(card.image);
    const desktop = usesDesktopReader(s) ? await desktopFor(env, card, dir, seed, o) : undefined;
    if (desktop) closers.push(() => desktop.close());
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
    const context = await (desktop?.browser ?? env.browser).newJourneyContext({
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
      ...(desktop ? { desktop } : {}),
    });
    let cancelled = false;
    for (const [i, step] of s.steps.entries()) {
      if (o.signal?.aborted) {
        cancelled = true;
        o.onLine?.(`    cancelled before step ${i + 1}`);
        break;
      }
      const r = await runStep(j, step, i, t0, dir, o.reportDir);
      steps.push(r);
      o.onLine?.(
        `    ${r.verdict === 'passed' ? 'ok  ' : 'FAIL'} ${i + 1}. ${r.text}${r.error ? ` — ${r.error}` : ''} (${r.durationMs} ms)`,
      );
      o.onStep?.(
        r,
        r.artefacts.saml.flatMap((k) => saml.messages[k] ?? []),
      );
      if (r.verdict !== 'passed') break;
    }
    const stepsOk = steps.length === s.steps.length && steps.every((x) => x.verdict === 'passed');
    const oracle = stepsOk ? await evaluateOracle(j, s.oracle, env.sp) : [];
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
      notes: [cancelled ? 'not run: the run was cancelled' : 'not run: an earlier step failed'],
      artefacts: { saml: [] },
    }));
    if (cancelled)
      return {
        ...base,
        verdict: 'error',
        reason: `cancelled before step ${steps.length + 1}`,
        durationMs: Math.round(performance.now() - t0),
        steps: [...steps, ...notRun],
        oracle: [],
        saml: saml.messages,
        files: { dir: rel(dir), trace: rel(card.tracePath), har: rel(harPath) },
      };
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
        ...(desktop ? { middlewareEvents: rel(join(dir, 'middleware.events.jsonl')) } : {}),
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

const INTEGRATION_REQUIRED = process.env['CIE_REQUIRE_INTEGRATION'] === '1';

/** What the machine lacks for a desktop journey (the module, NSS tools, Chromium). */
function missingForDesktop(s: Scenario): string | undefined {
  if (!usesDesktopReader(s)) return undefined;
  const status = desktopReaderStatus();
  return status.ok ? undefined : `needs the desktop reader: ${status.reason}`;
}

/** The journey's desktop: its card in the reader the PKCS#11 daemon serves, its own browser. */
function desktopFor(
  env: RunEnvironment,
  card: JourneyCard,
  dir: string,
  seed: string,
  o: ExecutorOptions,
): Promise<DesktopReader> {
  if (!card.chip || !card.image)
    throw new BenchError(
      'SCENARIO_CARD',
      "the desktop reader needs an emulated CIE held in this process (the journey's card is not)",
      'input',
    );
  return startDesktopReader({
    card: card.chip,
    image: card.image,
    journeyDir: dir,
    seed,
    trustCaPems: [env.idp.tlsCaPem, env.sp.tlsCaPem ?? ''].filter((p) => p.length > 0),
    ...(env.idp.hostResolverRules ? { hostResolverRules: env.idp.hostResolverRules } : {}),
    headed: o.headed ?? false,
  });
}
