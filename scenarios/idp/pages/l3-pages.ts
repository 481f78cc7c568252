/**
 * The level-3 login pages (Italian): the choice "Prosegui con computer" / "Prosegui con
 * smartphone", the card serial number, the QR code with its countdown, the OTP, the consent page
 * and the desktop card-reader step. Every form posts to `/idp/login/livello3` with the flow key.
 */
import { form, h, page } from './layout.ts';

export const L3_PATH = '/idp/login/livello3';

export interface FlowFields {
  /** Name of the flow-key parameter (`A-FLOW-KEY-NAME`). */
  readonly keyName: string;
  readonly key: string;
}

const CANCEL = { value: 'annulla', label: 'Annulla', secondary: true } as const;

function fields(f: FlowFields): Record<string, string> {
  return { [f.keyName]: f.key };
}

export function chooserPage(f: FlowFields, spName: string): string {
  return page({
    id: 'scelta',
    title: 'Accesso con CIE',
    body:
      `<h1>Accesso con Carta d'Identità Elettronica</h1>` +
      `<p><strong>${h(spName)}</strong> richiede l'accesso di livello 3 con la tua CIE.</p>` +
      `<p>Come vuoi proseguire?</p>` +
      form(L3_PATH, fields(f), [
        { value: 'computer', label: 'Prosegui con computer' },
        { value: 'smartphone', label: 'Prosegui con smartphone' },
        CANCEL,
      ]) +
      `<p class="note">Con il computer ti servono un lettore di smart card e il software CIE; con lo ` +
      `smartphone ti serve l'app CieID con la carta registrata.</p>`,
  });
}

export function serialPage(f: FlowFields, error?: string): string {
  return page({
    id: 'seriale',
    title: 'Numero seriale della CIE',
    body:
      `<h1>Inserisci il numero seriale della tua CIE</h1>` +
      `<p>Lo trovi in alto a destra sul fronte della carta (ad esempio CA00000AA).</p>` +
      (error ? `<p class="error" id="errore">${h(error)}</p>` : '') +
      form(
        L3_PATH,
        { ...fields(f), azione: 'seriale' },
        [{ value: 'prosegui', label: 'Prosegui' }, CANCEL],
        `<p><label>Numero seriale <input type="text" name="seriale" id="seriale" maxlength="9" autocomplete="off" autofocus></label></p>`,
      ),
  });
}

export interface QrView {
  readonly svg: string;
  readonly payload: string;
  readonly remainingSeconds: number;
  readonly pollMs: number;
  readonly checkUrl: string;
  readonly spName: string;
}

/**
 * Countdown and status poll of the QR page. Once the citizen submits one of the page's forms the
 * poll stops and an answer still in flight is dropped: `location.reload()` would replace the
 * pending submission (the browser keeps only the last navigation), losing "Annulla" or "Genera un
 * nuovo QR Code" when the answer to the submission is slow, as it is through a chain of redirects.
 */
function qrScript(v: QrView): string {
  return (
    `(function(){var left=${v.remainingSeconds};var gone=false;var el=document.getElementById('countdown');` +
    `var ov=document.getElementById('scaduto');function show(){var m=Math.floor(left/60),s=left%60;` +
    `el.textContent=m+':'+(s<10?'0':'')+s;}function expire(){ov.hidden=false;clearInterval(t);clearInterval(p);}` +
    `show();var t=setInterval(function(){if(left>0){left--;show();}},1000);` +
    `var p=setInterval(function(){fetch(${JSON.stringify(v.checkUrl)},{credentials:'same-origin'})` +
    `.then(function(r){return r.json();}).then(function(j){if(gone){return;}if(j.status==='OK'){location.reload();}` +
    `else if(j.status==='KO'){if(j.statusType==='SESSION_EXPIRED'){expire();}else{location.reload();}}` +
    `else if(typeof j.remainingSeconds==='number'){left=j.remainingSeconds;show();}}).catch(function(){});},${v.pollMs});` +
    `document.addEventListener('submit',function(){gone=true;clearInterval(p);},true);})();`
  );
}

