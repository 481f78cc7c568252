/**
 * The IdP's metadata and logout as the real IdP lays them out: signed metadata at
 * `/idp/shibboleth?Metadata` whose entityID is the HTTP-POST SSO URL, SingleSignOnService for both
 * bindings, SingleLogoutService; logout is a plain GET that clears the IdP session and shows
 * "Logout effettuato con successo", with no SAML LogoutResponse. Also: a lab's own CA given with
 * `trustCas` is trusted instead of the bench CA.
 */
import { getVerifiedXml } from '@node-saml/node-saml/lib/xml.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { startIdp, type RunningIdp } from './server.ts';
import { HttpClient, pageId } from './client/https-client.ts';
import { emulatedCard } from './testing/card-signer.ts';
import { appScan, beginLogin, flowKeyOf, l3Post, qrPayloadOf } from './testing/login-driver.ts';
import { testSp } from './testing/test-sp.ts';
import { attr, descendants, NS, parseXml } from './saml/xml.ts';

const sp = testSp();
let idp: RunningIdp;

beforeAll(async () => {
  idp = await startIdp();
  idp.registerSp(sp.metadata());
});
afterAll(async () => idp?.close());

describe('metadata and logout', () => {
  it('the signed metadata: entityID = POST SSO URL, both SSO bindings, SLO, transient, signing certificate', async () => {
    const r = await new HttpClient(idp.tlsCaPem).get(idp.urls.metadata);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/samlmetadata\+xml/);
    const doc = parseXml(r.body);
    const root = doc.documentElement;
    expect(attr(root, 'entityID')).toBe(`${idp.urls.base}/idp/profile/SAML2/POST/SSO`);
    expect(getVerifiedXml(r.body, root as never, [idp.signingCertificatePem])).toBeTruthy();
    const sso = descendants(root, NS.md, 'SingleSignOnService').map((e) => [
      attr(e, 'Binding'),
      attr(e, 'Location'),
    ]);
    expect(sso).toEqual([
      ['urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', idp.urls.ssoRedirect],
      ['urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', idp.urls.ssoPost],
    ]);
    expect(
      descendants(root, NS.md, 'SingleLogoutService').map((e) => attr(e, 'Location')),
    ).toContain(idp.urls.sloRedirect);
    expect(descendants(root, NS.md, 'NameIDFormat')[0]?.textContent).toBe(
      'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
    );
    expect(r.body).toBe(idp.metadata());
  });

  it('logout: a GET clears the IdP session (the login in progress is gone) and shows "Logout effettuato con successo", no LogoutResponse', async () => {
    const c = new HttpClient(idp.tlsCaPem);
    const s = await beginLogin(c, idp, sp);
    const key = flowKeyOf(s.page);
    const out = await c.get(`${idp.urls.sloRedirect}?SAMLRequest=ignored`);
    expect(out.status).toBe(200);
    expect(pageId(out.body)).toBe('logout');
    expect(out.body).toContain('Logout effettuato con successo');
    expect(out.body).not.toContain('SAMLResponse');
    const after = await c.get(`${idp.urls.base}/idp/login/livello3?value=${key}`);
    expect(after.status).toBe(400);
    expect(pageId(after.body)).toBe('sessione-non-valida');
  });

  it("a lab's own CA (trustCas) is trusted even when the bench CA is not", async () => {
    const lab = await startIdp({
      trustBenchCa: false,
      trustCas: [fromHex(defaultCardImage().ias.certificates.holderCa)],
    });
    try {
      lab.registerSp(sp.metadata());
      const c = new HttpClient(lab.tlsCaPem);
      const s = await beginLogin(c, lab, sp);
      const key = flowKeyOf(s.page);
      await l3Post(c, lab, key, { scelta: 'smartphone' });
      const qr = await l3Post(c, lab, key, {
        azione: 'seriale',
        seriale: defaultCardImage().citizen.document.number,
      });
      expect((await appScan(c, lab, qrPayloadOf(qr), emulatedCard())).status).toBe(200);
    } finally {
      await lab.close();
    }
  });
});
