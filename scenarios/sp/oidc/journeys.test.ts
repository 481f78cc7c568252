/**
 * Level-3 logins over OpenID Connect, end to end over HTTPS: the reference relying party (trust
 * chain to the bench anchor, signed request object, PKCE, private_key_jwt, encrypted ID Token and
 * UserInfo) against the OpenID Provider inside the reference IdP, the level-3 part being the very
 * pages, app endpoints and card checks of SAML — hybrid (QR + OTP, the emulated card signing
 * through the reference IAS terminal), phone only (TLS 1.3 challenge variant), desktop (client
 * certificate) — and the CIE failures: consent refused (22), cancelled (25), revoked card (23),
 * time budget over (21). Each verdict is read on the relying party's side (its outcome log and its
 * pages).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { HttpClient, pageId } from '../../idp/client/https-client.ts';
import type { IdpClock } from '../../idp/config.ts';
import { cardSign, emulatedCard } from '../../idp/testing/card-signer.ts';
import { appScan, flowKeyOf, l3Post, qrPayloadOf } from '../../idp/testing/login-driver.ts';
import { crlRevoking, softwareClientCertificate } from '../../idp/testing/test-cards.ts';
import { ACR, FISCAL_NUMBER } from '../../oidc/profile.ts';
import type { RpOutcome } from './rp-state.ts';
import {
  browser,
  decide,
  hybridToConsent,
  startFederation,
  toIdp,
  type Federation,
} from './testing/federation.ts';

const ANDROID_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36';

class TestClock implements IdpClock {
  t = Date.now();
  now(): Date {
    return new Date(this.t);
  }
}

const clock = new TestClock();
let crls: readonly Uint8Array[] = [];
let f: Federation;
const citizen = defaultCardImage().citizen;

beforeAll(async () => {
  f = await startFederation({ idp: { clock, crls: () => crls } });
}, 120_000);
afterAll(async () => f?.close());

let browsers = 0;
function newBrowser(ua?: string): { c: HttpClient; name: string } {
  const name = `b${++browsers}`;
  const c = browser(f, name);
  if (ua) c.userAgent = ua;
  return { c, name };
}

function lastOutcome(): RpOutcome {
  const o = f.rp.state.outcomes.at(-1);
  if (!o) throw new Error('no relying-party outcome');
  return o;
}

function expectLogin(o: RpOutcome): void {
  expect(o.kind, JSON.stringify(o)).toBe('login');
  if (o.kind !== 'login') return;
  const s = o.session;
  expect(s.acr).toBe(ACR.L3);
  for (const claims of [s.idToken, s.userinfo]) {
    expect(claims['given_name']).toBe(citizen.givenName);
    expect(claims['family_name']).toBe(citizen.surname);
    expect(claims['birthdate']).toBe(citizen.birthDate);
    expect(claims[FISCAL_NUMBER]).toBe(`TINIT-${citizen.fiscalCode}`);
  }
  // Pairwise: never the fiscal code.
  expect(s.sub).not.toContain(citizen.fiscalCode);
}

function expectCieError(o: RpOutcome, code: number): void {
  expect(o.kind, JSON.stringify(o)).toBe('op-error');
  if (o.kind !== 'op-error') return;
  expect(o.where).toBe('authorization');
  expect(o.error).toBe('access_denied');
  expect(o.cieCode).toBe(code);
  expect(o.stateMatched).toBe(true);
}

describe('hybrid login (desktop browser + phone) over OpenID Connect', () => {
  it('chooser → serial → QR → the card signs in the app → OTP → consent → the RP holds the citizen (ID Token and UserInfo)', async () => {
    const { c, name } = newBrowser();
    const chooser = await toIdp(c, await f.rp.beginLogin(name));
    expect(pageId(chooser.body)).toBe('scelta');
    expect(chooser.body).toContain(f.rp.options.serviceName);
    const { key, consent } = await hybridToConsent(c, f, chooser, emulatedCard());
    expect(pageId(consent.body)).toBe('consenso');
    for (const v of [
      citizen.givenName,
      citizen.surname,
      citizen.birthDate,
      `TINIT-${citizen.fiscalCode}`,
    ])
      expect(consent.body).toContain(v);
    const page = await decide(c, f, key, 'acconsento');
    expect(page.body).toContain('id="sp-logged-in"');
    expect(page.body).toContain(`id="attr-fiscalNumber">TINIT-${citizen.fiscalCode}<`);
    expectLogin(lastOutcome());
  });

  it('consent refused: the RP gets access_denied with "ErrorCode nr22" and the state it sent', async () => {
    const { c, name } = newBrowser();
    const { key } = await hybridToConsent(
      c,
      f,
      await toIdp(c, await f.rp.beginLogin(name)),
      emulatedCard(),
    );
    const page = await decide(c, f, key, 'nego');
    expect(page.body).toContain('id="sp-login-failed"');
    expect(page.body).toContain('id="sp-error-code">22<');
    expectCieError(lastOutcome(), 22);
  });

  it('cancelled on the IdP pages (Annulla on the chooser): access_denied "ErrorCode nr25"', async () => {
    const { c, name } = newBrowser();
    const chooser = await toIdp(c, await f.rp.beginLogin(name));
    await l3Post(c, f.idp, flowKeyOf(chooser), { scelta: 'annulla' }).then((p) => c.follow(p));
    expectCieError(lastOutcome(), 25);
  });

  it('revoked card: the app is refused (CERT_REVOKED) and the RP gets "ErrorCode nr23"', async () => {
    const { c, name } = newBrowser();
    crls = [crlRevoking([defaultCardImage()])];
    try {
      const chooser = await toIdp(c, await f.rp.beginLogin(name));
      const key = flowKeyOf(chooser);
      await l3Post(c, f.idp, key, { scelta: 'smartphone' });
      const qr = await l3Post(c, f.idp, key, {
        azione: 'seriale',
        seriale: emulatedCard().serial,
        scelta: 'prosegui',
      });
      const app = await appScan(c, f.idp, qrPayloadOf(qr), emulatedCard());
      expect(app.status).toBe(403);
      expect(app.json['codice']).toBe('CERT_REVOKED');
      await c.follow(c.get(`${f.idp.urls.base}/idp/login/livello3?value=${key}`));
      expectCieError(lastOutcome(), 23);
    } finally {
      crls = [];
    }
  });

  it('time budget over: the next page ends the login with "ErrorCode nr21"', async () => {
    const { c, name } = newBrowser();
    const chooser = await toIdp(c, await f.rp.beginLogin(name));
    const key = flowKeyOf(chooser);
    clock.t += f.idp.context.timers.loginBudgetMs + 1_000;
    try {
      await l3Post(c, f.idp, key, { scelta: 'smartphone' });
    } finally {
      clock.t = Date.now();
    }
    expectCieError(lastOutcome(), 21);
  });
});

/** Follows the redirects of a mobile browser's login up to the app hand-off URL. */
async function untilHandoff(c: HttpClient, url: URL): Promise<URL> {
  let r = await c.get(String(url));
  for (let i = 0; i < 6 && r.location && !r.location.includes('/idp/OpenApp'); i++)
    r = await c.get(r.location);
  if (!r.location?.includes('/idp/OpenApp'))
    throw new Error(`no hand-off: HTTP ${r.status} ${r.location ?? ''}`);
  return new URL(r.location);
}

