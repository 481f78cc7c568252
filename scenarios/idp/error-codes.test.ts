/**
 * One crafted request per row of the CIE error-code table (Regole tecniche CIE id, "Codici di
 * errore", tables 9.2–9.7): each checks what the real IdP answers — the HTTP status and message of
 * the courtesy page (codes 3–7, 10) or the signed SAML error Response with its top-level and
 * second-level status codes and "ErrorCode nrNN" (codes 8–18). The user codes 21–25 are in
 * user-codes.test.ts; signature wrapping in xsw.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdp, type RunningIdp } from './server.ts';
import { HttpClient, pageId } from './client/https-client.ts';
import { expectPage, expectSamlError } from './testing/expect-outcome.ts';
import { beginLogin } from './testing/login-driver.ts';
import {
  authnRequestXml,
  postRequest,
  redirectQuery,
  requestId,
  testSp,
  type AuthnRequestSpec,
} from './testing/test-sp.ts';
import { ALG, signRootElement } from './saml/sign.ts';

let idp: RunningIdp;
const sp = testSp();
const other = testSp({ seed: 'another-sp-key', entityId: 'https://other.example/cie' });

beforeAll(async () => {
  idp = await startIdp();
  expect(
    idp.registerSp(
      sp.metadata({
        extraAcs: [
          {
            index: 1,
            binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
            location: 'https://sp.comune.prova.example/cie/acs-redirect',
          },
        ],
      }),
    ).registered,
  ).toBe(true);
});
afterAll(async () => idp?.close());

const client = (): HttpClient => new HttpClient(idp.tlsCaPem);

async function redirect(xml: string, o: Parameters<typeof redirectQuery>[2] = {}) {
  return client().get(`${idp.urls.ssoRedirect}?${redirectQuery(sp, xml, o)}`);
}

async function post(xml: string, sign = true, relayState?: string) {
  return client().postForm(idp.urls.ssoPost, {
    SAMLRequest: postRequest(sp, xml, sign),
    ...(relayState ? { RelayState: relayState } : {}),
  });
}

describe('binding anomalies: courtesy pages (table 9.3) and signature failures (9.4 code 7, 9.5 code 10)', () => {
  it('4 (Redirect): a signed query without its Signature parameter → 403 "Formato richiesta non corretto"', async () => {
    const q = redirectQuery(sp, authnRequestXml(sp, idp.urls, 'redirect'));
    expectPage(
      await client().get(`${idp.urls.ssoRedirect}?${q.replace(/&Signature=[^&]*/, '')}`),
      4,
    );
  });
  it('4 (Redirect): SAMLRequest that is not DEFLATE data → 403', async () => {
    expectPage(
      await client().get(
        `${idp.urls.ssoRedirect}?SAMLRequest=AAAA&SigAlg=${encodeURIComponent(ALG.rsaSha256)}&Signature=AAAA`,
      ),
      4,
    );
  });
  it('4 (Redirect): a repeated query parameter → 403', async () => {
    const q = redirectQuery(sp, authnRequestXml(sp, idp.urls, 'redirect'), { relayState: 'a' });
    expectPage(await client().get(`${idp.urls.ssoRedirect}?${q}&RelayState=b`), 4);
  });
  it('4 (POST): no SAMLRequest field → 403', async () => {
    expectPage(await client().postForm(idp.urls.ssoPost, { RelayState: 'x' }), 4);
  });
  it('4 (POST): an XML document with a DOCTYPE (entity expansion) → 403, never parsed', async () => {
    const xml = `<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]>${authnRequestXml(sp, idp.urls, 'post')}`;
    expectPage(await post(xml, false), 4);
  });
  it('5: Redirect signature with SigAlg rsa-sha1 → 403 "Impossibile stabilire l\'autenticità…"', async () => {
    expectPage(
      await redirect(authnRequestXml(sp, idp.urls, 'redirect'), {
        sigAlg: ALG.rsaSha1,
        hash: 'RSA-SHA1',
      }),
      5,
    );
  });
  it('5: Redirect signature made by a key that is not in the SP metadata → 403', async () => {
    const xml = authnRequestXml(sp, idp.urls, 'redirect');
    expectPage(await client().get(`${idp.urls.ssoRedirect}?${redirectQuery(other, xml)}`), 5);
  });
  it('5: the same query re-encoded (lower-case percent escapes) no longer verifies: the signature covers the raw octets', async () => {
    const xml = authnRequestXml(sp, idp.urls, 'redirect');
    const q = redirectQuery(sp, xml, { relayState: 'https://sp.example/pagina?a=1&b=2' });
    // Re-encode the percent escapes in lower case, as another URL encoder may; the values decode identically.
    const reencoded = q.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
    expect(reencoded).not.toBe(q);
    expect(decodeURIComponent(reencoded)).toBe(decodeURIComponent(q));
    expectPage(await client().get(`${idp.urls.ssoRedirect}?${reencoded}`), 5);
    // The query as signed is accepted.
    const ok = await client().get(`${idp.urls.ssoRedirect}?${q}`);
    expect(ok.status).toBe(302);
  });
  it('5: a changed RelayState after signing → 403', async () => {
    const q = redirectQuery(sp, authnRequestXml(sp, idp.urls, 'redirect'), { relayState: 'one' });
    expectPage(
      await client().get(
        `${idp.urls.ssoRedirect}?${q.replace('RelayState=one', 'RelayState=two')}`,
      ),
      5,
    );
  });
  it('6: HTTP-Redirect request on the POST endpoint → 403 "Formato richiesta non ricevibile"', async () => {
    const q = redirectQuery(sp, authnRequestXml(sp, idp.urls, 'redirect'));
    expectPage(await client().get(`${idp.urls.ssoPost}?${q}`), 6);
  });
  it('6: HTTP-POST request on the Redirect endpoint → 403', async () => {
    expectPage(
      await client().postForm(idp.urls.ssoRedirect, {
        SAMLRequest: postRequest(sp, authnRequestXml(sp, idp.urls, 'post')),
      }),
      6,
    );
  });
  it('7: an unsigned POST request → 403', async () => {
    expectPage(await post(authnRequestXml(sp, idp.urls, 'post'), false), 7);
  });
  it('7: a POST request signed by a key that is not in the SP metadata → 403', async () => {
    const xml = signRootElement(authnRequestXml(sp, idp.urls, 'post'), other.key);
    expectPage(
      await client().postForm(idp.urls.ssoPost, {
        SAMLRequest: Buffer.from(xml).toString('base64'),
      }),
      7,
    );
  });
  it('7: a signed POST request changed after signing → 403', async () => {
    const signed = signRootElement(authnRequestXml(sp, idp.urls, 'post'), sp.key).replace(
      'ForceAuthn="true"',
      'ForceAuthn="false"',
    );
    expectPage(
      await client().postForm(idp.urls.ssoPost, {
        SAMLRequest: Buffer.from(signed).toString('base64'),
      }),
      7,
    );
  });
  it('10: no Issuer → 403; unknown Issuer → 403; Issuer Format other than entity → 403', async () => {
    expectPage(await redirect(authnRequestXml(sp, idp.urls, 'redirect', { issuer: null })), 10);
    expectPage(
      await redirect(
        authnRequestXml(sp, idp.urls, 'redirect', { issuer: 'https://unknown.example/sp' }),
      ),
      10,
    );
    expectPage(
      await redirect(
        authnRequestXml(sp, idp.urls, 'redirect', {
          issuerFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
        }),
      ),
      10,
    );
  });
});

/** Sends the request over `binding` and checks the SAML error Response of `code`. */
async function expectCode(
  code: number,
  spec: AuthnRequestSpec,
  binding: 'redirect' | 'post' = 'redirect',
  inResponseTo?: string | null,
) {
  const xml = authnRequestXml(sp, idp.urls, binding, spec);
  const a =
    binding === 'redirect'
      ? await redirect(xml, { relayState: 'rs' })
      : await post(xml, true, 'rs');
  const irt = inResponseTo === undefined ? requestId(xml) : inResponseTo;
  return expectSamlError(a, idp, code, {
    acs: sp.acsUrl,
    ...(irt === undefined ? {} : { inResponseTo: irt }),
    relayState: 'rs',
  });
}

describe('request anomalies: signed SAML error Responses to the ACS (tables 9.4–9.7)', () => {
  it('8: a signed message that is not an AuthnRequest (LogoutRequest) → Requester, nr08', async () => {
    await expectCode(8, { rootName: 'LogoutRequest' }, 'post');
  });
  it('8: Scoping present → Requester, nr08', async () => {
    await expectCode(8, { extraXml: '<samlp:Scoping ProxyCount="1"/>' });
  });
  it('9: Version 1.1 → VersionMismatch, nr09; Version missing → nr09', async () => {
    await expectCode(9, { version: '1.1' });
    await expectCode(9, { version: null }, 'post');
  });
  it('11: ID missing → Requester, nr11 without InResponseTo; ID not an xs:ID → nr11', async () => {
    await expectCode(11, { id: null }, 'redirect', null);
    await expectCode(11, { id: '123-starts-with-a-digit' }, 'post', null);
  });
  it('12: RequestedAuthnContext missing, SpidL2 with exact, Comparison maximum, two ClassRefs, unknown level → Requester/NoAuthnContext, nr12, after the page "Tipologia di autenticazione non supportata"', async () => {
    const p = await expectCode(12, { authnContext: false });
    expect((await Promise.resolve(p)).xml).toContain('NoAuthnContext');
    await expectCode(12, { classRefs: ['https://www.spid.gov.it/SpidL2'], comparison: 'exact' });
    await expectCode(12, { comparison: 'maximum' });
    await expectCode(12, {
      classRefs: ['https://www.spid.gov.it/SpidL3', 'https://www.spid.gov.it/SpidL2'],
    });
    await expectCode(12, { classRefs: ['https://www.spid.gov.it/SpidL4'] }, 'post');
    const a = await redirect(authnRequestXml(sp, idp.urls, 'redirect', { authnContext: false }));
    expect(a.body).toContain('Tipologia di autenticazione non supportata');
  });
  it('13: IssueInstant ten minutes old, in the future, malformed or missing → Requester/RequestDenied, nr13', async () => {
    const t = Date.now();
    await expectCode(13, { issueInstant: new Date(t - 600_000).toISOString() });
    await expectCode(13, { issueInstant: new Date(t + 600_000).toISOString() }, 'post');
    await expectCode(13, { issueInstant: '29/10/2020 12:51' });
    await expectCode(13, { issueInstant: null });
  });
  it("14: Destination = the entityID (the SPID rule), the other binding's URL, or missing → Requester/RequestUnsupported, nr14", async () => {
    await expectCode(14, { destination: idp.urls.entityId });
    await expectCode(14, { destination: idp.urls.ssoRedirect }, 'post');
    await expectCode(14, { destination: null });
  });
  it('15: IsPassive="true" → Requester/NoPassive, nr15 (IsPassive="false" is accepted)', async () => {
    await expectCode(15, { isPassive: 'true' });
    expect(
      (await redirect(authnRequestXml(sp, idp.urls, 'redirect', { isPassive: 'false' }))).status,
    ).toBe(302);
  });
  it('16: ACS URL not in the metadata, ProtocolBinding Redirect, unknown index, a Redirect ACS by index, URL and index together → Requester/RequestUnsupported, nr16 (sent to the default ACS)', async () => {
    await expectCode(16, { acsUrl: 'https://evil.example/acs' });
    await expectCode(16, { protocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect' });
    await expectCode(16, { acsUrl: null, protocolBinding: null, acsIndex: '7' });
    await expectCode(16, { acsUrl: null, protocolBinding: null, acsIndex: '1' });
    await expectCode(
      16,
      {
        acsIndex: '0',
        acsUrl: sp.acsUrl,
        protocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
      },
      'post',
    );
  });
  it('17: NameIDPolicy with AllowCreate, another Format, or missing → Requester/RequestUnsupported, nr17', async () => {
    await expectCode(17, { allowCreate: 'true' });
    await expectCode(17, { nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified' });
    await expectCode(17, { nameIdPolicy: false }, 'post');
  });
  it('18: AttributeConsumingServiceIndex not in the metadata, malformed or missing → Requester/RequestUnsupported, nr18', async () => {
    await expectCode(18, { attributeIndex: '5' });
    await expectCode(18, { attributeIndex: 'zero' });
    await expectCode(18, { attributeIndex: null }, 'post');
  });
  it('the allowed RequestedAuthnContext combinations are accepted: SpidL3 exact and minimum, SpidL2 and SpidL1 minimum; ACS by index', async () => {
    for (const spec of [
      { comparison: 'exact' },
      { comparison: null },
      { comparison: 'minimum' },
      { classRefs: ['https://www.spid.gov.it/SpidL2'], comparison: 'minimum' },
      { classRefs: ['https://www.spid.gov.it/SpidL1'], comparison: 'minimum' },
      { acsUrl: null, protocolBinding: null, acsIndex: '0' },
    ] as const) {
      const a = await redirect(authnRequestXml(sp, idp.urls, 'redirect', spec));
      expect(a.status, JSON.stringify(spec)).toBe(302);
      expect(a.location).toContain('/idp/login/livello3?value=e');
    }
  });
  it('a replayed AuthnRequest (same ID, same SP) gets a 403 page; the first one was accepted', async () => {
    const xml = authnRequestXml(sp, idp.urls, 'post');
    expect((await post(xml)).status).toBe(302);
    const again = await post(xml);
    expect(again.status).toBe(403);
    expect(pageId(again.body)).toBe('errore-replay');
  });
});

describe('error injection for SP rehearsals', () => {
  it('the next request from an SP ends with the injected code (21), then logins are normal again', async () => {
    idp.inject({ code: 21, sp: sp.entityId });
    await expectCode(21, {});
    expect((await redirect(authnRequestXml(sp, idp.urls, 'redirect'))).status).toBe(302);
  });
  it('page codes are injectable too (3 → 500 "Sistema di autenticazione non disponibile")', async () => {
    idp.inject({ code: 3 });
    expectPage(await redirect(authnRequestXml(sp, idp.urls, 'redirect')), 3);
  });
  it('code 1 sends a signed success Response for the default citizen without a card', async () => {
    idp.inject({ code: 1, sp: sp.entityId });
    const c = client();
    const s = await beginLogin(c, idp, sp, { relayState: 'r' });
    expect(s.page.body).toContain('SAMLResponse');
    expect(s.page.body).toContain('data-code="1"');
  });
});
