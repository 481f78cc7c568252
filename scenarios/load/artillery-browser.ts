/**
 * Browser-level load: the test function of Artillery's Playwright engine (`engine: playwright`,
 * `artillery-engine-playwright`, built into artillery 2.x) that logs a citizen in through a
 * catalogue journey with a real Chromium, using the scenario runner's own steps. Artillery
 * launches the browser and gives each VU a fresh context and page; this module builds the
 * runner's `Journey` on that page (the citizen's fleet card and CieID app agent as the phone,
 * citizens.ts) and runs the journey's steps with the runner's `performStep` — the same SP button,
 * IdP pages, QR screenshot decoded by the app, OTP typed and consent as `ciebench scenario run`.
 *
 * Settings come from the scenario file's `config.ciebench` (the ciebench engine's block, plus
 * `journey`, default `hybrid-login`), read from the file Artillery names in `vars.$scenarioFile`
 * (the Playwright engine does not hand the script to a test function). VU numbering, target file
 * and `CIEBENCH_RUNNER` follow the ciebench engine (artillery-engine.ts), so one scenario file's
 * VUs never share a card. A scenario that runs the ciebench engine and this one side by side
 * numbers each from `firstIndex`: give them different seeds or index ranges.
 *
 * | metric | kind | what |
 * |---|---|---|
 * | `ciebench.browser.step.<step>` | summary (ms) | each successful step (`idp.consent`, …) |
 * | `ciebench.browser.login` | summary (ms) | a whole successful login |
 * | `ciebench.browser.card_tap` | summary (ms) | each time the card is on the phone |
 * | `ciebench.browser.login.ok` / `.failed` | counter | logins |
 * | `errors.<key>` | counter (Artillery's) | failed logins by key, the CIE code first (`cie-22`) |
 *
 * A failed login throws an error whose first line is its key: the Playwright engine counts it as
 * `errors.<first line>` and fails the VU (`vusers.failed`); the rest of the message (card, step,
 * what the step saw) goes to Artillery's log.
 *
 * What a load VU does not have, and the journeys that need it are refused before the first step:
 * the IdP's clock (`time.pass`: the target runs in another process), the desktop reader
 * (`idp.reader-login`), the card leaving the phone or a fault plan (`card.away`, `card.back`,
 * `faults`: the card is in this process, not on the NFC endpoint), a second device, an external
 * app. A journey in a phone's browser (`phone-login`) needs a phone's user agent in the engine's
 * `contextOptions` (checked on each VU). No trace, screenshot or HAR is written per step (Artillery's own `trace` option records
 * Playwright traces).
 */
import { tmpdir } from 'node:os';
import type { Page } from 'playwright-core';
import { z } from 'zod';
import type { CardFleet } from '../../harness/cards/card-fleet.ts';
import type { JourneyApp } from '../runner/actors/app.ts';
import type { JourneyCard } from '../runner/actors/card.ts';
import { MOBILE_USER_AGENT } from '../runner/browser.ts';
import { Journey, type JourneyEnvironment } from '../runner/journey.ts';
import { selectScenarios, type Scenario } from '../runner/load.ts';
import { currentPageId, PageExpectationError } from '../runner/pages.ts';
import { SamlCapture } from '../runner/saml-capture.ts';
import { performStep } from '../runner/step-run.ts';
import type { Step } from '../runner/steps.ts';
import {
  artilleryThread,
  ciebenchConfigSchema,
  ciebenchRunner,
  parseCiebenchConfig,
  readCiebenchTarget,
  vuIndex,
  type ArtilleryEvents,
} from './artillery-engine.ts';
import { preparedStep, stepNames } from './citizen-journey.ts';
import { loadCitizen, loadFleet, type LoadCitizen } from './citizens.ts';
import type { TargetView } from './target.ts';

/** `config.ciebench` of a browser scenario: the ciebench engine's, and the journey to run. */
export const browserConfigSchema = ciebenchConfigSchema.extend({
  journey: z.string().min(1).default('hybrid-login'),
});
export type BrowserConfig = z.infer<typeof browserConfigSchema>;

/** What the Playwright engine gives a test function as its VU context. */
export interface ArtilleryVuContext {
  readonly vars: Record<string, unknown>;
}

const scenarioFileSchema = z.object({
  config: z.object({ ciebench: z.unknown().optional() }).passthrough(),
});

