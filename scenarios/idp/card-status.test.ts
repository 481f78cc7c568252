/**
 * Expired and revoked cards (CIE error 23): a CRL of the test PKI revoking the default card, and
 * the default card re-issued with a certificate that expired on 2025-01-31. Each level-3 variant
 * ends where the real IdP would: hybrid and TLS 1.3 — the app gets CERT_EXPIRED / CERT_REVOKED and
 * the browser a SAML 23 Response; desktop — SAML 23; Login2 — a TLS alert in the handshake
 * (certificate_revoked / certificate_expired), which the SDKs turn into CERTIFICATE_REVOKED /
 * CERTIFICATE_EXPIRED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import type { CardImage } from '../../emulator/src/state/card-image.ts';
import { startIdp, type RunningIdp } from './server.ts';
import { HttpClient, pageId } from './client/https-client.ts';
import { expectSamlError } from './testing/expect-outcome.ts';
import { cardSign, emulatedCard } from './testing/card-signer.ts';
import { appScan, beginLogin, flowKeyOf, l3Post, qrPayloadOf } from './testing/login-driver.ts';
import { authnRequestXml, redirectQuery, requestId, testSp } from './testing/test-sp.ts';
import {
  crlRevoking,
  expiredDefaultCard,
  softwareClientCertificate,
} from './testing/test-cards.ts';

const ANDROID_UA = 'Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36';
const sp = testSp();
let idp: RunningIdp;

beforeAll(async () => {
  const crl = crlRevoking([defaultCardImage()]);
  idp = await startIdp({ crls: () => [crl] });
  idp.registerSp(sp.metadata());
});
afterAll(async () => idp?.close());

interface Case {
  readonly name: string;
  readonly code: string;
  readonly alert: RegExp;
  /** Built on first use (the expired card needs the test PKI's keys). */
  readonly image: () => CardImage;
}

const CASES: readonly Case[] = [
  { name: 'revoked', image: defaultCardImage, code: 'CERT_REVOKED', alert: /certificate revoked/i },
  {
    name: 'expired',
    image: expiredDefaultCard,
    code: 'CERT_EXPIRED',
    alert: /certificate expired/i,
  },
];

describe('error 23: expired or revoked card', () => {
  it('the expired card differs from the default only by its certificate (and the SOD over it); the signature still verifies', async () => {
    const d = defaultCardImage();
    const expired = expiredDefaultCard();
    expect(expired.ias.certificates.holder).not.toBe(d.ias.certificates.holder);
    expect(expired.ias.keys).toEqual(d.ias.keys);
    expect(expired.citizen).toEqual(d.citizen);
    const s = await cardSign(emulatedCard(expired), 'x');
    expect(s.certificateHex).toBe(expired.ias.certificates.holder);
  });

  for (const k of CASES)
    it(`hybrid, ${k.name} card: the app gets ${k.code} (403), the browser a SAML 23 Response`, async () => {
      const c = new HttpClient(idp.tlsCaPem);
      const s = await beginLogin(c, idp, sp, { relayState: k.name });
      const key = flowKeyOf(s.page);
      await l3Post(c, idp, key, { scelta: 'smartphone' });
      const qr = await l3Post(c, idp, key, {
        azione: 'seriale',
        seriale: k.image().citizen.document.number,
      });
      const app = await appScan(c, idp, qrPayloadOf(qr), emulatedCard(k.image()));
      expect(app).toMatchObject({ status: 403, json: { esito: 'KO', codice: k.code } });
      const status = JSON.parse(
        (await c.get(`${idp.urls.base}/idp/login/livello3checkqrcode?value=${key}`)).body,
      );
      expect(status).toEqual({ status: 'KO', statusType: 'ERROR_23' });
      expectSamlError(await c.get(`${idp.urls.base}/idp/login/livello3?value=${key}`), idp, 23, {
        acs: sp.acsUrl,
        inResponseTo: s.requestId,
        relayState: k.name,
      });
    });

  for (const k of CASES)
    it(`TLS 1.3 variant, ${k.name} card: X509TLS13First answers ${k.code}, the browser then gets SAML 23`, async () => {
      const c = new HttpClient(idp.tlsCaPem, { userAgent: ANDROID_UA });
      const xml = authnRequestXml(sp, idp.urls, 'redirect');
      const a = await c.get(`${idp.urls.ssoRedirect}?${redirectQuery(sp, xml)}`);
      const handoff = new URL(a.location ?? '');
      const first = await c.postForm(`${idp.urls.base}/idp/Authn/X509TLS13First`, {
        cert: k.image().ias.certificates.holder,
        authnRequest: handoff.searchParams.get('authnRequestString') ?? '',
      });
      expect(first.status).toBe(403);
      expect(JSON.parse(first.body)).toMatchObject({ esito: 'KO', codice: k.code });
      const key = handoff.searchParams.get('value') ?? '';
      expectSamlError(
        await c.get(`${idp.urls.base}/idp/login/livello3mobile?value=${key}&login=1&codice=0`),
        idp,
        23,
        { acs: sp.acsUrl, inResponseTo: requestId(xml) ?? null },
      );
    });

  for (const k of CASES)
    it(`desktop, ${k.name} card: the client-certificate endpoint ends the login with SAML 23`, async () => {
      const c = new HttpClient(idp.tlsCaPem);
      const s = await beginLogin(c, idp, sp);
      const key = flowKeyOf(s.page);
      await l3Post(c, idp, key, { scelta: 'computer' });
      const browser = c.withClientCert(softwareClientCertificate(k.image()));
      expectSamlError(
        await browser.get(`${idp.urls.desktop}/idp/Authn/X509?value=${key}`),
        idp,
        23,
        { acs: sp.acsUrl, inResponseTo: s.requestId },
      );
    });

  for (const k of CASES)
    it(`Login2, ${k.name} card: the mutual-TLS handshake fails with the ${k.name === 'revoked' ? 'certificate_revoked' : 'certificate_expired'} alert`, async () => {
      const c = new HttpClient(idp.tlsCaPem, { userAgent: ANDROID_UA }).withClientCert(
        softwareClientCertificate(k.image()),
      );
      const err = await c
        .request(
          'POST',
          `${idp.urls.mtls}/idp/Authn/SSL/Login2`,
          'value=e1s1&authnRequest=x&generaCodice=1',
        )
        .then(
          () => 'no error',
          (e: Error) => e.message,
        );
      expect(err).toMatch(k.alert);
    });

  it('a valid card not on the CRL still logs in on the same IdP (the CRL is the reason, not the IdP)', async () => {
    const other = await startIdp();
    try {
      other.registerSp(sp.metadata());
      const c = new HttpClient(other.tlsCaPem);
      const s = await beginLogin(c, other, sp);
      const key = flowKeyOf(s.page);
      await l3Post(c, other, key, { scelta: 'smartphone' });
      const qr = await l3Post(c, other, key, {
        azione: 'seriale',
        seriale: defaultCardImage().citizen.document.number,
      });
      const app = await appScan(c, other, qrPayloadOf(qr), emulatedCard());
      expect(app.status).toBe(200);
      expect(
        pageId((await l3Post(c, other, key, { azione: 'otp', otp: String(app.json['otp']) })).body),
      ).toBe('consenso');
    } finally {
      await other.close();
    }
  });
});
