/**
 * HTML pages of the reference SP, in the frame it shares with the OpenID relying party
 * (page-frame.ts). Every value is escaped. Elements a test or the scenario runner reads carry
 * stable ids (`#entra-con-cie`, `#attr-<name>`, `#sp-error-code`, `#sp-problems`).
 */
import type { SamlStatus } from './acs-checks.ts';
import {
  loginFailedPage,
  noticePage,
  pageFrame,
  rejectedAnswerPage,
  signedInPage,
  welcomePage,
} from './page-frame.ts';
import type { SpSession } from './state.ts';
import { esc } from './xml.ts';

export function homePage(serviceTitle: string, loggedIn: boolean): string {
  return welcomePage(serviceTitle, loggedIn, {
    noteHtml: `<p class="note">Richiesta firmata in HTTP-Redirect; <a id="entra-con-cie-post" href="/login?binding=post">usa HTTP-POST</a>.</p>`,
  });
}

const LABELS: Record<string, string> = {
  name: 'Nome',
  familyName: 'Cognome',
  dateOfBirth: 'Data di nascita',
  fiscalNumber: 'Codice fiscale',
};

export function attributesPage(serviceTitle: string, s: SpSession): string {
  return signedInPage(
    serviceTitle,
    Object.entries(s.attributes).map(([k, v]) => ({
      label: LABELS[k] ?? k,
      name: k,
      id: k,
      value: v,
    })),
    [
      ['NameID (transient)', s.nameId, 'sp-name-id'],
      ['NameQualifier', s.nameQualifier],
      ['Livello', s.classRef, 'sp-authn-context'],
      ['SessionIndex', s.sessionIndex ?? ''],
      ['Identity provider', s.idpEntityId],
      ['Accesso', s.createdAt],
    ],
  );
}

export function idpErrorPage(serviceTitle: string, status: SamlStatus): string {
  return loginFailedPage(
    serviceTitle,
    status.errorCode,
    "L'identity provider ha rifiutato la richiesta di autenticazione.",
    `StatusCode <code id="sp-status-code">${esc(status.code)}</code>
${status.subCode ? ` / <code id="sp-sub-status-code">${esc(status.subCode)}</code>` : ''}
${status.message ? ` — <span id="sp-status-message">${esc(status.message)}</span>` : ''}`,
  );
}

export function rejectedPage(serviceTitle: string, problems: readonly string[]): string {
  return rejectedAnswerPage(serviceTitle, 'Il service provider', problems);
}

/** Auto-submitting HTTP-POST form to the IdP (SAML Bindings §3.5.4); works without JavaScript too. */
export function postFormPage(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
  return pageFrame(
    'Reindirizzamento',
    `<form id="saml-post" method="post" action="${esc(action)}">${inputs}
<noscript><button type="submit">Prosegui</button></noscript></form>
<script>document.getElementById('saml-post').submit()</script>`,
  );
}

export function loggedOutPage(serviceTitle: string): string {
  return noticePage(serviceTitle, 'sp-logged-out', 'Sei uscito dal servizio');
}

export function notLoggedInPage(serviceTitle: string): string {
  return pageFrame(
    serviceTitle,
    `<h1 id="sp-not-logged-in">Accesso richiesto</h1><p><a class="cie-button" href="/login">Entra con CIE</a></p>`,
  );
}
