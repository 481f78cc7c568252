/**
 * Page identity and error codes as a load run reports them. A page's id is the runner's (the IdP's
 * `data-page`, `handoff` for the app hand-off URL, `sp-session` / `sp-error` for the SP's end
 * pages). A failed login is counted under one key, the CIE code first:
 *
 * | key | when |
 * |---|---|
 * | `cie-<n>` | the IdP's error page `errore-<n>` ("Codice errore n"), a SAML Response or SP page with `ErrorCode nr<n>` |
 * | `app-<EVENT>` | the app ended with this event (its IdP `codice` is in the message) |
 * | `net-<code>`, `http-<…>` | the connection failed (`net-ECONNREFUSED`, `net-timeout`), too many redirects |
 * | `page-<expected>` | the browser is on another page than the step expects (the message says which) |
 * | `step-unsupported`, `step-error` | the step cannot run without a browser, or failed otherwise |
 *
 * CIE codes: italia/cie-eid-saml-docs `docs/it/codiciErrore.rst` (the IdP's README lists them).
 */
import type { IdpPageModel } from '../../runner/actors/idp.ts';
import type { SpPageModel } from '../../runner/actors/sp.ts';
import type { BrowserlessPage } from './browser.ts';
import { hasId, idOfSelector, pageText } from './html.ts';

export interface BrowserlessModels {
  readonly idp: IdpPageModel;
  readonly sp: SpPageModel;
}

/** The page id of `p` (`unknown` when none applies). */
export function pageIdOf(p: BrowserlessPage, m: BrowserlessModels): string {
  if (p.url.includes(m.idp.handoff)) return 'handoff';
  for (const [id, sel] of Object.entries(m.idp.pages)) {
    const elementId = idOfSelector(sel);
    if (elementId !== undefined && hasId(p.html, elementId)) return id;
  }
  const data = /<body\b[^>]*\sdata-page="([^"]+)"/.exec(p.html)?.[1];
  if (data) return data;
  const session = idOfSelector(m.sp.loggedIn);
  if (session !== undefined && hasId(p.html, session)) return 'sp-session';
  const failed = idOfSelector(m.sp.loginFailed);
  if (failed !== undefined && hasId(p.html, failed)) return 'sp-error';
  return 'unknown';
}

/** The CIE error code `p` shows, if any. */
export function cieCodeOfPage(p: BrowserlessPage): number | undefined {
  const page = /<body\b[^>]*\sdata-page="errore-(\d+)"/.exec(p.html)?.[1];
  if (page) return Number(page);
  const text = pageText(p.html);
  const m = /ErrorCode nr(\d+)|Codice errore (\d+)/.exec(text);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/** The CIE code of a SAML Response (base64 of the HTTP-POST form); 1 for success. */
export function cieCodeOfResponse(samlResponseB64: string): number | undefined {
  const xml = Buffer.from(samlResponseB64, 'base64').toString('utf8');
  const m = /ErrorCode nr(\d+)/.exec(xml);
  if (m) return Number(m[1]);
  return /StatusCode[^>]*Value="urn:oasis:names:tc:SAML:2\.0:status:Success"/.test(xml)
    ? 1
    : undefined;
}

export interface LoadError {
  readonly code: string;
  readonly message: string;
}

/** The error key of a failed step from what the browser shows and what it carried. */
export function errorOf(
  page: BrowserlessPage,
  responses: readonly string[],
  fallback: LoadError,
): LoadError {
  const last = responses[responses.length - 1];
  const fromResponse = last === undefined ? undefined : cieCodeOfResponse(last);
  const code = cieCodeOfPage(page) ?? (fromResponse !== 1 ? fromResponse : undefined);
  return code === undefined ? fallback : { code: `cie-${code}`, message: fallback.message };
}
