/**
 * Level-3 logins in Chromium (Debian's, driven by playwright-core) against the bench IdP, ending at
 * a node-saml SP whose page is the verdict: the hybrid flow (serial → QR → the card signs through
 * the reference IAS terminal on an emulated CIE, as the phone app would → OTP typed → consent), the
 * desktop client-certificate flow, QR expiry and regeneration, wrong OTP three times, consent
 * refused (22), cancel (25), time budget (21, injected clock), revoked and expired card (23).
 * Skips loudly without /usr/bin/chromium; fails then under CIE_REQUIRE_INTEGRATION=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import jsqrModule from 'jsqr';

// jsqr is CommonJS with an ES-style default export in its typings: take whichever the loader gives.
const jsQR = ((jsqrModule as unknown as { default?: unknown }).default ?? jsqrModule) as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import type { IdpClock } from './config.ts';
import { startIdp, type RunningIdp } from './server.ts';
import { startBrowserSp, type BrowserSp } from './testing/browser-sp.ts';
import { chromiumAvailable, launchChromium, type Browser } from './browser/chromium.ts';
import { emulatedCard, type EmulatedCard } from './testing/card-signer.ts';
import { HttpClient } from './client/https-client.ts';
import { appScan, type AppResult } from './testing/login-driver.ts';
import {
  crlRevoking,
  expiredDefaultCard,
  softwareClientCertificate,
} from './testing/test-cards.ts';

const present = chromiumAvailable('idp browser.test');

class TestClock implements IdpClock {
  t = Date.now();
  now(): Date {
    return new Date(this.t);
  }
}

const clock = new TestClock();
let crls: Uint8Array[] = [];
let idp: RunningIdp;
let spApp: BrowserSp;
let browser: Browser;

beforeAll(async () => {
  if (!present) return;
  idp = await startIdp({ clock, timers: { qrPollMs: 200 }, crls: () => crls });
  spApp = await startBrowserSp(idp);
  browser = await launchChromium(idp);
});
afterAll(async () => {
  await browser?.close();
  await spApp?.close();
  await idp?.close();
});

const T = { timeout: 30_000 };
const onPage = (p: Page, id: string): Promise<unknown> =>
  p.waitForSelector(`body[data-page="${id}"]`, T);

async function spVerdict(p: Page): Promise<{ outcome: string | null; code: number }> {
  const body = await p.waitForSelector('body[data-outcome]', T);
  return {
    outcome: await body.getAttribute('data-outcome'),
    code: Number(await body.getAttribute('data-code')),
  };
}

/** SP → IdP → "Prosegui con smartphone" → serial → QR; returns the QR payload the page shows. */
async function toQr(p: Page, serial: string): Promise<URL> {
  await p.goto(spApp.loginUrl);
  await onPage(p, 'scelta');
  await p.getByRole('button', { name: 'Prosegui con smartphone' }).click();
  await onPage(p, 'seriale');
  await p.fill('#seriale', serial);
  await p.getByRole('button', { name: 'Prosegui' }).click();
  await onPage(p, 'qrcode');
  return new URL((await p.getAttribute('#qr', 'data-qr-payload')) ?? '');
}

/** Rasterises the page's QR SVG in the browser and decodes the pixels with jsQR. */
async function decodeQrOnPage(p: Page): Promise<string | undefined> {
  const img = await p.evaluate(async () => {
    const svg = document.querySelector('#qr svg');
    if (!svg) return undefined;
    const size = 480;
    const image = new Image();
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg.outerHTML)}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    const g = canvas.getContext('2d');
    if (!g) return undefined;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, size, size);
    g.drawImage(image, 0, 0, size, size);
    return { data: Array.from(g.getImageData(0, 0, size, size).data), size };
  });
  if (!img) return undefined;
  return jsQR(Uint8ClampedArray.from(img.data), img.size, img.size)?.data;
}

/** The phone: the app reads the QR and signs its challenge on the emulated card. */
function phone(qr: URL, card: EmulatedCard = emulatedCard()): Promise<AppResult> {
  return appScan(new HttpClient(idp.tlsCaPem), idp, qr, card);
}

async function typeOtp(p: Page, otp: string): Promise<void> {
  await onPage(p, 'otp');
  await p.fill('#otp', otp);
  await p.getByRole('button', { name: 'Prosegui' }).click();
}

