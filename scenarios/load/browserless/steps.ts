/**
 * The runner's journey steps (scenarios/runner/steps.ts) done without a browser: the same step
 * kinds, the same page model (buttons found by their labels, fields by their ids), the same
 * expectations, on a browser without script (browser.ts) and the citizen's phone. What a page's
 * script does on the reference IdP is done by hand, once: after the phone has signed, the QR page's
 * poll is one request and the page is reloaded to the OTP page.
 *
 * Steps that need a real browser or the NFC endpoint (card faults, the card taken away, the clock,
 * the desktop reader, the Comune) are not browserless: {@link browserlessProblem} names them and a
 * load run refuses such a journey before it starts.
 */
import type { AppEvent, AppResult } from '../../app/events.ts';
import { iosReturnUrl, type MobileLoginInput } from '../../app/mobile-login.ts';
import { wrongDigits } from '../../runner/journey.ts';
import type { Step } from '../../runner/steps.ts';
import type { LoadCitizen } from '../citizens.ts';
import type { BrowserlessBrowser } from './browser.ts';
import {
  attributeOfId,
  hrefOfId,
  idOfSelector,
  pageText,
  parseForms,
  type HtmlForm,
} from './html.ts';
import { pageIdOf, type BrowserlessModels, type LoadError } from './outcome.ts';

/** One journey of one citizen, without a browser. */
export interface BrowserlessJourney {
  readonly browser: BrowserlessBrowser;
  readonly citizen: LoadCitizen;
  readonly models: BrowserlessModels;
  /** The SP's home page (its "Entra con CIE" button). */
  readonly spHome: string;
  /** Origin of the IdP (the app's hand-back for an error). */
  readonly idpOrigin: string;
  readonly state: { otp?: string; handBack?: string; lastApp?: AppResult<unknown> };
}

/** A step failed: its error key and message (outcome.ts). */
export class StepFailure extends Error {
  readonly error: LoadError;
  constructor(code: string, message: string) {
    super(message);
    this.error = { code, message };
  }
}

const BROWSERLESS = new Set<Step['do']>([
  'sp.login',
  'idp.choose',
  'idp.serial',
  'idp.otp',
  'idp.consent',
  'idp.cancel',
  'idp.new-qr',
  'idp.reload',
  'browser.return',
  'browser.wait',
  'app.register',
  'app.scan-qr',
  'app.login',
  'app.forget',
]);

/** Why a step cannot run without a browser, or undefined when it can. */
export function browserlessProblem(s: Step): string | undefined {
  if (!BROWSERLESS.has(s.do))
    return `${s.do} needs a real browser, the NFC endpoint or the runner's clock`;
  if ('faults' in s && (s.faults?.length ?? 0) > 0) return `${s.do} with card faults needs NFC`;
  if (s.do === 'app.login' && s.mode === 'integrated' && s.pin === 'remembered')
    return 'app.login with a remembered PIN needs an earlier step that remembered it';
  return undefined;
}

function press(j: BrowserlessJourney, label: string, values: Record<string, string> = {}) {
  const p = j.browser.page;
  const forms = parseForms(p.html, p.url);
  for (const f of forms) {
    const b = f.buttons.find((x) => x.label === label);
    if (!b) continue;
    const pressed = b.name !== undefined ? { [b.name]: b.value ?? '' } : {};
    return j.browser.submit(f, { ...pressed, ...values });
  }
  throw new StepFailure(
    'page-button',
    `no button "${label}" on page '${pageIdOf(p, j.models)}' (${p.url})`,
  );
}

/** The name of the form field whose id the page model's selector gives. */
function fieldName(j: BrowserlessJourney, selector: string): string {
  const id = idOfSelector(selector);
  const p = j.browser.page;
  const field = parseForms(p.html, p.url)
    .flatMap((f: HtmlForm) => f.fields)
    .find((f) => f.id === id);
  if (!field) throw new StepFailure('page-field', `no field ${selector} on ${p.url}`);
  return field.name;
}

function lastFour(c: LoadCitizen, v: string): string {
  if (v === 'card') return c.pin.slice(4);
  if (v === 'wrong') return wrongDigits(c.pin.slice(4));
  return v;
}

function pinOf(c: LoadCitizen, v: string): string {
  if (v === 'card') return c.pin;
  if (v === 'wrong') return wrongDigits(c.pin);
  if (/^\d{8}$/.test(v)) return v;
  throw new StepFailure('step-unsupported', `PIN '${v}' is not known in a load run`);
}

function appFailure(e: AppEvent): StepFailure {
  const detail = (e as { detail?: unknown }).detail;
  return new StepFailure(
    `app-${e.kind}`,
    `the app showed ${e.kind}: ${e.message}${detail ? ` (${String(detail)})` : ''}`,
  );
}

/** The QR page's status URL, as its script polls it. */
function pollUrl(html: string): string | undefined {
  const m = /fetch\(("(?:[^"\\]|\\.)*")/.exec(html);
  return m ? (JSON.parse(m[1] as string) as string) : undefined;
}

/** What the page's script does once the phone has signed: poll, then reload to the OTP page. */
async function leaveQrPage(j: BrowserlessJourney): Promise<void> {
  const p = j.browser.page;
  if (pageIdOf(p, j.models) !== 'qrcode') return;
  const url = pollUrl(p.html);
  if (url) await j.browser.poll(new URL(url, p.url).toString());
  await j.browser.reload();
}

