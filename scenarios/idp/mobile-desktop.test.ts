/**
 * The phone-only flow (L3-PROTOCOL.md §5: app hand-off URL, TLS 1.3 challenge variant with the card
 * signing on an emulated CIE, legacy Login2 over mutual TLS 1.2) and the desktop client-certificate
 * endpoint (TLS 1.2), each ending in a Response node-saml accepts.
 *
 * The TLS client-certificate tests present the TEST card image's certificate with its private key
 * read from the image (testing/test-cards.ts explains why); the hybrid and TLS 1.3 tests sign on
 * the emulated card.
 */
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { startIdp, type RunningIdp } from './server.ts';
import { HttpClient, pageId } from './client/https-client.ts';
import { cardSign, emulatedCard } from './testing/card-signer.ts';
import { beginLogin, flowKeyOf, l3Post, postedResponse } from './testing/login-driver.ts';
import {
  authnRequestXml,
  nodeSamlSp,
  redirectQuery,
  requestId,
  testSp,
} from './testing/test-sp.ts';
import { softwareClientCertificate } from './testing/test-cards.ts';

const ANDROID_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36';
const sp = testSp();
let idp: RunningIdp;

beforeAll(async () => {
  idp = await startIdp();
  idp.registerSp(sp.metadata());
});
afterAll(async () => idp?.close());

let lastLocation = '';

async function startMobile(
  c: HttpClient,
  i: RunningIdp = idp,
): Promise<{ requestId: string; handoff: URL }> {
  const xml = authnRequestXml(sp, i.urls, 'redirect', {}, i.context.clock.now());
  const a = await c.get(`${i.urls.ssoRedirect}?${redirectQuery(sp, xml, { relayState: 'm' })}`);
  expect(a.status).toBe(302);
  lastLocation = a.location ?? '';
  return { requestId: requestId(xml) ?? '', handoff: new URL(lastLocation) };
}

async function consentToResponse(
  c: HttpClient,
  i: RunningIdp,
  key: string,
  requestId: string,
): Promise<void> {
  const done = postedResponse(
    await l3Post(c, i, key, { azione: 'consenso', scelta: 'acconsento' }),
  );
  expect(done?.code).toBe(1);
  const saml = await nodeSamlSp(sp, i, [requestId]);
  const { profile } = await saml.validatePostResponseAsync({
    SAMLResponse: done?.samlResponse ?? '',
  });
  expect(profile?.['fiscalNumber']).toBe(`TINIT-${defaultCardImage().citizen.fiscalCode}`);
}

describe('phone-only flow: hand-off and TLS 1.3 challenge variant', () => {
  it('a mobile user agent is sent to the OpenApp hand-off URL with name, value, authnRequestString, nextUrl, OpText, imgUrl', async () => {
    const c = new HttpClient(idp.tlsCaPem, { userAgent: ANDROID_UA });
    const { handoff } = await startMobile(c);
    expect(handoff.pathname).toBe('/idp/OpenApp');
    const q = handoff.searchParams;
    expect([...q.keys()]).toEqual([
      'name',
      'value',
      'authnRequestString',
      'nextUrl',
      'OpText',
      'imgUrl',
    ]);
    expect(q.get('name')).toBe('value');
    expect(q.get('value')).toMatch(/^e\d+s1$/);
    expect(q.get('authnRequestString')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('nextUrl')).toBe(`${idp.urls.base}/idp/login/livello3mobile`);
    expect(q.get('OpText')).toBe('Comune di Prova (TEST) chiede di accedere ai servizi on-line');
    expect(pageId((await c.get(handoff.toString())).body)).toBe('apri-app');
  });

  it('X509TLS13First (cert + authnRequest) → challenge; the card signs it; X509MobileTLS13Second → consent → Response', async () => {
    const c = new HttpClient(idp.tlsCaPem, { userAgent: ANDROID_UA });
    const { requestId, handoff } = await startMobile(c);
    const card = emulatedCard();
    const first = await c.postForm(`${idp.urls.base}/idp/Authn/X509TLS13First`, {
      cert: card.image.ias.certificates.holder,
      authnRequest: handoff.searchParams.get('authnRequestString') ?? '',
    });
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^text\/plain/);
    expect(first.body).toMatch(/^[0-9a-f]{64}$/);
    const signed = await cardSign(card, first.body);
    const key = handoff.searchParams.get('value') ?? '';
    const second = await c.follow(
      c.get(
        `${idp.urls.base}/idp/Authn/X509MobileTLS13Second?challenge=${signed.signatureHex}&value=${key}`,
      ),
    );
    expect(pageId(second.body)).toBe('consenso');
    await consentToResponse(c, idp, key, requestId);
  });

  it('a wrong signature on the second step is refused with a page and the login can still finish', async () => {
    const c = new HttpClient(idp.tlsCaPem, { userAgent: ANDROID_UA });
    const { handoff } = await startMobile(c);
    const card = emulatedCard();
    const first = await c.postForm(`${idp.urls.base}/idp/Authn/X509TLS13First`, {
      cert: card.image.ias.certificates.holder,
      authnRequest: handoff.searchParams.get('authnRequestString') ?? '',
    });
    const key = handoff.searchParams.get('value') ?? '';
    const wrong = await cardSign(card, `${first.body}x`);
    const refused = await c.get(
      `${idp.urls.base}/idp/Authn/X509MobileTLS13Second?challenge=${wrong.signatureHex}&value=${key}`,
    );
    expect(refused.status).toBe(403);
    const right = await cardSign(card, first.body);
    const ok = await c.follow(
      c.get(
        `${idp.urls.base}/idp/Authn/X509MobileTLS13Second?challenge=${right.signatureHex}&value=${key}`,
      ),
    );
    expect(pageId(ok.body)).toBe('consenso');
  });

  it('unknown authnRequest → 404 NOT_FOUND; malformed cert → 400 BAD_REQUEST; the option --handoff livello3 gives the livello3?opId form', async () => {
    const c = new HttpClient(idp.tlsCaPem);
    const nf = await c.postForm(`${idp.urls.base}/idp/Authn/X509TLS13First`, {
      cert: emulatedCard().image.ias.certificates.holder,
      authnRequest: 'A'.repeat(43),
    });
    expect(nf.status).toBe(404);
    expect(JSON.parse(nf.body)).toMatchObject({ esito: 'KO', codice: 'NOT_FOUND' });
    const bad = await c.postForm(`${idp.urls.base}/idp/Authn/X509TLS13First`, {
      cert: 'nothex',
      authnRequest: 'A'.repeat(43),
    });
    expect(bad.status).toBe(400);
    const other = await startIdp({ behaviour: { handoff: 'livello3' } });
    try {
      other.registerSp(sp.metadata());
      const { handoff } = await startMobile(
        new HttpClient(other.tlsCaPem, { userAgent: ANDROID_UA }),
        other,
      );
      expect(handoff.pathname).toBe('/idp/login/livello3');
      expect(handoff.searchParams.get('opId')).toMatch(/^_[0-9a-f]{32}$/);
      expect(handoff.toString()).toContain('idp/login/livello3?opId');
    } finally {
      await other.close();
    }
  });
});