describe.skipIf(!present)('level-3 logins in Chromium, checked at the SP', () => {
  it('hybrid: serial → QR → the card signs → OTP typed → consent → the SP has the session with the four attributes', async () => {
    const p = await browser.context.newPage();
    const qr = await toQr(p, defaultCardImage().citizen.document.number);
    expect(await p.textContent('#countdown')).toBe('2:00');
    // The live QR is not covered by the expiry overlay.
    expect(await p.isVisible('#scaduto')).toBe(false);
    expect(await p.isVisible('#qr svg')).toBe(true);
    expect(await decodeQrOnPage(p)).toBe(qr.toString());
    expect(qr.pathname).toBe('/idp/erroreQr.jsp');
    const app = await phone(qr);
    expect(app.status).toBe(200);
    await typeOtp(p, String(app.json['otp']));
    await onPage(p, 'consenso');
    await p.getByRole('button', { name: 'Acconsento', exact: true }).click();
    expect(await spVerdict(p)).toEqual({ outcome: 'success', code: 1 });
    const c = defaultCardImage().citizen;
    expect(await p.textContent('#fiscalNumber')).toBe(`TINIT-${c.fiscalCode}`);
    expect(await p.textContent('#dateOfBirth')).toBe(c.birthDate);
    expect(await p.textContent('#name')).toBe(c.givenName);
    expect(await p.textContent('#familyName')).toBe(c.surname);
    expect(await p.textContent('#relay')).toBe('/area-riservata');
    await p.close();
  });

  it('QR expiry: the page shows "Il QR Code non è più valido", "Genera un nuovo QR Code" gives a new QR that completes the login', async () => {
    const p = await browser.context.newPage();
    const first = await toQr(p, defaultCardImage().citizen.document.number);
    expect(await p.isVisible('#scaduto')).toBe(false);
    clock.t += 121_000;
    await p.waitForSelector('#scaduto', { state: 'visible', ...T });
    expect(await p.textContent('#scaduto')).toContain('Il QR Code non è più valido');
    // Back to real time: the SP (node-saml) checks the Response against the real clock.
    clock.t = Date.now();
    await p.getByRole('button', { name: 'Genera un nuovo QR Code' }).click();
    await onPage(p, 'qrcode');
    const second = new URL((await p.getAttribute('#qr', 'data-qr-payload')) ?? '');
    expect(second.searchParams.get('opId')).not.toBe(first.searchParams.get('opId'));
    const app = await phone(second);
    await typeOtp(p, String(app.json['otp']));
    await onPage(p, 'consenso');
    await p.getByRole('button', { name: 'Acconsento', exact: true }).click();
    expect((await spVerdict(p)).outcome).toBe('success');
    await p.close();
  });

  it('wrong OTP three times: tries left shown, then the code is void; the user cancels and the SP gets 25', async () => {
    const p = await browser.context.newPage();
    const app = await phone(await toQr(p, defaultCardImage().citizen.document.number));
    const wrong = app.json['otp'] === '0000' ? '1111' : '0000';
    for (const left of [2, 1]) {
      await typeOtp(p, wrong);
      await p.waitForSelector(`text=Codice errato. Tentativi rimasti: ${left}`, T);
    }
    await typeOtp(p, wrong);
    await onPage(p, 'otp-non-valido');
    expect(await p.textContent('#errore')).toBe('Hai superato il numero massimo di tentativi.');
    await p.getByRole('button', { name: 'Annulla' }).click();
    expect(await spVerdict(p)).toEqual({ outcome: 'error', code: 25 });
    await p.close();
  });

  it('consent refused: the SP gets 22', async () => {
    const p = await browser.context.newPage();
    const app = await phone(await toQr(p, defaultCardImage().citizen.document.number));
    await typeOtp(p, String(app.json['otp']));
    await onPage(p, 'consenso');
    await p.getByRole('button', { name: 'Non acconsento' }).click();
    expect(await spVerdict(p)).toEqual({ outcome: 'error', code: 22 });
    await p.close();
  });

  it('cancel on the first page: the SP gets 25', async () => {
    const p = await browser.context.newPage();
    await p.goto(spApp.loginUrl);
    await onPage(p, 'scelta');
    await p.getByRole('button', { name: 'Annulla' }).click();
    expect(await spVerdict(p)).toEqual({ outcome: 'error', code: 25 });
    await p.close();
  });

  it('time budget: a step after the login budget gives the SP 21', async () => {
    const p = await browser.context.newPage();
    const app = await phone(await toQr(p, defaultCardImage().citizen.document.number));
    await typeOtp(p, String(app.json['otp']));
    await onPage(p, 'consenso');
    clock.t += 600_001;
    await p.getByRole('button', { name: 'Acconsento', exact: true }).click();
    expect(await spVerdict(p)).toEqual({ outcome: 'error', code: 21 });
    clock.t = Date.now();
    await p.close();
  });

  it('revoked card: the app is refused (CERT_REVOKED) and the SP gets 23', async () => {
    crls = [crlRevoking([defaultCardImage()])];
    try {
      const p = await browser.context.newPage();
      const app = await phone(await toQr(p, defaultCardImage().citizen.document.number));
      expect(app.json['codice']).toBe('CERT_REVOKED');
      expect(await spVerdict(p)).toEqual({ outcome: 'error', code: 23 });
      await p.close();
    } finally {
      crls = [];
    }
  });

  it('expired card: the app is refused (CERT_EXPIRED) and the SP gets 23', async () => {
    const expired = expiredDefaultCard();
    const p = await browser.context.newPage();
    const app = await phone(await toQr(p, expired.citizen.document.number), emulatedCard(expired));
    expect(app.json['codice']).toBe('CERT_EXPIRED');
    expect(await spVerdict(p)).toEqual({ outcome: 'error', code: 23 });
    await p.close();
  });

  it('desktop: "Prosegui con computer" → TLS 1.2 client certificate → consent → the SP has the session', async () => {
    const cert = softwareClientCertificate(defaultCardImage());
    const desktop = await launchChromium(idp, {
      clientCertificates: [
        { origin: idp.urls.desktop, cert: Buffer.from(cert.cert), key: Buffer.from(cert.key) },
      ],
    });
    try {
      const p = await desktop.context.newPage();
      await p.goto(spApp.loginUrl);
      await onPage(p, 'scelta');
      await p.getByRole('button', { name: 'Prosegui con computer' }).click();
      await onPage(p, 'computer');
      await p.click('#accedi');
      await onPage(p, 'consenso');
      await p.getByRole('button', { name: 'Acconsento', exact: true }).click();
      expect(await spVerdict(p)).toEqual({ outcome: 'success', code: 1 });
      expect(await p.textContent('#fiscalNumber')).toBe(
        `TINIT-${defaultCardImage().citizen.fiscalCode}`,
      );
    } finally {
      await desktop.close();
    }
  });
});

