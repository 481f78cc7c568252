/**
 * `idp.reader-login`: on the IdP's desktop page the citizen follows "Accedi" into the IdP's TLS
 * client-authentication listener; the browser presents the card's certificate and has the card
 * sign the handshake through the PKCS#11 module (actors/desktop-reader.ts), and the CIE software
 * asks for the last 4 PIN digits ("Inserisci le ultime 4 cifre del PIN", the module of
 * italia/cie-middleware-linux keeps the first 4 from pairing). The step types them once; if the
 * software asks again (a wrong PIN: "PIN errato: N tentativi rimasti") the citizen closes the
 * prompt, the handshake fails and the browser shows its own error page. Digits are masked in the
 * step's notes unless secrets are shown.
 */
import type { PinRequest } from '../../harness/pkcs11/daemon/pin-entry.ts';
import type { MiddlewareEvent } from '../../harness/pkcs11/daemon/events.ts';
import type { Journey } from './journey.ts';
import { press, STEP_TIMEOUT_MS } from './pages.ts';
import type { StepOutcome } from './steps-browser.ts';

/** A handshake on a busy machine: DH, device authentication, SM, VERIFY and an RSA signature. */
const HANDSHAKE_TIMEOUT_MS = 2 * STEP_TIMEOUT_MS;

/** Events after which the daemon will not sign in this handshake (or has signed). */
const ENDS = new Set<MiddlewareEvent['type']>([
  'signature',
  'pin-locked',
  'card-error',
  'not-paired',
]);

/** The browser's own error code on its error page (net::ERR_…), if it shows one. */
async function browserError(j: Journey): Promise<string | undefined> {
  if (!j.page.url().startsWith('chrome-error:')) return undefined;
  const text = await j.page
    .locator('body')
    .innerText({ timeout: 5000 })
    .catch(() => '');
  return /ERR_[A-Z_]+/.exec(text)?.[0] ?? 'an error page';
}

export async function readerLogin(j: Journey, lastFour: string): Promise<StepOutcome> {
  const desktop = j.desktop;
  if (!desktop)
    throw new Error(
      "this journey's browser has no PKCS#11 module (the runner gives one to journeys with idp.reader-login)",
    );
  const { daemon } = desktop;
  const digits = j.lastFour(lastFour);
  const shown = j.options.showSecrets ? digits : '****';
  const notes: string[] = [];
  // Settled by the daemon's last event of this handshake, or when the citizen closes the prompt.
  let settle: (end: MiddlewareEvent | undefined) => void = () => undefined;
  const ended = new Promise<MiddlewareEvent | undefined>((resolve) => (settle = resolve));
  let asked = 0;
  const onRequest = (r: PinRequest): void => {
    asked++;
    notes.push(`the CIE software asks: "${r.prompt}"`);
    if (asked === 1) {
      daemon.pins.answer(r.id, digits);
      notes.push(`typed the last 4 PIN digits ${shown} (${lastFour})`);
      return;
    }
    // Asked again after a wrong entry: the step types once, the citizen closes the prompt.
    daemon.pins.cancel(r.id);
    notes.push('closed the prompt (Annulla): no second try in this step');
    settle(undefined);
  };
  const stopEvents = desktop.onEvent((e) => {
    if (e.type === 'pin-wrong' || e.type === 'pin-locked')
      notes.push(`the CIE software: ${e.message}`);
    if (ENDS.has(e.type)) settle(e);
  });
  daemon.pins.on('request', onRequest);
  let timer: NodeJS.Timeout | undefined;
  try {
    for (const r of daemon.pins.pending()) onRequest(r);
    await press(j.page, j.models.idp.buttons.readerLogin);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `the card signed nothing for the browser within ${HANDSHAKE_TIMEOUT_MS / 1000} s (no client certificate presented? see middleware.events.jsonl)`,
            ),
          ),
        HANDSHAKE_TIMEOUT_MS,
      );
    });
    const end = await Promise.race([ended, timeout]);
    if (end?.type === 'signature') notes.push(`the card signed the TLS handshake (${end.ms} ms)`);
    else if (end?.type === 'card-error') notes.push(`card error: ${end.message}`);
    else if (end?.type === 'not-paired') notes.push(end.message);
    await j.page.waitForLoadState('load', { timeout: STEP_TIMEOUT_MS });
    const error = await browserError(j);
    if (error) notes.push(`the browser shows ${error}`);
    return { notes };
  } finally {
    clearTimeout(timer);
    stopEvents();
    daemon.pins.off('request', onRequest);
  }
}