describe('phone-only login over OpenID Connect (mobile browser → CieID app)', () => {
  it('the OP hands a mobile browser to the app; X509TLS13First → the card signs → X509MobileTLS13Second → consent → RP session', async () => {
    const { c, name } = newBrowser(ANDROID_UA);
    const handoff = await untilHandoff(c, await f.rp.beginLogin(name));
    expect(pageId((await c.get(handoff.toString())).body)).toBe('apri-app');
    expect(handoff.searchParams.get('OpText')).toBe(
      `${f.rp.options.serviceName} chiede di accedere ai servizi on-line`,
    );
    const key = handoff.searchParams.get('value') ?? '';
    const card = emulatedCard();
    const first = await c.postForm(`${f.idp.urls.base}/idp/Authn/X509TLS13First`, {
      cert: card.image.ias.certificates.holder,
      authnRequest: handoff.searchParams.get('authnRequestString') ?? '',
    });
    expect(first.status).toBe(200);
    const signed = await cardSign(card, first.body);
    const consent = await c.follow(
      c.get(
        `${f.idp.urls.base}/idp/Authn/X509MobileTLS13Second?challenge=${signed.signatureHex}&value=${key}`,
      ),
    );
    expect(pageId(consent.body)).toBe('consenso');
    const page = await decide(c, f, key, 'acconsento');
    expect(page.body).toContain('id="sp-logged-in"');
    expectLogin(lastOutcome());
  });
});

describe('desktop login over OpenID Connect (card reader, TLS client certificate)', () => {
  it('"Prosegui con computer" → the client-certificate listener → consent → RP session', async () => {
    const { c, name } = newBrowser();
    const chooser = await toIdp(c, await f.rp.beginLogin(name));
    const key = flowKeyOf(chooser);
    const page = await l3Post(c, f.idp, key, { scelta: 'computer' });
    expect(pageId(page.body)).toBe('computer');
    const link = /id="accedi" href="([^"]+)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&') ?? '';
    const withCard = c.withClientCert(softwareClientCertificate(defaultCardImage()));
    const consent = await withCard.follow(withCard.get(link));
    expect(pageId(consent.body)).toBe('consenso');
    const end = await decide(withCard, f, key, 'acconsento');
    expect(end.body).toContain('id="sp-logged-in"');
    expectLogin(lastOutcome());
  });
});