/** Steps a load VU cannot play, and why. */
function unsupported(s: Step): string | undefined {
  if (s.do === 'time.pass') return 'time.pass moves the IdP clock, which runs in another process';
  if (s.do === 'idp.reader-login') return 'idp.reader-login needs the desktop reader';
  if (s.do === 'card.away' || s.do === 'card.back')
    return `${s.do} needs the card on the NFC endpoint`;
  if ('faults' in s && Array.isArray(s.faults) && s.faults.length > 0)
    return 'card faults need the card on the NFC endpoint';
  if (s.do === 'app.change-pin' && s.device === 'other') return 'a second device';
  return undefined;
}

/** The catalogue journey `id`, refused when a load VU cannot play it. */
export function browserJourney(id: string): Scenario {
  const [j] = selectScenarios([id]);
  if (!j) throw new Error(`no journey '${id}'`);
  if (j.actors.app.kind !== 'agent')
    throw new Error(`journey '${j.id}': its app is external (a load VU's phone is the app agent)`);
  const why = j.steps.map(unsupported).find((x) => x !== undefined);
  if (why) throw new Error(`journey '${j.id}' cannot run as a load VU: ${why}`);
  return j;
}

/** The run's IdP, SP and clock as a journey sees them, from the target's plain-data view. */
export function targetEnvironment(t: TargetView): JourneyEnvironment {
  return {
    idp: { pages: t.models.idp, origins: t.phoneIdp.origins, tlsCaPem: t.browserCa[0] ?? '' },
    sp: { homeUrl: t.spHome, pages: t.models.sp },
    clock: {
      advance: () => {
        throw new Error('time.pass: the IdP clock is not in this process');
      },
    },
  };
}

const notInLoad = (what: string): Error =>
  new Error(`${what}: not in a load run (the card is in this process)`);

/** The citizen's card as the runner's card actor: in this process, no trace file. */
export function citizenCard(c: LoadCitizen): JourneyCard {
  return {
    description: `${c.recipe.spec} in this process`,
    kind: 'emulated',
    isCie: true,
    secrets: { pin: c.pin, puk: c.puk, serial: c.serial },
    ...(c.recipe.image ? { image: c.recipe.image } : {}),
    reader: c.reader,
    tracePath: '',
    traceRecords: () => 0,
    counters: () => undefined,
    faultNextTap: () => {
      throw notInLoad('a fault plan');
    },
    away: () => Promise.reject(notInLoad('card.away')),
    back: () => Promise.reject(notInLoad('card.back')),
    close: () => Promise.resolve(),
  };
}

/** The citizen's phone as the runner's app actor. */
export function citizenApp(c: LoadCitizen): JourneyApp {
  return {
    agent: c.phone,
    other: () => {
      throw notInLoad('a second device');
    },
    registration: (nis) => c.phone.list().find((r) => nis === undefined || r.nis === nis),
    close: () => Promise.resolve(c.close()),
  };
}

/** The key a failed login is counted under: the CIE code first, as the ciebench engine's. */
export async function failureKey(j: Journey, e: unknown): Promise<string> {
  const response = j.saml.lastResponse();
  if (response?.code !== undefined && response.code !== 1) return `cie-${response.code}`;
  const page = await currentPageId(j.page, j.models).catch(() => 'unknown');
  const shown = /^errore-(\d+)$/.exec(page)?.[1];
  if (shown) return `cie-${shown}`;
  const app = j.state.lastApp;
  if (app && !app.ok) return `app-${app.event.kind}`;
  if (e instanceof PageExpectationError) return `page-${e.expected}`;
  const message = e instanceof Error ? e.message : String(e);
  const net = /net::ERR_([A-Z_]+)/.exec(message)?.[1];
  if (net) return `net-${net}`;
  if (/Timeout \d+ms exceeded/.test(message)) return 'timeout';
  return 'step-error';
}

/**
 * A journey in a phone's browser needs the context Artillery made to look like one (the IdP hands
 * only a phone's browser off to the app): the scenario's `contextOptions.userAgent`.
 */
async function requireMobile(page: Page, id: string): Promise<void> {
  const ua = String(await page.evaluate('navigator.userAgent'));
  if (!/Android|iPhone|Mobile/.test(ua))
    throw new Error(
      `journey '${id}' runs in a phone's browser: set config.engines.playwright.contextOptions.userAgent to a phone's (e.g. "${MOBILE_USER_AGENT}")`,
    );
}