export function qrPage(f: FlowFields, v: QrView): string {
  return page({
    id: 'qrcode',
    title: 'Inquadra il QR Code',
    head: `<noscript><meta http-equiv="refresh" content="${Math.max(1, Math.round(v.pollMs / 1000))}"></noscript>`,
    body:
      `<h1>Inquadra il QR Code con l'app CieID</h1>` +
      `<p>Apri l'app CieID sul tuo smartphone, scegli "Entra con QR code" e inquadra il codice. ` +
      `Avvicina la CIE allo smartphone quando richiesto.</p>` +
      `<div class="qr" id="qr" data-qr-payload="${h(v.payload)}">${v.svg}` +
      `<div class="overlay" id="scaduto" hidden><div>Il QR Code non è più valido<br>` +
      form(L3_PATH, { ...fields(f), azione: 'rigenera' }, [
        { value: 'rigenera', label: 'Genera un nuovo QR Code' },
      ]) +
      `</div></div></div>` +
      `<p>Il QR Code è valido ancora per <span id="countdown">${Math.floor(v.remainingSeconds / 60)}:${String(v.remainingSeconds % 60).padStart(2, '0')}</span> minuti.</p>` +
      form(L3_PATH, { ...fields(f), azione: 'qr' }, [CANCEL]),
    script: qrScript(v),
  });
}

export function qrExpiredPage(f: FlowFields): string {
  return page({
    id: 'qrcode-scaduto',
    title: 'QR Code scaduto',
    body:
      `<h1>Il QR Code non è più valido</h1>` +
      form(L3_PATH, { ...fields(f), azione: 'rigenera' }, [
        { value: 'rigenera', label: 'Genera un nuovo QR Code' },
        CANCEL,
      ]),
  });
}

export function otpPage(f: FlowFields, error?: string): string {
  return page({
    id: 'otp',
    title: 'Codice di verifica',
    body:
      `<h1>Inserisci il codice visualizzato sull'app CieID</h1>` +
      (error ? `<p class="error" id="errore">${h(error)}</p>` : '') +
      form(
        L3_PATH,
        { ...fields(f), azione: 'otp' },
        [{ value: 'prosegui', label: 'Prosegui' }, CANCEL],
        `<p><label>Codice <input type="text" name="otp" id="otp" inputmode="numeric" maxlength="8" autocomplete="one-time-code" autofocus></label></p>`,
      ),
  });
}

export function otpVoidPage(f: FlowFields, reason: 'tries' | 'expired'): string {
  const why =
    reason === 'tries' ? 'Hai superato il numero massimo di tentativi.' : 'Il codice è scaduto.';
  return page({
    id: 'otp-non-valido',
    title: 'Codice non più valido',
    body:
      `<h1>Codice non più valido</h1><p class="error" id="errore">${why}</p>` +
      form(L3_PATH, { ...fields(f), azione: 'rigenera' }, [
        { value: 'rigenera', label: 'Genera un nuovo QR Code' },
        CANCEL,
      ]),
  });
}

export interface ConsentRow {
  readonly label: string;
  readonly value: string;
}

export function consentPage(f: FlowFields, spName: string, rows: readonly ConsentRow[]): string {
  const table = rows
    .map((r) => `<tr><td>${h(r.label)}</td><td><strong>${h(r.value)}</strong></td></tr>`)
    .join('');
  return page({
    id: 'consenso',
    title: 'Consenso al trattamento dei dati',
    body:
      `<h1>Stai per accedere a ${h(spName)}</h1>` +
      `<p>Per completare l'accesso verranno inviati a <strong>${h(spName)}</strong> i seguenti dati:</p>` +
      `<table id="attributi">${table}</table>` +
      form(L3_PATH, { ...fields(f), azione: 'consenso' }, [
        { value: 'acconsento', label: 'Acconsento' },
        { value: 'nego', label: 'Non acconsento', secondary: true },
        CANCEL,
      ]),
  });
}

export function desktopPage(f: FlowFields, clientAuthUrl: string): string {
  return page({
    id: 'computer',
    title: 'Accesso con lettore',
    body:
      `<h1>Accesso con la CIE e il lettore</h1>` +
      `<p>Appoggia la CIE sul lettore collegato al computer, poi premi "Accedi": ti verrà chiesto ` +
      `di scegliere il certificato della carta e di inserire le ultime 4 cifre del PIN.</p>` +
      `<p><a class="btn" id="accedi" href="${h(clientAuthUrl)}">Accedi</a></p>` +
      form(L3_PATH, { ...fields(f), azione: 'computer' }, [CANCEL]),
  });
}
