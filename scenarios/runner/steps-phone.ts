/**
 * What happens on the phone, to the card, to the clock and at the Comune: the app agent's
 * operations (registration, QR login, phone-only and integrated logins, PIN change and unblock,
 * forgetting the card), the card leaving the phone, time passing at the IdP, the Comune's reprint
 * of a lost PIN half. The phone's outcome is recorded as the app shows it (its Italian text and
 * the typed event), never a PIN digit.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeQrPng } from '../app/qr.ts';
import type { AppEvent, AppResult } from '../app/events.ts';
import { iosReturnUrl, type MobileLoginInput } from '../app/mobile-login.ts';
import type { Journey } from './journey.ts';
import { STEP_TIMEOUT_MS, waitForPage } from './pages.ts';
import type { StepOutcome } from './steps-browser.ts';
import type { Step } from './steps.ts';

type PhoneStep = Extract<
  Step,
  {
    do:
      | 'app.register'
      | 'app.scan-qr'
      | 'app.login'
      | 'app.change-pin'
      | 'app.unblock'
      | 'app.forget'
      | 'card.away'
      | 'card.back'
      | 'time.pass'
      | 'comune.reprint-pin';
  }
>;

/** The event's own fields besides its text (tries left, the IdP's code…). */
function eventDetail(e: AppEvent): Record<string, unknown> {
  const { kind: _k, message: _m, wording: _w, sdkEvent: _s, ...rest } = e;
  return rest;
}

function outcome<T>(j: Journey, r: AppResult<T>, okText: (v: T) => string): StepOutcome {
  if (r.ok) {
    const text = okText(r.value);
    j.state.lastApp = { ok: true, summary: text };
    return { notes: [], app: { ok: true, text } };
  }
  j.state.lastApp = { ok: false, event: r.event };
  return {
    notes: [],
    app: { ok: false, text: r.event.message, event: r.event.kind, detail: eventDetail(r.event) },
  };
}

function requireApp(j: Journey): NonNullable<Journey['app']> {
  if (!j.app) throw new Error('this journey has no app agent (external app)');
  return j.app;
}

/** The QR code as the phone's camera sees it: a screenshot of the page's QR element. */
async function scanQr(
  j: Journey,
  source: 'screenshot' | 'page',
): Promise<{ qr: string | { png: Uint8Array }; notes: string[] }> {
  const m = j.models.idp;
  const embedded = await j.page
    .locator(m.qrPayload)
    .first()
    .getAttribute('data-qr-payload', { timeout: STEP_TIMEOUT_MS });
  if (source === 'page') {
    if (!embedded) throw new Error('the QR page embeds no payload');
    return { qr: embedded, notes: ['QR payload read from the page'] };
  }
  const png = new Uint8Array(
    await j.page.locator(m.qr).first().screenshot({ timeout: STEP_TIMEOUT_MS }),
  );
  const notes: string[] = [];
  try {
    const decoded = decodeQrPng(png);
    notes.push(
      decoded === embedded
        ? 'QR decoded from a screenshot of the page: equals the payload the page embeds'
        : `QR decoded from a screenshot differs from the page's payload (${decoded})`,
    );
  } catch (e) {
    notes.push(`no QR code readable in the screenshot: ${(e as Error).message}`);
  }
  return { qr: { png }, notes };
}

/** How long the runner waits for an external app (a person or a UI test scanning the QR code). */
export const EXTERNAL_APP_TIMEOUT_MS = 180_000;

/**
 * An external app (a team's build on the NFC endpoint, driven by its own UI tests): the runner
 * publishes the QR payload, the card's NFC endpoint and the IdP's TLS CA in `external-app.json` in the journey's
 * folder (and on the terminal), then waits for the IdP to see the app's signature — the desktop
 * page moves on to the OTP page.
 */
async function externalScan(j: Journey): Promise<StepOutcome> {
  const payload = await j.page
    .locator(j.models.idp.qrPayload)
    .first()
    .getAttribute('data-qr-payload', { timeout: STEP_TIMEOUT_MS });
  if (!payload) throw new Error('the QR page embeds no payload for the external app');
  const before = j.card.traceRecords();
  const file = join(j.dir, 'external-app.json');
  writeFileSync(
    file,
    `${JSON.stringify({ qr: payload, nfc: j.card.nfcUrl ?? null, idpCaPem: j.env.idp.tlsCaPem }, null, 2)}\n`,
  );
  j.options.onLine?.(
    `    external app: card on ${j.card.nfcUrl ?? '(no NFC endpoint)'}; QR payload in ${file}`,
  );
  await waitForPage(j.page, 'otp', j.models, EXTERNAL_APP_TIMEOUT_MS);
  const apdus = j.card.traceRecords() - before;
  if (apdus <= 0)
    throw new Error('the IdP moved on, but the card saw no APDU from the external app');
  j.state.lastApp = { ok: true, summary: 'the app under test signed with the card' };
  return {
    notes: [
      `the external app used the card (${apdus} trace records) and the IdP accepted its signature`,
    ],
    app: { ok: true, text: 'the app under test signed with the card; its OTP is on its screen' },
  };
}