describe('Login2 over mutual TLS 1.2', () => {
  it('POST Login2 with the card certificate → "codice:<16 digits>"; nextUrl?value=…&login=1&codice=… → consent → Response', async () => {
    const c = new HttpClient(idp.tlsCaPem, { userAgent: ANDROID_UA });
    const { requestId, handoff } = await startMobile(c);
    const q = handoff.searchParams;
    const app = c.withClientCert(softwareClientCertificate(defaultCardImage()));
    const r = await app.request(
      'POST',
      `${idp.urls.mtls}/idp/Authn/SSL/Login2`,
      `${q.get('name')}=${q.get('value')}&authnRequest=${q.get('authnRequestString')}&generaCodice=1`,
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/^codice:\d{16}$/);
    const codice = r.body.split(':')[1];
    const cont = await c.follow(
      c.get(`${q.get('nextUrl')}?${q.get('name')}=${q.get('value')}&login=1&codice=${codice}`),
    );
    expect(pageId(cont.body)).toBe('consenso');
    await consentToResponse(c, idp, q.get('value') ?? '', requestId);
  });

  it('the mutual-TLS listener speaks TLS 1.2 only and requires a client certificate', async () => {
    const noCert = await new Promise<string>((resolve) => {
      const s = connect(
        { host: '127.0.0.1', port: idp.ports.mtls, ca: idp.tlsCaPem, servername: 'localhost' },
        () => {
          resolve(`connected ${s.getProtocol()}`);
          s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        },
      );
      s.on('data', () => resolve('data'));
      s.on('error', (e) => resolve(`error ${e.message}`));
      s.on('close', () => resolve('closed'));
    });
    // TLS 1.2: the server's refusal of a missing certificate arrives as an alert or a closed connection.
    expect(noCert).not.toBe('data');
    const tls13 = await new Promise<string>((resolve) => {
      const s = connect({
        host: '127.0.0.1',
        port: idp.ports.mtls,
        ca: idp.tlsCaPem,
        servername: 'localhost',
        minVersion: 'TLSv1.3',
        ...softwareClientCertificate(defaultCardImage()),
      });
      s.on('secureConnect', () => resolve('connected'));
      s.on('error', (e) => resolve(e.message));
    });
    expect(tls13).toMatch(/protocol version|alert/i);
  });
});

describe('desktop flow: TLS 1.2 client-certificate endpoint', () => {
  it('"Prosegui con computer" → the reader page links to the client-auth listener → consent → Response', async () => {
    const c = new HttpClient(idp.tlsCaPem);
    const s = await beginLogin(c, idp, sp);
    const key = flowKeyOf(s.page);
    const page = await l3Post(c, idp, key, { scelta: 'computer' });
    expect(pageId(page.body)).toBe('computer');
    const link = /id="accedi" href="([^"]+)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&') ?? '';
    expect(link).toBe(`${idp.urls.desktop}/idp/Authn/X509?value=${key}`);
    const withoutCert = await c.get(link);
    expect(withoutCert.status).toBe(403);
    const browser = c.withClientCert(softwareClientCertificate(defaultCardImage()));
    const consent = await browser.follow(browser.get(link));
    expect(pageId(consent.body)).toBe('consenso');
    await consentToResponse(browser, idp, key, s.requestId);
  });
});
