/**
 * The reference SP's AuthnRequest over both bindings, read back as the IdP would: the fields the
 * CIE rules fix (Destination per binding, ForceAuthn, no IsPassive, NameIDPolicy transient without
 * AllowCreate, one RequestedAuthnContext, ACS by URL or index, AttributeConsumingServiceIndex,
 * Issuer) and the signatures — HTTP-Redirect over the raw query octets (SAML Bindings §3.4.4.1),
 * HTTP-POST enveloped right after the Issuer, each verified with the certificate in the SP's
 * metadata.
 */
import { createVerify, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import { parseXml, NS, attr, child, children, text } from './xml.ts';
import { startServiceProvider, type ServiceProvider } from './service-provider.ts';
import { standInIdp, STAND_IN_IDP_BASE } from './stand-in/stand-in-idp.ts';
import { startPostLogin, startRedirectLogin } from './testing/sp-client.ts';

const idp = standInIdp();
let sp: ServiceProvider;

beforeAll(async () => {
  sp = await startServiceProvider({ protocol: 'http' }, { idpMetadataXml: idp.metadataXml });
});
afterAll(async () => sp?.close());

function metadataCertPem(): string {
  const root = parseXml(sp.metadataXml, 'metadata').documentElement!;
  const kd = children(child(root, NS.md, 'SPSSODescriptor')!, NS.md, 'KeyDescriptor')[0]!;
  const b64 = text(
    child(child(child(kd, NS.ds, 'KeyInfo')!, NS.ds, 'X509Data')!, NS.ds, 'X509Certificate'),
  );
  return new X509Certificate(Buffer.from(b64 ?? '', 'base64')).toString();
}

function checkCieFields(xml: string, destination: string): void {
  const r = parseXml(xml, 'AuthnRequest').documentElement!;
  expect(r.localName).toBe('AuthnRequest');
  expect(attr(r, 'Version')).toBe('2.0');
  expect(attr(r, 'ID')).toMatch(/^_[0-9a-f]{40}$/);
  expect(attr(r, 'IssueInstant')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect(attr(r, 'Destination')).toBe(destination);
  expect(attr(r, 'ForceAuthn')).toBe('true');
  expect(attr(r, 'IsPassive')).toBeUndefined();
  expect(attr(r, 'AssertionConsumerServiceURL')).toBe(sp.urls.acs);
  expect(attr(r, 'ProtocolBinding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
  expect(attr(r, 'AttributeConsumingServiceIndex')).toBe('0');
  const issuer = child(r, NS.saml, 'Issuer')!;
  expect(text(issuer)).toBe(sp.urls.entityId);
  expect(attr(issuer, 'NameQualifier')).toBe(sp.urls.entityId);
  expect(attr(issuer, 'Format')).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:entity');
  const policy = child(r, NS.samlp, 'NameIDPolicy')!;
  expect(attr(policy, 'Format')).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:transient');
  expect(attr(policy, 'AllowCreate')).toBeUndefined();
  const rac = children(r, NS.samlp, 'RequestedAuthnContext');
  expect(rac).toHaveLength(1);
  expect(attr(rac[0]!, 'Comparison')).toBe('exact');
  expect(children(rac[0]!, NS.saml, 'AuthnContextClassRef').map((e) => text(e))).toEqual([
    'https://www.spid.gov.it/SpidL3',
  ]);
  expect(children(r, NS.samlp, 'Scoping')).toHaveLength(0);
}

describe('AuthnRequest over HTTP-Redirect', () => {
  it('carries the CIE fields, no XML signature, and a query signature over the raw octets', async () => {
    const login = await startRedirectLogin(sp);
    expect(`${login.location.origin}${login.location.pathname}`).toBe(
      `${STAND_IN_IDP_BASE}/idp/profile/SAML2/Redirect/SSO`,
    );
    checkCieFields(login.requestXml, `${STAND_IN_IDP_BASE}/idp/profile/SAML2/Redirect/SSO`);
    expect(login.requestXml).not.toContain('Signature');
    // SAMLRequest, RelayState, SigAlg, Signature — in this order, as the binding requires.
    const parts = login.rawQuery.split('&');
    expect(parts.map((p) => p.split('=')[0])).toEqual([
      'SAMLRequest',
      'RelayState',
      'SigAlg',
      'Signature',
    ]);
    expect(login.location.searchParams.get('SigAlg')).toBe(
      'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    );
    const signed = parts.slice(0, 3).join('&');
    const signature = Buffer.from(login.location.searchParams.get('Signature') ?? '', 'base64');
    const ok = createVerify('RSA-SHA256').update(signed).verify(metadataCertPem(), signature);
    expect(ok).toBe(true);
    // One bit changed in the signed octets: the same signature must fail.
    const tampered = signed.replace('RelayState=', 'RelayState=x');
    expect(createVerify('RSA-SHA256').update(tampered).verify(metadataCertPem(), signature)).toBe(
      false,
    );
  });

  it('records each issued request and gives each login a fresh ID and RelayState', async () => {
    const a = await startRedirectLogin(sp);
    const b = await startRedirectLogin(sp);
    expect(a.requestId).not.toBe(b.requestId);
    expect(a.relayState).not.toBe(b.relayState);
    expect(a.relayState).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });

  it('asks for another level with ?level= (minimum comparison kept from the options)', async () => {
    const l2 = await startRedirectLogin(sp, '?level=SpidL2');
    expect(l2.requestXml).toContain('https://www.spid.gov.it/SpidL2');
  });

  it('refuses an unknown binding or level with 400', async () => {
    expect((await fetch(`${sp.urls.login}?binding=soap`, { redirect: 'manual' })).status).toBe(400);
    expect((await fetch(`${sp.urls.login}?level=SpidL4`, { redirect: 'manual' })).status).toBe(400);
  });
});

describe('AuthnRequest over HTTP-POST', () => {
  it('is base64 (not deflated) XML with one enveloped signature after the Issuer', async () => {
    const login = await startPostLogin(sp);
    const dest = `${STAND_IN_IDP_BASE}/idp/profile/SAML2/POST/SSO`;
    expect(login.action).toBe(dest);
    checkCieFields(login.requestXml, dest);
    const root = parseXml(login.requestXml, 'AuthnRequest').documentElement!;
    const sigs = children(root, NS.ds, 'Signature');
    expect(sigs).toHaveLength(1);
    const issuer = child(root, NS.saml, 'Issuer')!;
    let next = issuer.nextSibling;
    while (next && next.nodeType !== 1) next = next.nextSibling;
    expect(next).toBe(sigs[0]);
    const v = new SignedXml({ publicCert: metadataCertPem() });
    v.loadSignature(sigs[0]!.toString());
    expect(v.checkSignature(login.requestXml)).toBe(true);
    expect(v.getSignedReferences()).toHaveLength(1);
    const refs = v.getReferences();
    expect(refs[0]?.uri).toBe(`#${attr(root, 'ID')}`);
    expect(login.requestXml).toContain('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(login.requestXml).toContain('http://www.w3.org/2001/04/xmlenc#sha256');
  });
});

describe('AuthnRequest naming the ACS by index', () => {
  it('writes AssertionConsumerServiceIndex instead of URL + ProtocolBinding', async () => {
    const byIndex = await startServiceProvider(
      { protocol: 'http', acsBy: 'index', comparison: 'minimum' },
      { idpMetadataXml: idp.metadataXml },
    );
    try {
      const login = await startRedirectLogin(byIndex);
      const r = parseXml(login.requestXml, 'AuthnRequest').documentElement!;
      expect(attr(r, 'AssertionConsumerServiceIndex')).toBe('0');
      expect(attr(r, 'AssertionConsumerServiceURL')).toBeUndefined();
      expect(attr(r, 'ProtocolBinding')).toBeUndefined();
      expect(login.requestXml).toContain('Comparison="minimum"');
    } finally {
      await byIndex.close();
    }
  });
});
