/**
 * Every Response the IdP issues is parsed by `@node-saml/node-saml` acting as an independent, strict
 * SP (both signatures required, InResponseTo cache, audience and issuer checked), and every field of
 * the CIE profile of the Response (Regole tecniche CIE id, "Risposta di autenticazione SAML") is
 * checked on the signed XML: success after a real hybrid login (card signed by the reference IAS
 * terminal on an emulated card), and the error Responses.
 */
import { getVerifiedXml } from '@node-saml/node-saml/lib/xml.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { startIdp, type RunningIdp } from './server.ts';
import { HttpClient } from './client/https-client.ts';
import { emulatedCard } from './testing/card-signer.ts';
import {
  beginLogin,
  hybridToConsent,
  l3Post,
  postedResponse,
  type PostedResponse,
} from './testing/login-driver.ts';
import { nodeSamlSp, testSp } from './testing/test-sp.ts';
import { attr, children, descendants, NS, parseXml, textOf } from './saml/xml.ts';
import { ALG } from './saml/sign.ts';

let idp: RunningIdp;
const sp = testSp();

beforeAll(async () => {
  idp = await startIdp();
  expect(idp.registerSp(sp.metadata()).registered).toBe(true);
});
afterAll(async () => idp?.close());

function one(parent: Element | Document, ns: string, name: string): Element {
  const list = descendants(parent, ns, name);
  expect(list, `${name} count`).toHaveLength(1);
  return list[0] as Element;
}

function checkSignature(el: Element): void {
  const sig = children(el, NS.ds, 'Signature');
  expect(sig, `${el.localName} signed`).toHaveLength(1);
  expect(attr(one(sig[0] as Element, NS.ds, 'SignatureMethod'), 'Algorithm')).toBe(ALG.rsaSha256);
  expect(attr(one(sig[0] as Element, NS.ds, 'CanonicalizationMethod'), 'Algorithm')).toBe(
    ALG.excC14n,
  );
  expect(attr(one(sig[0] as Element, NS.ds, 'DigestMethod'), 'Algorithm')).toBe(ALG.sha256);
  expect(attr(one(sig[0] as Element, NS.ds, 'Reference'), 'URI')).toBe(`#${attr(el, 'ID')}`);
  // Issuer first, Signature right after it (schema order).
  expect(children(el, NS.saml, 'Issuer')[0]?.nextSibling).toBe(sig[0]);
}

async function successResponse(
  binding: 'redirect' | 'post',
): Promise<{ posted: PostedResponse; requestId: string }> {
  const c = new HttpClient(idp.tlsCaPem);
  const card = emulatedCard();
  const { started, key } = await hybridToConsent(c, idp, sp, card, `rs-${binding}`);
  void binding;
  const done = await l3Post(c, idp, key, { azione: 'consenso', scelta: 'acconsento' });
  const posted = postedResponse(done);
  expect(posted?.code).toBe(1);
  return { posted: posted as PostedResponse, requestId: started.requestId };
}

