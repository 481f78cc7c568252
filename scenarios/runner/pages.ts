/**
 * Page identity, as the OpenID conformance suite's browser scripts and Keycloak's page objects
 * check it: every page the journey may stand on has an id, and a step that expects a page waits
 * for that page (its selector) instead of sleeping. Ids: the IdP's `data-page` ids (`scelta`,
 * `seriale`, `qrcode`, `qrcode-scaduto`, `otp`, `otp-non-valido`, `consenso`, `apri-app`, the error
 * pages), `handoff` (the app hand-off URL a phone's browser is sent to), and the SP's end pages
 * `sp-session` and `sp-error`.
 */
import type { Page } from 'playwright-core';
import type { IdpPageModel } from './actors/idp.ts';
import type { SpPageModel } from './actors/sp.ts';

/** Generous for a busy 2-core machine: a step that takes longer is broken, not slow. */
export const STEP_TIMEOUT_MS = 30_000;

export interface PageModels {
  readonly idp: IdpPageModel;
  readonly sp: SpPageModel;
}

function selectorOf(id: string, m: PageModels): string {
  if (id === 'sp-session') return m.sp.loggedIn;
  if (id === 'sp-error') return m.sp.loginFailed;
  return m.idp.pages[id] ?? `body[data-page="${id}"]`;
}

/** The id of the page the browser shows now (`unknown` when none matches). */
export async function currentPageId(page: Page, m: PageModels): Promise<string> {
  if (page.url().includes(m.idp.handoff)) return 'handoff';
  for (const [id, sel] of Object.entries(m.idp.pages))
    if ((await page.locator(sel).count()) > 0) return id;
  const dataPage = await page
    .locator('body[data-page]')
    .getAttribute('data-page', { timeout: 1000 })
    .catch(() => null);
  if (dataPage) return dataPage;
  if ((await page.locator(m.sp.loggedIn).count()) > 0) return 'sp-session';
  if ((await page.locator(m.sp.loginFailed).count()) > 0) return 'sp-error';
  return 'unknown';
}

export class PageExpectationError extends Error {
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string, url: string) {
    super(`expected page '${expected}', the browser shows '${actual}' (${url})`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** Waits until the browser shows page `id`; throws with the page it shows instead. */
export async function waitForPage(
  page: Page,
  id: string,
  m: PageModels,
  timeoutMs = STEP_TIMEOUT_MS,
): Promise<void> {
  try {
    if (id === 'handoff')
      await page.waitForURL((u) => u.href.includes(m.idp.handoff), { timeout: timeoutMs });
    else await page.locator(selectorOf(id, m)).first().waitFor({ timeout: timeoutMs });
  } catch {
    throw new PageExpectationError(id, await currentPageId(page, m).catch(() => '?'), page.url());
  }
}

/** Clicks the button (or link) with this exact label. */
export async function press(page: Page, label: string): Promise<void> {
  await page
    .getByRole('button', { name: label, exact: true })
    .or(page.getByRole('link', { name: label, exact: true }))
    .first()
    .click({ timeout: STEP_TIMEOUT_MS });
}

/** The visible text of the page (for `text` expectations and error codes). */
export async function pageText(page: Page): Promise<string> {
  return (
    (await page
      .locator('body')
      .innerText({ timeout: 5000 })
      .catch(() => '')) ?? ''
  );
}
