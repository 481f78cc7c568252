/**
 * Test assertions on what the IdP answered: a courtesy page (HTTP status, message) or a signed SAML
 * error Response posted to the ACS (status codes, "ErrorCode nrNN", InResponseTo, no Assertion),
 * with the expected URNs written out literally so the tests check the IdP against the published
 * table, not against its own table.
 */
import { getVerifiedXml } from '@node-saml/node-saml/lib/xml.js';
import { expect } from 'vitest';
import { attr, children, descendants, NS, parseXml, textOf } from '../saml/xml.ts';
import type { RunningIdp } from '../server.ts';
import type { HttpAnswer } from '../client/https-client.ts';
import { pageId } from '../client/https-client.ts';
import { postedResponse, type PostedResponse } from './login-driver.ts';

const S = 'urn:oasis:names:tc:SAML:2.0:status:';

/** Top-level and second-level status codes of each SAML error code (published table 9.4–9.8). */
export const EXPECTED_STATUS: Readonly<Record<number, readonly string[]>> = {
  8: [`${S}Requester`],
  9: [`${S}VersionMismatch`],
  11: [`${S}Requester`],
  12: [`${S}Requester`, `${S}NoAuthnContext`],
  13: [`${S}Requester`, `${S}RequestDenied`],
  14: [`${S}Requester`, `${S}RequestUnsupported`],
  15: [`${S}Requester`, `${S}NoPassive`],
  16: [`${S}Requester`, `${S}RequestUnsupported`],
  17: [`${S}Requester`, `${S}RequestUnsupported`],
  18: [`${S}Requester`, `${S}RequestUnsupported`],
  21: [`${S}Responder`, `${S}AuthnFailed`],
  22: [`${S}Responder`, `${S}AuthnFailed`],
  23: [`${S}Responder`, `${S}AuthnFailed`],
  25: [`${S}Responder`, `${S}AuthnFailed`],
};

export const PAGE_MESSAGES: Readonly<Record<number, readonly [number, string]>> = {
  3: [500, 'Sistema di autenticazione non disponibile - Riprovare più tardi'],
  4: [403, 'Formato richiesta non corretto - Contattare il gestore del servizio'],
  5: [
    403,
    "Impossibile stabilire l'autenticità della richiesta di autenticazione - Contattare il gestore del servizio",
  ],
  6: [403, 'Formato richiesta non ricevibile - Contattare il gestore del servizio'],
  7: [403, 'Formato richiesta non corretto - Contattare il gestore del servizio'],
  10: [403, 'Formato richiesta non corretto - Contattare il gestore del servizio'],
};

function unescape(s: string): string {
  return s
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export function expectPage(a: HttpAnswer, code: number): void {
  const [status, message] = PAGE_MESSAGES[code] as readonly [number, string];
  expect(a.status, `HTTP status of code ${code}`).toBe(status);
  expect(pageId(a.body)).toBe(`errore-${code}`);
  expect(unescape(/<p id="messaggio">([^<]*)<\/p>/.exec(a.body)?.[1] ?? '')).toBe(message);
  expect(a.body).not.toContain('SAMLResponse');
}

/** Checks a SAML error Response and returns it. */
export function expectSamlError(
  a: HttpAnswer,
  idp: RunningIdp,
  code: number,
  o: { acs: string; inResponseTo?: string | null; relayState?: string },
): PostedResponse {
  expect(a.status).toBe(200);
  const p = postedResponse(a);
  expect(p, `a SAMLResponse form (page '${pageId(a.body) ?? '?'}')`).toBeDefined();
  const posted = p as PostedResponse;
  expect(posted.code).toBe(code);
  expect(posted.acs).toBe(o.acs);
  if (o.relayState !== undefined) expect(posted.relayState).toBe(o.relayState);
  const doc = parseXml(posted.xml);
  const r = doc.documentElement;
  expect(
    getVerifiedXml(posted.xml, r as never, [idp.signingCertificatePem]),
    'signature',
  ).toBeTruthy();
  expect(attr(r, 'Destination')).toBe(o.acs);
  if (o.inResponseTo === null) expect(r.hasAttribute('InResponseTo')).toBe(false);
  else if (o.inResponseTo !== undefined) expect(attr(r, 'InResponseTo')).toBe(o.inResponseTo);
  expect(textOf(children(r, NS.saml, 'Issuer')[0])).toBe(idp.urls.entityId);
  expect(descendants(r, NS.saml, 'Assertion')).toHaveLength(0);
  expect(descendants(r, NS.samlp, 'StatusCode').map((e) => attr(e, 'Value'))).toEqual(
    EXPECTED_STATUS[code],
  );
  expect(textOf(descendants(r, NS.samlp, 'StatusMessage')[0])).toBe(
    `ErrorCode nr${String(code).padStart(2, '0')}`,
  );
  return posted;
}
