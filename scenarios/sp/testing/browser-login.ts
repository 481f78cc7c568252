/**
 * Test support: one "Entra con CIE" login in Chromium, step by step, the way a citizen does it on a
 * desktop with the phone beside it: the SP's button, the IdP's level-3 pages ("Prosegui con
 * smartphone", card serial, QR code), the phone's part on an emulated card, the OTP typed, the
 * consent. Every step waits on the page (selectors), never on a sleep. The SP pages share element
 * ids (scenarios/sp/README.md), so the checks work for every SP.
 */
import type { Page } from 'playwright-core';
import type { EmulatedCard } from '../../idp/testing/card-signer.ts';
import { completeHybridOnPhone, type HybridResult } from './hybrid-card-side.ts';

/** Generous for a busy 2-core machine: a step that takes longer is broken, not slow. */
export const STEP_TIMEOUT_MS = 30_000;

export interface PhoneSide {
  readonly card: EmulatedCard;
  readonly idpCaPem: string;
  readonly connectTo?: { readonly host: string; readonly port: number };
}

async function press(page: Page, label: string): Promise<void> {
  await page.getByRole('button', { name: label, exact: true }).click({ timeout: STEP_TIMEOUT_MS });
}

/** SP home → "Entra con CIE" → the IdP's level-3 chooser page. */
export async function openLogin(page: Page, spHome: string): Promise<void> {
  await page.goto(spHome, { timeout: STEP_TIMEOUT_MS });
  await page.click('#entra-con-cie', { timeout: STEP_TIMEOUT_MS });
  await page
    .getByRole('button', { name: 'Prosegui con smartphone' })
    .waitFor({ timeout: STEP_TIMEOUT_MS });
}

/** "Prosegui con smartphone" → serial → the QR page; returns the QR payload. */
export async function toQrCode(page: Page, serial: string): Promise<string> {
  await press(page, 'Prosegui con smartphone');
  await page.fill('#seriale', serial, { timeout: STEP_TIMEOUT_MS });
  await press(page, 'Prosegui');
  const payload = await page
    .locator('#qr')
    .getAttribute('data-qr-payload', { timeout: STEP_TIMEOUT_MS });
  if (!payload) throw new Error('the QR page carries no data-qr-payload');
  return payload;
}

/** The phone scans the QR and signs with the card; the browser page notices it by polling. */
export async function scanWithPhone(payload: string, phone: PhoneSide): Promise<HybridResult> {
  return completeHybridOnPhone(payload, {
    card: phone.card,
    caPem: phone.idpCaPem,
    ...(phone.connectTo ? { connectTo: phone.connectTo } : {}),
  });
}

/** Waits for the OTP page (the QR page reloads when the app has signed), types the code. */
export async function typeOtp(page: Page, otp: string): Promise<void> {
  await page.waitForSelector('#otp', { timeout: STEP_TIMEOUT_MS });
  await page.fill('#otp', otp);
  await press(page, 'Prosegui');
  await page.locator('#attributi').waitFor({ timeout: STEP_TIMEOUT_MS });
}

export type ConsentChoice = 'Acconsento' | 'Non acconsento' | 'Annulla';

export async function consent(page: Page, choice: ConsentChoice): Promise<void> {
  await press(page, choice);
}

/** The whole hybrid login up to the consent page. */
export async function hybridToConsent(
  page: Page,
  spHome: string,
  phone: PhoneSide,
): Promise<HybridResult> {
  await openLogin(page, spHome);
  const payload = await toQrCode(page, phone.card.serial);
  const result = await scanWithPhone(payload, phone);
  if (!result.otp)
    throw new Error(
      `the phone got no OTP: H1 ${result.h1.status} ${JSON.stringify(result.h1.json)}`,
    );
  await typeOtp(page, result.otp);
  return result;
}

/** The attributes the SP page shows (ids `attr-<name>`), once it shows `#sp-logged-in`. */
export async function loggedInAttributes(page: Page): Promise<Record<string, string>> {
  await page.waitForSelector('#sp-logged-in', { timeout: STEP_TIMEOUT_MS });
  const out: Record<string, string> = {};
  for (const name of ['name', 'familyName', 'dateOfBirth', 'fiscalNumber'])
    out[name] = (await page.locator(`#attr-${name}`).textContent()) ?? '';
  return out;
}

export interface SpErrorView {
  readonly statusCode: string;
  readonly subStatusCode: string;
  readonly message: string;
}

/** The SP's error page for an IdP status (`#sp-login-failed`). */
export async function spErrorPage(page: Page): Promise<SpErrorView> {
  await page.waitForSelector('#sp-login-failed', { timeout: STEP_TIMEOUT_MS });
  const text = async (sel: string): Promise<string> =>
    (await page.locator(sel).count()) > 0
      ? ((await page.locator(sel).first().textContent()) ?? '').trim()
      : '';
  return {
    statusCode: await text('#sp-status-code'),
    subStatusCode: await text('#sp-sub-status-code'),
    message: await text('#sp-status-message'),
  };
}
