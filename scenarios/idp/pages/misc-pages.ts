/**
 * The IdP's other pages: courtesy pages with the published messages of the error codes, the
 * auto-submitting HTTP-POST form that carries the Response to the SP (SAML bindings §3.5.4), the
 * logout confirmation, the page a generic QR scanner lands on, and the app hand-off fallback.
 */
import { h, page } from './layout.ts';

export function messagePage(id: string, title: string, message: string, detail?: string): string {
  return page({
    id,
    title,
    body:
      `<h1>${h(title)}</h1><p id="messaggio">${h(message)}</p>` +
      (detail ? `<p class="note" id="dettaglio">${h(detail)}</p>` : ''),
  });
}

export interface PostFormSpec {
  readonly acsUrl: string;
  readonly samlResponse: string;
  readonly relayState?: string;
  /** Shown before the automatic submit (code 12 "pagina temporanea"). */
  readonly notice?: string;
  readonly code: number;
}

/** HTTP-POST binding form, submitted by script; a button without script. */
export function postFormPage(s: PostFormSpec): string {
  const relay =
    s.relayState === undefined
      ? ''
      : `<input type="hidden" name="RelayState" value="${h(s.relayState)}">`;
  return page({
    id: 'invio-risposta',
    title: 'Invio della risposta',
    body:
      (s.notice
        ? `<p class="error" id="messaggio">${h(s.notice)}</p>`
        : '<p>Reindirizzamento al servizio in corso...</p>') +
      `<form id="saml" method="post" action="${h(s.acsUrl)}" data-code="${s.code}">` +
      `<input type="hidden" name="SAMLResponse" value="${h(s.samlResponse)}">${relay}` +
      `<noscript><button class="btn" type="submit">Prosegui</button></noscript></form>`,
    script: `document.getElementById('saml').submit();`,
  });
}

export function logoutPage(): string {
  return messagePage('logout', 'Logout', 'Logout effettuato con successo');
}

export function erroreQrPage(): string {
  return messagePage(
    'errore-qr',
    'QR Code',
    "Questo QR Code deve essere inquadrato con l'app CieID.",
    'Apri l\'app CieID sul tuo smartphone e scegli "Entra con QR code".',
  );
}

export function openAppPage(): string {
  return page({
    id: 'apri-app',
    title: "Apri l'app CieID",
    body:
      `<h1>Prosegui con l'app CieID</h1>` +
      `<p>Per accedere con la CIE da questo dispositivo apri l'app CieID, inserisci le ultime 4 cifre ` +
      `del PIN e avvicina la carta al telefono.</p>` +
      `<p class="note">Se l'app non è installata, scaricala dallo store del tuo dispositivo.</p>`,
  });
}
