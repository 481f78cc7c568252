/**
 * Pages of the reference relying party, with the element ids the SAML service providers use
 * (`#entra-con-cie`, `#sp-logged-in`, `#attr-name`, `#attr-familyName`, `#attr-dateOfBirth`,
 * `#attr-fiscalNumber`, `#sp-authn-context`, `#sp-login-failed`, `#sp-error-code`, `#esci`), so one
 * browser script reads an SP or this RP; OpenID Connect specifics: `#attr-email`, `#sp-sub`,
 * `#sp-oidc-error` (the error code) and `#sp-status-message` (its description).
 */
import { FISCAL_NUMBER } from '../../oidc/profile.ts';
import { esc } from '../xml.ts';

const STYLE = `body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
.cie-button{display:inline-flex;align-items:center;gap:.6rem;background:#06c;color:#fff;padding:.7rem 1.4rem;
border-radius:4px;text-decoration:none;font-weight:600;border:0;font-size:1rem;cursor:pointer}
.note{color:#555;font-size:.9rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.4rem .8rem;text-align:left}
.error{border-left:4px solid #c00;padding:.2rem 1rem}`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="it"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export function rpHomePage(title: string, loggedIn: boolean): string {
  return page(
    title,
    `<h1>${esc(title)}</h1>
<p>Servizio di prova di CIE Bench (OpenID Connect). Accedi con la tua Carta d'Identità Elettronica.</p>
<p><a class="cie-button" id="entra-con-cie" href="/login">Entra con CIE</a></p>
${loggedIn ? '<p><a id="area-riservata" href="/attributes">Area riservata</a></p>' : ''}`,
  );
}

/** CIE claim → the SAML attribute name the ids use, and the label. */
const FIELDS: readonly (readonly [string, string, string])[] = [
  ['given_name', 'name', 'Nome'],
  ['family_name', 'familyName', 'Cognome'],
  ['birthdate', 'dateOfBirth', 'Data di nascita'],
  [FISCAL_NUMBER, 'fiscalNumber', 'Codice fiscale'],
  ['email', 'email', 'Email'],
];

export interface RpSessionView {
  readonly sub: string;
  readonly acr: string;
  readonly userinfo: Readonly<Record<string, unknown>>;
  readonly op: string;
  readonly createdAt: string;
  readonly refreshToken: boolean;
}

export function rpAttributesPage(title: string, s: RpSessionView): string {
  const rows = FIELDS.filter(([claim]) => s.userinfo[claim] !== undefined)
    .map(
      ([claim, id, label]) =>
        `<tr><th>${esc(label)} <code>${esc(claim)}</code></th><td id="attr-${id}">${esc(String(s.userinfo[claim]))}</td></tr>`,
    )
    .join('');
  return page(
    `${title} - area riservata`,
    `<h1 id="sp-logged-in">Accesso effettuato</h1>
<table>${rows}</table>
<h2>Sessione</h2>
<table>
<tr><th>sub (pairwise)</th><td id="sp-sub">${esc(s.sub)}</td></tr>
<tr><th>Livello (acr)</th><td id="sp-authn-context">${esc(s.acr)}</td></tr>
<tr><th>OpenID Provider</th><td>${esc(s.op)}</td></tr>
<tr><th>Refresh token</th><td>${s.refreshToken ? 'sì' : 'no'}</td></tr>
<tr><th>Accesso</th><td>${esc(s.createdAt)}</td></tr>
</table>
<p><a class="cie-button" id="esci" href="/logout">Esci</a></p>`,
  );
}

/** The RP's wording for the CIE codes an RP must handle (21, 22, 23, 25). */
const ERROR_TEXT: Record<number, string> = {
  21: "Tempo scaduto: l'autenticazione non è stata completata entro il tempo previsto. Riprova.",
  22: "Hai negato il consenso all'invio dei dati: l'accesso non è stato effettuato.",
  23: 'La Carta di Identità Elettronica risulta scaduta o revocata.',
  25: "Autenticazione annullata dall'utente.",
};

export function rpErrorPage(
  title: string,
  e: { error: string; description?: string; cieCode?: number },
): string {
  const text =
    (e.cieCode === undefined ? undefined : ERROR_TEXT[e.cieCode]) ??
    "L'OpenID Provider ha rifiutato la richiesta di autenticazione.";
  return page(
    `${title} - accesso non riuscito`,
    `<h1 id="sp-login-failed">Accesso non riuscito</h1>
<div class="error"><p id="sp-error-text">${esc(text)}</p>
<p>Codice: <span id="sp-error-code">${e.cieCode === undefined ? '' : esc(String(e.cieCode))}</span></p>
<p class="note">error <code id="sp-oidc-error">${esc(e.error)}</code>
${e.description ? ` — <span id="sp-status-message">${esc(e.description)}</span>` : ''}</p></div>
<p><a href="/">Torna alla pagina iniziale</a></p>`,
  );
}

export function rpRejectedPage(title: string, problems: readonly string[]): string {
  return page(
    `${title} - risposta non valida`,
    `<h1 id="sp-response-rejected">Risposta di autenticazione non valida</h1>
<div class="error"><p>Il relying party ha scartato la risposta:</p>
<ul id="sp-problems">${problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></div>
<p><a href="/">Torna alla pagina iniziale</a></p>`,
  );
}

export function rpLoggedOutPage(title: string, revoked: boolean): string {
  return page(
    title,
    `<h1 id="sp-logged-out">Sei uscito dal servizio</h1>
<p id="sp-token-revoked">${revoked ? 'Access token revocato presso il provider.' : 'Revoca del token non riuscita.'}</p>
<p><a href="/">Torna alla pagina iniziale</a></p>`,
  );
}

export function rpMessagePage(title: string, id: string, message: string): string {
  return page(
    title,
    `<h1 id="${esc(id)}">${esc(message)}</h1><p><a href="/">Torna alla pagina iniziale</a></p>`,
  );
}
