/**
 * The page frame of the reference service providers (the SAML SP's pages.ts and the OpenID relying
 * party's oidc/rp-pages.ts): plain server-rendered Italian pages, no external assets, every value
 * escaped, and one set of element ids for what both show, so one browser script reads either:
 * `#sp-logged-in`, `#attr-<name>`, `#sp-authn-context`, `#esci`, `#sp-login-failed`,
 * `#sp-error-text`, `#sp-error-code`, `#sp-response-rejected`, `#sp-problems`.
 */
import { esc } from './xml.ts';

const STYLE = `body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
.cie-button{display:inline-flex;align-items:center;gap:.6rem;background:#06c;color:#fff;padding:.7rem 1.4rem;
border-radius:4px;text-decoration:none;font-weight:600;border:0;font-size:1rem;cursor:pointer}
.cie-button:hover{background:#004d99}.note{color:#555;font-size:.9rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.4rem .8rem;text-align:left}
.error{border-left:4px solid #c00;padding:.2rem 1rem}`;

/** A whole HTML page: `title` (escaped here) around `body` (HTML, escaped by the caller). */
export function pageFrame(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="it"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** The link back to the home page that ends most pages. */
const HOME_LINK = '<p><a href="/">Torna alla pagina iniziale</a></p>';

/**
 * A page that says one thing: the heading (with the id a test reads), `moreHtml` (HTML escaped by
 * the caller) and the link back home.
 */
export function noticePage(title: string, id: string, heading: string, moreHtml = ''): string {
  return pageFrame(title, `<h1 id="${esc(id)}">${esc(heading)}</h1>${moreHtml}${HOME_LINK}`);
}

/**
 * The home page: the "Entra con CIE" button, `noteHtml` under it (HTML escaped by the caller), and
 * the way to the reserved area once logged in. `protocol` follows the bench's name (" (OpenID
 * Connect)").
 */
export function welcomePage(
  title: string,
  loggedIn: boolean,
  o: { readonly protocol?: string; readonly noteHtml?: string } = {},
): string {
  return pageFrame(
    title,
    `<h1>${esc(title)}</h1>
<p>Servizio di prova di CIE Bench${esc(o.protocol ?? '')}. Accedi con la tua Carta d'Identità Elettronica.</p>
<p><a class="cie-button" id="entra-con-cie" href="/login">Entra con CIE</a></p>
${o.noteHtml ? `${o.noteHtml}\n` : ''}${loggedIn ? '<p><a id="area-riservata" href="/attributes">Area riservata</a></p>' : ''}`,
  );
}

/** One attribute of the logged-in citizen: its label, its name (shown), the `attr-<id>` id. */
export interface AttributeRow {
  readonly label: string;
  readonly name: string;
  readonly id: string;
  readonly value: string;
}

/** One line of the session table, with the id a test reads it by, if any. */
export type SessionRow = readonly [label: string, value: string, id?: string];

/** The reserved area: the citizen's attributes, the session, the "Esci" button. */
export function signedInPage(
  title: string,
  attributes: readonly AttributeRow[],
  session: readonly SessionRow[],
): string {
  const rows = attributes
    .map(
      (a) =>
        `<tr><th>${esc(a.label)} <code>${esc(a.name)}</code></th><td id="attr-${esc(a.id)}">${esc(a.value)}</td></tr>`,
    )
    .join('');
  const sessionRows = session
    .map(
      ([label, value, id]) =>
        `<tr><th>${esc(label)}</th><td${id ? ` id="${esc(id)}"` : ''}>${esc(value)}</td></tr>`,
    )
    .join('\n');
  return pageFrame(
    `${title} - area riservata`,
    `<h1 id="sp-logged-in">Accesso effettuato</h1>
<table>${rows}</table>
<h2>Sessione</h2>
<table>
${sessionRows}
</table>
<p><a class="cie-button" id="esci" href="/logout">Esci</a></p>`,
  );
}

/** The service provider's own wording for the CIE error codes it must handle (21, 22, 23, 25). */
const CIE_ERROR_TEXT: Readonly<Record<number, string>> = {
  21: "Tempo scaduto: l'autenticazione non è stata completata entro il tempo previsto. Riprova.",
  22: "Hai negato il consenso all'invio dei dati: l'accesso non è stato effettuato.",
  23: 'La Carta di Identità Elettronica risulta scaduta o revocata.',
  25: "Autenticazione annullata dall'utente.",
};

/**
 * The identity provider said no: the wording of the CIE `code` (else `otherwise`), the code, and
 * `noteHtml` (the protocol's own error, as HTML escaped by the caller).
 */
export function loginFailedPage(
  title: string,
  code: number | undefined,
  otherwise: string,
  noteHtml: string,
): string {
  const text = (code === undefined ? undefined : CIE_ERROR_TEXT[code]) ?? otherwise;
  return pageFrame(
    `${title} - accesso non riuscito`,
    `<h1 id="sp-login-failed">Accesso non riuscito</h1>
<div class="error"><p id="sp-error-text">${esc(text)}</p>
<p>Codice: <span id="sp-error-code">${code === undefined ? '' : esc(String(code))}</span></p>
<p class="note">${noteHtml}</p></div>
${HOME_LINK}`,
  );
}

/** The service provider (`who`, "Il service provider") threw the answer away, for `problems`. */
export function rejectedAnswerPage(
  title: string,
  who: string,
  problems: readonly string[],
): string {
  return pageFrame(
    `${title} - risposta non valida`,
    `<h1 id="sp-response-rejected">Risposta di autenticazione non valida</h1>
<div class="error"><p>${esc(who)} ha scartato la risposta:</p>
<ul id="sp-problems">${problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></div>
${HOME_LINK}`,
  );
}