async function typeOtp(j: BrowserlessJourney, value: string): Promise<void> {
  await leaveQrPage(j);
  const issued = j.state.otp;
  let otp: string;
  if (value === 'from-app') {
    if (!issued) throw new StepFailure('step-error', 'no OTP: the phone has not shown one');
    otp = issued;
  } else if (value === 'wrong') {
    otp = issued ? [...issued].map((d) => String((Number(d) + 1) % 10)).join('') : '0000';
  } else otp = value;
  await press(j, j.models.idp.buttons.proceed, { [fieldName(j, j.models.idp.otpField)]: otp });
}

async function spLogin(j: BrowserlessJourney): Promise<void> {
  const home = await j.browser.goto(j.spHome);
  const id = idOfSelector(j.models.sp.login);
  const href = id === undefined ? undefined : hrefOfId(home.html, id, home.url);
  if (href) {
    await j.browser.goto(href);
    return;
  }
  const form = parseForms(home.html, home.url).find((f) => f.id === id);
  if (!form) throw new StepFailure('page-button', `no ${j.models.sp.login} on the SP's page`);
  await j.browser.submit(form);
}

function qrPayload(j: BrowserlessJourney): string {
  const m = /^#([-\w]+)\[([-\w]+)\]$/.exec(j.models.idp.qrPayload);
  const payload = m
    ? attributeOfId(j.browser.page.html, m[1] as string, m[2] as string)
    : undefined;
  if (!payload) throw new StepFailure('page-qr', `no QR payload on ${j.browser.page.url}`);
  return payload;
}

function settle<T>(j: BrowserlessJourney, r: AppResult<T>): T {
  j.state.lastApp = r;
  if (!r.ok) throw appFailure(r.event);
  return r.value;
}

async function appLogin(j: BrowserlessJourney, s: Extract<Step, { do: 'app.login' }>) {
  const c = j.citizen;
  const handOffUrl = j.browser.page.url;
  const input: MobileLoginInput =
    s.mode === 'registered'
      ? { handOffUrl, registered: { lastFour: lastFour(c, s.lastFour) }, cancel: s.cancel }
      : {
          handOffUrl,
          cancel: s.cancel,
          integrated: {
            spApp: 'sp-app',
            userId: c.recipe.image?.citizen.fiscalCode ?? 'user',
            pin: pinOf(c, s.pin),
          },
        };
  const r = await c.phone.loginApp(input);
  j.state.handBack = iosReturnUrl('app', j.idpOrigin, r).slice('app:'.length);
  settle(j, r);
}

/** Runs one step; throws {@link StepFailure} (or a browser error) when it cannot be done. */
export async function runBrowserlessStep(j: BrowserlessJourney, s: Step): Promise<void> {
  const b = j.models.idp.buttons;
  const c = j.citizen;
  switch (s.do) {
    case 'sp.login':
      return spLogin(j);
    case 'idp.choose':
      return void (await press(j, s.option === 'smartphone' ? b.smartphone : b.computer));
    case 'idp.serial': {
      const serial = s.serial === 'card' ? c.serial : s.serial;
      await press(j, b.proceed, { [fieldName(j, j.models.idp.serialField)]: serial });
      return;
    }
    case 'idp.otp':
      return typeOtp(j, s.otp);
    case 'idp.consent':
      await leaveQrPage(j);
      return void (await press(j, s.choice === 'accept' ? b.accept : b.refuse));
    case 'idp.cancel':
      return void (await press(j, b.cancel));
    case 'idp.new-qr':
      return void (await press(j, b.newQr));
    case 'idp.reload':
      return void (await j.browser.reload());
    case 'browser.return':
      if (!j.state.handBack) throw new StepFailure('step-error', 'the phone handed nothing back');
      return void (await j.browser.goto(j.state.handBack));
    case 'browser.wait':
      return;
    case 'app.register':
      settle(
        j,
        await c.phone.register({
          serial: s.serial === 'card' ? c.serial : s.serial,
          pin: pinOf(c, s.pin),
          replace: s.replace,
        }),
      );
      return;
    case 'app.scan-qr': {
      const r = await c.phone.loginQr({ qr: qrPayload(j), lastFour: lastFour(c, s.lastFour) });
      j.state.otp = settle(j, r).otp;
      return;
    }
    case 'app.login':
      return appLogin(j, s);
    case 'app.forget':
      c.phone.forget(c.nis);
      return;
    default:
      throw new StepFailure('step-unsupported', browserlessProblem(s) ?? s.do);
  }
}

/** Checks a step's expectations (the runner's `expect`) on the page and the phone. */
export function checkBrowserlessExpectations(j: BrowserlessJourney, s: Step): void {
  if (!('expect' in s) || !s.expect) return;
  const e = s.expect as Record<string, unknown>;
  const p = j.browser.page;
  if (typeof e['page'] === 'string') {
    const shown = pageIdOf(p, j.models);
    if (shown !== e['page'])
      throw new StepFailure(
        `page-${e['page']}`,
        `expected page '${e['page']}', the browser shows '${shown}' (${p.url.split('?')[0]})`,
      );
  }
  if (typeof e['text'] === 'string' && !pageText(p.html).includes(e['text']))
    throw new StepFailure('page-text', `the page does not show "${e['text']}"`);
  const app = j.state.lastApp;
  if (typeof e['event'] === 'string') {
    const got = app === undefined ? 'nothing' : app.ok ? 'success' : app.event.kind;
    if (got !== e['event'])
      throw new StepFailure(`app-${got}`, `expected the app event ${e['event']}, got ${got}`);
  }
  if (typeof e['triesLeft'] === 'number') {
    const left = app && !app.ok ? (app.event as { triesLeft?: unknown }).triesLeft : undefined;
    if (left !== e['triesLeft'])
      throw new StepFailure(
        'app-tries',
        `expected ${e['triesLeft']} tries left, got ${String(left)}`,
      );
  }
}