describe.skipIf(!present)('impersonation of the pre-production IdP in Chromium', () => {
  it('--as preprod: the SP uses the real pre-production URLs and entityID; Chromium reaches the bench through --host-resolver-rules', async () => {
    const pre = await startIdp({ mode: 'preprod' });
    const preSp = await startBrowserSp(pre, 'browser-sp-preprod');
    const b = await launchChromium(pre);
    try {
      expect(pre.urls.entityId).toBe(
        'https://preproduzione.idserver.servizicie.interno.gov.it/idp/profile/SAML2/POST/SSO',
      );
      expect(pre.hostResolverRules).toContain(
        `MAP preproduzione.idserver.servizicie.interno.gov.it 127.0.0.1:${pre.ports.main}`,
      );
      const p = await b.context.newPage();
      await p.goto(preSp.loginUrl);
      await onPage(p, 'scelta');
      expect(new URL(p.url()).host).toBe('preproduzione.idserver.servizicie.interno.gov.it');
      await p.getByRole('button', { name: 'Prosegui con smartphone' }).click();
      await p.fill('#seriale', defaultCardImage().citizen.document.number);
      await p.getByRole('button', { name: 'Prosegui' }).click();
      await onPage(p, 'qrcode');
      const qr = new URL((await p.getAttribute('#qr', 'data-qr-payload')) ?? '');
      expect(qr.origin).toBe('https://preproduzione.idserver.servizicie.interno.gov.it');
      // The phone reaches the same host name, mapped to loopback as the browser's.
      const phoneClient = new HttpClient(pre.tlsCaPem, {
        connectTo: (h, port) => pre.connectTo(h, port),
      });
      const app = await appScan(phoneClient, pre, qr, emulatedCard());
      expect(app.status).toBe(200);
      await typeOtp(p, String(app.json['otp']));
      await onPage(p, 'consenso');
      await p.getByRole('button', { name: 'Acconsento', exact: true }).click();
      expect(await spVerdict(p)).toEqual({ outcome: 'success', code: 1 });
    } finally {
      await b.close();
      await preSp.close();
      await pre.close();
    }
  });
});
