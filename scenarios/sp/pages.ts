/**
 * HTML pages of the reference SP: plain server-rendered Italian pages, no external assets. Every
 * value is escaped. Elements a test or the scenario runner reads carry stable ids
 * (`#entra-con-cie`, `#attr-<name>`, `#sp-error-code`, `#sp-problems`).
 */
import type { SamlStatus } from './acs-checks.ts';
import type { SpSession } from './state.ts';
import { esc } from './xml.ts';

const STYLE = `body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
.cie-button{display:inline-flex;align-items:center;gap:.6rem;background:#06c;color:#fff;padding:.7rem 1.4rem;
border-radius:4px;text-decoration:none;font-weight:600;border:0;font-size:1rem;cursor:pointer}
.cie-button:hover{background:#004d99}.note{color:#555;font-size:.9rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.4rem .8rem;text-align:left}
.error{border-left:4px solid #c00;padding:.2rem 1rem}`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="it"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export function homePage(serviceTitle: string, loggedIn: boolean): string {
  return page(
    serviceTitle,
    `<h1>${esc(serviceTitle)}</h1>
<p>Servizio di prova di CIE Bench. Accedi con la tua Carta d'Identità Elettronica.</p>
<p><a class="cie-button" id="entra-con-cie" href="/login">Entra con CIE</a></p>
<p class="note">Richiesta firmata in HTTP-Redirect; <a id="entra-con-cie-post" href="/login?binding=post">usa HTTP-POST</a>.</p>
${loggedIn ? '<p><a id="area-riservata" href="/attributes">Area riservata</a></p>' : ''}`,
  );
}

const LABELS: Record<string, string> = {
  name: 'Nome',
  familyName: 'Cognome',
  dateOfBirth: 'Data di nascita',
  fiscalNumber: 'Codice fiscale',
};

export function attributesPage(serviceTitle: string, s: SpSession): string {
  const rows = Object.entries(s.attributes)
    .map(
      ([k, v]) =>
        `<tr><th>${esc(LABELS[k] ?? k)} <code>${esc(k)}</code></th><td id="attr-${esc(k)}">${esc(v)}</td></tr>`,
    )
    .join('');
  return page(
    `${serviceTitle} - area riservata`,
    `<h1 id="sp-logged-in">Accesso effettuato</h1>
<table>${rows}</table>
<h2>Sessione</h2>
<table>
<tr><th>NameID (transient)</th><td id="sp-name-id">${esc(s.nameId)}</td></tr>
<tr><th>NameQualifier</th><td>${esc(s.nameQualifier)}</td></tr>
<tr><th>Livello</th><td id="sp-authn-context">${esc(s.classRef)}</td></tr>
<tr><th>SessionIndex</th><td>${esc(s.sessionIndex ?? '')}</td></tr>
<tr><th>Identity provider</th><td>${esc(s.idpEntityId)}</td></tr>
<tr><th>Accesso</th><td>${esc(s.createdAt)}</td></tr>
</table>
<p><a class="cie-button" id="esci" href="/logout">Esci</a></p>`,
  );
}

/** The SP's own wording for the CIE error codes an SP must handle (21, 22, 23, 25). */
const ERROR_TEXT: Record<number, string> = {
  21: "Tempo scaduto: l'autenticazione non è stata completata entro il tempo previsto. Riprova.",
  22: "Hai negato il consenso all'invio dei dati: l'accesso non è stato effettuato.",
  23: 'La Carta di Identità Elettronica risulta scaduta o revocata.',
  25: "Autenticazione annullata dall'utente.",
};

export function idpErrorPage(serviceTitle: string, status: SamlStatus): string {
  const code = status.errorCode;
  const text =
    code !== undefined && ERROR_TEXT[code]
      ? ERROR_TEXT[code]
      : "L'identity provider ha rifiutato la richiesta di autenticazione.";
  return page(
    `${serviceTitle} - accesso non riuscito`,
    `<h1 id="sp-login-failed">Accesso non riuscito</h1>
<div class="error"><p id="sp-error-text">${esc(text)}</p>
<p>Codice: <span id="sp-error-code">${code === undefined ? '' : esc(String(code))}</span></p>
<p class="note">StatusCode <code id="sp-status-code">${esc(status.code)}</code>
${status.subCode ? ` / <code id="sp-sub-status-code">${esc(status.subCode)}</code>` : ''}
${status.message ? ` — <span id="sp-status-message">${esc(status.message)}</span>` : ''}</p></div>
<p><a href="/">Torna alla pagina iniziale</a></p>`,
  );
}

export function rejectedPage(serviceTitle: string, problems: readonly string[]): string {
  return page(
    `${serviceTitle} - risposta non valida`,
    `<h1 id="sp-response-rejected">Risposta di autenticazione non valida</h1>
<div class="error"><p>Il service provider ha scartato la risposta:</p>
<ul id="sp-problems">${problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></div>
<p><a href="/">Torna alla pagina iniziale</a></p>`,
  );
}

/** Auto-submitting HTTP-POST form to the IdP (SAML Bindings §3.5.4); works without JavaScript too. */
export function postFormPage(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
  return page(
    'Reindirizzamento',
    `<form id="saml-post" method="post" action="${esc(action)}">${inputs}
<noscript><button type="submit">Prosegui</button></noscript></form>
<script>document.getElementById('saml-post').submit()</script>`,
  );
}

export function loggedOutPage(serviceTitle: string): string {
  return page(
    serviceTitle,
    `<h1 id="sp-logged-out">Sei uscito dal servizio</h1><p><a href="/">Torna alla pagina iniziale</a></p>`,
  );
}

export function notLoggedInPage(serviceTitle: string): string {
  return page(
    serviceTitle,
    `<h1 id="sp-not-logged-in">Accesso richiesto</h1><p><a class="cie-button" href="/login">Entra con CIE</a></p>`,
  );
}