/** What every VU of one worker thread shares. */
interface Setup {
  readonly config: BrowserConfig;
  readonly target: TargetView;
  readonly env: JourneyEnvironment;
  readonly fleet: CardFleet;
  readonly journey: Scenario;
  readonly names: readonly string[];
  readonly runner: number;
  readonly thread: number;
}

function setUp(vars: Record<string, unknown>, readScenario: (file: string) => unknown): Setup {
  const file = vars['$scenarioFile'];
  if (typeof file !== 'string')
    throw new Error('no $scenarioFile in the VU context: run the scenario with artillery run');
  const doc = scenarioFileSchema.safeParse(readScenario(file));
  if (!doc.success) throw new Error(`${file}: no config section`);
  const config = parseCiebenchConfig(browserConfigSchema, doc.data.config.ciebench);
  const target = readCiebenchTarget(config, file);
  const journey = browserJourney(config.journey);
  return {
    config,
    target,
    env: targetEnvironment(target),
    fleet: loadFleet({ seed: config.seed, keys: config.keys }),
    journey,
    names: stepNames(journey.steps),
    runner: ciebenchRunner(),
    thread: artilleryThread(),
  };
}

/** A failed login: its key and what happened. */
interface Failure {
  readonly key: string;
  readonly detail: string;
}

async function runVu(
  setup: Setup,
  index: number,
  page: Page,
  events: ArtilleryEvents,
  vu: ArtilleryVuContext,
): Promise<Failure | undefined> {
  if (setup.journey.actors.browser.device === 'mobile') await requireMobile(page, setup.journey.id);
  const citizen = loadCitizen(setup.fleet, index, {
    idp: setup.target.phoneIdp,
    registration: setup.config.registration,
  });
  vu.vars['ciebenchCard'] = citizen.recipe.spec;
  const context = page.context();
  const saml = new SamlCapture(context);
  const j = new Journey({
    env: setup.env,
    scenario: setup.journey,
    card: citizenCard(citizen),
    app: citizenApp(citizen),
    context,
    page,
    saml,
    dir: tmpdir(),
    options: { showSecrets: false },
    seed: citizen.recipe.spec,
  });
  citizen.taps.timer = { onTap: (ms) => events.emit('histogram', 'ciebench.browser.card_tap', ms) };
  const started = performance.now();
  try {
    for (const [i, s] of setup.journey.steps.entries()) {
      if (preparedStep(s, citizen)) continue;
      const name = setup.names[i] as string;
      saml.step = i;
      const t0 = performance.now();
      try {
        await performStep(j, s);
      } catch (e) {
        events.emit('counter', 'ciebench.browser.login.failed', 1);
        const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
        return {
          key: await failureKey(j, e),
          detail: `${citizen.recipe.spec} at ${name} (${page.url()}): ${why}`,
        };
      }
      events.emit('histogram', `ciebench.browser.step.${name}`, performance.now() - t0);
    }
    events.emit('counter', 'ciebench.browser.login.ok', 1);
    events.emit('histogram', 'ciebench.browser.login', performance.now() - started);
    return undefined;
  } finally {
    delete citizen.taps.timer;
    citizen.close();
  }
}

/**
 * The Playwright engine's test function (`async (page, vuContext, events, test)`): one citizen,
 * one login. `readScenario` parses the scenario file (YAML or JSON; the package's entry passes
 * Artillery's own YAML parser). Settings are read on the thread's first VU.
 */
export function browserJourneyFunction(
  readScenario: (file: string) => unknown,
): (page: unknown, vu: ArtilleryVuContext, events: ArtilleryEvents) => Promise<void> {
  let setup: Setup | undefined;
  let next = 0;
  return async (page, vu, events) => {
    setup ??= setUp(vu.vars, readScenario);
    const index = vuIndex(setup.config.firstIndex, setup.runner, setup.thread, next++);
    // Artillery's Playwright (its own copy, another version) drives the same protocol: the
    // runner's steps use only the Page and BrowserContext API both versions have.
    const failed = await runVu(setup, index, page as Page, events, vu);
    if (failed) throw new Error(`${failed.key}\n${failed.detail}`);
  };
}