describe('Response of a successful level-3 login, as node-saml and the CIE rules see it', () => {
  it('node-saml accepts it (both signatures, InResponseTo, audience, issuer) and returns the four attributes', async () => {
    const { posted, requestId } = await successResponse('redirect');
    const saml = await nodeSamlSp(sp, idp, [requestId]);
    const { profile } = await saml.validatePostResponseAsync({
      SAMLResponse: posted.samlResponse,
      RelayState: posted.relayState ?? '',
    });
    const c = defaultCardImage().citizen;
    expect(profile?.issuer).toBe(idp.urls.entityId);
    expect(profile?.nameIDFormat).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:transient');
    expect(profile?.['fiscalNumber']).toBe(`TINIT-${c.fiscalCode}`);
    expect(profile?.['dateOfBirth']).toBe(c.birthDate);
    expect(profile?.['name']).toBe(c.givenName);
    expect(profile?.['familyName']).toBe(c.surname);
    expect(posted.relayState).toBe('rs-redirect');
    expect(posted.acs).toBe(sp.acsUrl);
    // Replaying the same Response is refused by the SP's InResponseTo cache.
    await expect(
      saml.validatePostResponseAsync({ SAMLResponse: posted.samlResponse }),
    ).rejects.toThrow();
  });

  it('every field of the CIE Response profile is present with the right value', async () => {
    const { posted, requestId } = await successResponse('redirect');
    const doc = parseXml(posted.xml);
    const r = doc.documentElement;
    expect(r.localName).toBe('Response');
    expect(attr(r, 'Destination')).toBe(sp.acsUrl);
    expect(attr(r, 'InResponseTo')).toBe(requestId);
    expect(attr(r, 'Version')).toBe('2.0');
    expect(attr(r, 'ID')).toMatch(/^_[0-9a-f]{32}$/);
    const issueInstant = Date.parse(attr(r, 'IssueInstant') ?? '');
    expect(Math.abs(issueInstant - Date.now())).toBeLessThan(120_000);
    const rIssuer = children(r, NS.saml, 'Issuer')[0] as Element;
    expect(textOf(rIssuer)).toBe(idp.urls.entityId);
    expect(rIssuer.hasAttribute('Format')).toBe(false);
    checkSignature(r);
    expect(attr(one(r, NS.samlp, 'StatusCode'), 'Value')).toBe(
      'urn:oasis:names:tc:SAML:2.0:status:Success',
    );
    const a = one(r, NS.saml, 'Assertion');
    checkSignature(a);
    expect(attr(children(a, NS.saml, 'Issuer')[0] as Element, 'Format')).toBe(
      'urn:oasis:names:tc:SAML:2.0:nameid-format:entity',
    );
    const nameId = one(a, NS.saml, 'NameID');
    expect(attr(nameId, 'Format')).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:transient');
    expect(attr(nameId, 'NameQualifier')).toBe(idp.urls.entityId);
    expect(textOf(nameId)).toMatch(/^_[0-9a-f]{32}$/);
    expect(attr(one(a, NS.saml, 'SubjectConfirmation'), 'Method')).toBe(
      'urn:oasis:names:tc:SAML:2.0:cm:bearer',
    );
    const scd = one(a, NS.saml, 'SubjectConfirmationData');
    expect(attr(scd, 'InResponseTo')).toBe(requestId);
    expect(attr(scd, 'Recipient')).toBe(sp.acsUrl);
    const cond = one(a, NS.saml, 'Conditions');
    const nb = Date.parse(attr(cond, 'NotBefore') ?? '');
    expect(Date.parse(attr(cond, 'NotOnOrAfter') ?? '') - nb).toBe(5 * 60_000);
    expect(Date.parse(attr(scd, 'NotOnOrAfter') ?? '')).toBe(
      Date.parse(attr(cond, 'NotOnOrAfter') ?? ''),
    );
    expect(textOf(one(cond, NS.saml, 'Audience'))).toBe(sp.entityId);
    const stmt = one(a, NS.saml, 'AuthnStatement');
    expect(attr(stmt, 'SessionIndex')).toBeTruthy();
    expect(Date.parse(attr(stmt, 'AuthnInstant') ?? '')).toBeLessThanOrEqual(issueInstant);
    expect(textOf(one(stmt, NS.saml, 'AuthnContextClassRef'))).toBe(
      'https://www.spid.gov.it/SpidL3',
    );
    const c = defaultCardImage().citizen;
    const attrs = descendants(a, NS.saml, 'Attribute').map((e) => ({
      name: attr(e, 'Name'),
      friendly: attr(e, 'FriendlyName'),
      format: attr(e, 'NameFormat'),
      type: attr(one(e, NS.saml, 'AttributeValue'), 'xsi:type'),
      value: textOf(one(e, NS.saml, 'AttributeValue')),
    }));
    const basic = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic';
    expect(attrs).toEqual([
      {
        name: 'dateOfBirth',
        friendly: 'Data di Nascita',
        format: basic,
        type: 'xs:string',
        value: c.birthDate,
      },
      {
        name: 'fiscalNumber',
        friendly: 'Codice Fiscale',
        format: basic,
        type: 'xs:string',
        value: `TINIT-${c.fiscalCode}`,
      },
      { name: 'name', friendly: 'Nome', format: basic, type: 'xs:string', value: c.givenName },
      {
        name: 'familyName',
        friendly: 'Cognome',
        format: basic,
        type: 'xs:string',
        value: c.surname,
      },
    ]);
    expect(c.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('node-saml refuses the Response when a signed attribute is altered (the signatures really cover it)', async () => {
    const { posted, requestId } = await successResponse('redirect');
    const c = defaultCardImage().citizen;
    const forged = posted.xml.replace(`TINIT-${c.fiscalCode}`, 'TINIT-RSSMRA80A01H501U');
    expect(forged).not.toBe(posted.xml);
    const saml = await nodeSamlSp(sp, idp, [requestId]);
    await expect(
      saml.validatePostResponseAsync({ SAMLResponse: Buffer.from(forged).toString('base64') }),
    ).rejects.toThrow(/signature/i);
  });
});

describe('error Responses, as node-saml and the CIE rules see them', () => {
  async function errorResponseFor(
    action: Record<string, string> | 'cancel-at-chooser',
  ): Promise<{ posted: PostedResponse; requestId: string }> {
    const c = new HttpClient(idp.tlsCaPem);
    if (action === 'cancel-at-chooser') {
      const s = await beginLogin(c, idp, sp, { relayState: 'x' });
      const key = /name="value" value="([^"]+)"/.exec(s.page.body)?.[1] ?? '';
      const p = postedResponse(await l3Post(c, idp, key, { scelta: 'annulla' }));
      return { posted: p as PostedResponse, requestId: s.requestId };
    }
    const { started, key } = await hybridToConsent(c, idp, sp, emulatedCard());
    const p = postedResponse(await l3Post(c, idp, key, action));
    return { posted: p as PostedResponse, requestId: started.requestId };
  }

  for (const [code, how] of [
    [22, { azione: 'consenso', scelta: 'nego' }],
    [25, 'cancel-at-chooser'],
  ] as const) {
    it(`code ${code}: signed, Responder/AuthnFailed "ErrorCode nr${code}", no Assertion; node-saml reports the status`, async () => {
      const { posted, requestId } = await errorResponseFor(how);
      expect(posted.code).toBe(code);
      const doc = parseXml(posted.xml);
      const r = doc.documentElement;
      // The signature verifies under node-saml's own rule set (one signature, one reference to the root).
      expect(getVerifiedXml(posted.xml, r as never, [idp.signingCertificatePem])).toBeTruthy();
      expect(attr(r, 'InResponseTo')).toBe(requestId);
      expect(attr(r, 'Destination')).toBe(sp.acsUrl);
      expect(children(r, NS.saml, 'Issuer')[0]?.hasAttribute('Format')).toBe(false);
      expect(descendants(r, NS.saml, 'Assertion')).toHaveLength(0);
      const codes = descendants(r, NS.samlp, 'StatusCode').map((e) => attr(e, 'Value'));
      expect(codes).toEqual([
        'urn:oasis:names:tc:SAML:2.0:status:Responder',
        'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
      ]);
      expect(textOf(one(r, NS.samlp, 'StatusMessage'))).toBe(`ErrorCode nr${code}`);
      const saml = await nodeSamlSp(sp, idp, [requestId]);
      await expect(
        saml.validatePostResponseAsync({ SAMLResponse: posted.samlResponse }),
      ).rejects.toThrow(`SAML provider returned Responder error: ErrorCode nr${code}`);
    });
  }
});
