/**
 * What the citizen does in the browser: the SP's "Entra con CIE" button, the IdP's level-3 pages
 * (choice, serial number, OTP, consent, cancel, new QR code, the desktop login with a reader:
 * steps-desktop.ts) and the return from the app. Every
 * action waits on the page (selectors), never on a sleep.
 */
import type { Journey } from './journey.ts';
import { press, STEP_TIMEOUT_MS, waitForPage } from './pages.ts';
import { readerLogin } from './steps-desktop.ts';
import type { Step } from './steps.ts';

export interface StepOutcome {
  readonly notes: string[];
  readonly app?: { ok: boolean; text: string; event?: string; detail?: Record<string, unknown> };
}

type BrowserStep = Extract<
  Step,
  {
    do:
      | 'sp.login'
      | 'idp.choose'
      | 'idp.serial'
      | 'idp.otp'
      | 'idp.consent'
      | 'idp.cancel'
      | 'idp.new-qr'
      | 'idp.reload'
      | 'browser.return'
      | 'idp.reader-login'
      | 'browser.wait';
  }
>;

/**
 * The OTP the reference IdP issued for this browser's transaction: with an external app the runner
 * cannot read the phone's screen, so it reads the IdP's side (the session cookie and the page's
 * flow key name the transaction).
 */
async function otpFromIdp(j: Journey): Promise<string | undefined> {
  const idp = j.env.idp.reference;
  if (!idp) return undefined;
  const name = idp.context.behaviour.flowKeyName;
  const key = await j.page
    .locator(`input[name="${name}"]`)
    .first()
    .getAttribute('value', { timeout: 2000 })
    .catch(() => null);
  // The cookies the browser sends to the level-3 page (the IdP's session cookie among them).
  const cookies = await j.context.cookies(`${idp.urls.base}/idp/login/livello3`);
  const session = cookies.find((c) => c.name === 'JSESSIONID')?.value;
  const tx = key ? idp.context.store.get(session, key) : undefined;
  return tx?.state.step === 'otp' ? tx.state.otp : undefined;
}

async function typeOtp(j: Journey, value: 'from-app' | 'wrong' | string): Promise<string[]> {
  const b = j.models.idp.buttons;
  // The QR page reloads to the OTP page once the phone has signed (its poll says OK).
  await waitForPage(j.page, 'otp', j.models);
  const issued = j.state.otp ?? (await otpFromIdp(j));
  let otp: string;
  if (value === 'from-app') {
    if (!issued) throw new Error('no OTP: the phone has not shown one in this journey');
    otp = issued;
  } else if (value === 'wrong') {
    otp = issued ? [...issued].map((d) => String((Number(d) + 1) % 10)).join('') : '0000';
  } else otp = value;
  await j.page.fill(j.models.idp.otpField, otp, { timeout: STEP_TIMEOUT_MS });
  await press(j.page, b.proceed);
  return [value === 'from-app' ? 'typed the OTP the phone shows' : `typed a wrong OTP`];
}

export async function runBrowserStep(j: Journey, s: BrowserStep): Promise<StepOutcome> {
  const page = j.page;
  const b = j.models.idp.buttons;
  switch (s.do) {
    case 'sp.login':
      await page.goto(j.env.sp.homeUrl, { timeout: STEP_TIMEOUT_MS });
      await page.click(j.models.sp.login, { timeout: STEP_TIMEOUT_MS });
      await page.waitForLoadState('load', { timeout: STEP_TIMEOUT_MS });
      return { notes: [`SP ${j.env.sp.homeUrl} → "Entra con CIE"`] };
    case 'idp.choose':
      await press(page, s.option === 'smartphone' ? b.smartphone : b.computer);
      return { notes: [] };
    case 'idp.serial': {
      const serial = s.serial === 'card' ? j.card.secrets?.serial : s.serial;
      if (!serial) throw new Error('this card has no serial number to type');
      await page.fill(j.models.idp.serialField, serial, { timeout: STEP_TIMEOUT_MS });
      await press(page, b.proceed);
      return { notes: [`typed the serial ${serial}`] };
    }
    case 'idp.otp':
      return { notes: await typeOtp(j, s.otp) };
    case 'idp.consent':
      await press(page, s.choice === 'accept' ? b.accept : b.refuse);
      return { notes: [] };
    case 'idp.cancel':
      await press(page, b.cancel);
      return { notes: [] };
    case 'idp.new-qr':
      await press(page, b.newQr);
      return { notes: [] };
    case 'idp.reload':
      await page.reload({ timeout: STEP_TIMEOUT_MS });
      return { notes: [] };
    case 'idp.reader-login':
      return readerLogin(j, s.lastFour);
    case 'browser.wait':
      return { notes: ['waiting for the page (the page moves on its own)'] };
    case 'browser.return': {
      const url = j.state.handBack;
      if (!url) throw new Error('the phone has handed nothing back to the browser');
      await page.goto(url, { timeout: STEP_TIMEOUT_MS });
      return { notes: [`loaded what the phone handed back: ${new URL(url).pathname}`] };
    }
  }
}