export async function runPhoneStep(j: Journey, s: PhoneStep): Promise<StepOutcome> {
  const fault = (f: readonly unknown[] | undefined): string[] => {
    if (!f || f.length === 0) return [];
    j.card.faultNextTap(f as Parameters<typeof j.card.faultNextTap>[0]);
    return [`card faults on this tap: ${JSON.stringify(f)}`];
  };
  switch (s.do) {
    case 'app.register': {
      const notes = fault(s.faults);
      const serial = s.serial === 'card' ? (j.card.secrets?.serial ?? '') : s.serial;
      const r = await requireApp(j).agent.register({
        serial,
        pin: j.pin(s.pin),
        replace: s.replace,
      });
      const o = outcome(j, r, (v) => `Carta registrata: ${v.givenName} ${v.surname} (${v.serial})`);
      return { ...o, notes: [...notes, ...o.notes] };
    }
    case 'app.scan-qr': {
      if (!j.app) return externalScan(j);
      const notes = fault(s.faults);
      const { qr, notes: qrNotes } = await scanQr(j, s.source);
      const r = await requireApp(j).agent.loginQr({ qr, lastFour: j.lastFour(s.lastFour) });
      if (r.ok) j.state.otp = r.value.otp;
      const o = outcome(j, r, (v) => v.message);
      return { ...o, notes: [...notes, ...qrNotes] };
    }
    case 'app.login': {
      const notes = fault(s.faults);
      const handOffUrl = j.page.url();
      const input: MobileLoginInput =
        s.mode === 'registered'
          ? { handOffUrl, registered: { lastFour: j.lastFour(s.lastFour) }, cancel: s.cancel }
          : {
              handOffUrl,
              cancel: s.cancel,
              integrated: {
                spApp: 'sp-app',
                userId: j.card.image?.citizen.fiscalCode ?? 'user',
                ...(s.pin === 'remembered' ? {} : { pin: j.pin(s.pin) }),
                ...(s.remember && s.pin !== 'remembered' ? { rememberConfirm: j.pin(s.pin) } : {}),
              },
            };
      const r = await requireApp(j).agent.loginApp(input);
      const origin = j.env.idp.origins[0] ?? new URL(handOffUrl).origin;
      // What the phone hands back to the browser: the continue URL, or the error hand-back
      // (the iOS form `{IdP}/cieiderror?cieid_error_message=…`, without the app's scheme).
      j.state.handBack = iosReturnUrl('app', origin, r).slice('app:'.length);
      const o = outcome(j, r, (v) =>
        v.pinRemembered ? 'Accesso autorizzato (PIN memorizzato)' : 'Accesso autorizzato',
      );
      return { ...o, notes };
    }
    case 'app.change-pin': {
      const notes = fault(s.faults);
      const app = requireApp(j);
      const agent = s.device === 'other' ? app.other() : app.agent;
      const newPin = j.pin(s.new);
      const r = await agent.changePin({ oldPin: j.pin(s.old), newPin, repeat: newPin });
      if (r.ok) j.pinChanged(newPin);
      const o = outcome(
        j,
        r,
        (v) =>
          `PIN modificato${v.registrationUpdated ? ' (registrazione aggiornata)' : ''}${s.device === 'other' ? ' su un altro dispositivo' : ''}`,
      );
      return { ...o, notes };
    }
    case 'app.unblock': {
      const notes = fault(s.faults);
      const newPin = j.pin(s.new);
      const r = await requireApp(j).agent.unblock({
        puk: j.pin(s.puk, 'PUK'),
        newPin,
        repeat: newPin,
      });
      if (r.ok) j.pinChanged(newPin);
      const o = outcome(j, r, () => 'PIN sbloccato: nuovo PIN impostato');
      return { ...o, notes };
    }
    case 'app.forget': {
      const removed = j.nis ? requireApp(j).agent.forget(j.nis) : false;
      j.state.lastApp = {
        ok: true,
        summary: removed ? 'Carta rimossa' : 'Nessuna carta da rimuovere',
      };
      return { notes: [], app: { ok: true, text: j.state.lastApp.summary } };
    }
    case 'card.away':
      await j.card.away();
      return { notes: ['the card is no longer near the phone'] };
    case 'card.back':
      await j.card.back();
      return { notes: ['the card is near the phone again'] };
    case 'time.pass':
      j.env.clock.advance(s.seconds * 1000);
      return { notes: [`${s.seconds} s pass at the IdP`] };
    case 'comune.reprint-pin': {
      const p = j.pins;
      if (!p) throw new Error('this card has no PIN');
      const half = s.half === 'first' ? p.current.slice(0, 4) : p.current.slice(4);
      const shown = j.options.showSecrets ? half : '****';
      return {
        notes: [
          `the Comune reprints the ${s.half} half of the PIN from its records (CieOnline "Ristampa PIN/PUK"): ${shown}`,
        ],
      };
    }
  }
}
