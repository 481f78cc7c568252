/**
 * The Debian SimpleSAMLphp 1.19 and Shibboleth SP 3.4, configured by this folder, against crafted
 * CIE responses (a stand-in for the IdP's signing side; the browser tests run them against the
 * reference IdP). For each SP: the AuthnRequest it sends meets the CIE rules and its Redirect
 * signature verifies with the certificate of its CIE metadata; a conformant Response logs in and
 * the application page shows the four attributes; an IdP error status reaches the application's
 * error page; tampered or foreign-signed responses are refused. Where the two products differ
 * (SimpleSAMLphp accepts an unsigned Assertion inside a signed Response), the test states it.
 */
import { createVerify, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standInIdp, STAND_IN_IDP_BASE, type ResponseSpec } from '../stand-in/stand-in-idp.ts';
import { requireEnvironment } from '../testing/gate.ts';
import type { HttpsAnswer } from '../stand-in/https-session.ts';
import { beginLogin as begin, completeLogin } from '../stand-in/third-party-login.ts';
import { NS, attr, child, children, parseXml, text } from '../xml.ts';
import { thirdPartyStatus } from './environment.ts';
import type { ThirdPartyKind, ThirdPartySp } from './instance.ts';
import { startShibbolethSp } from './shibboleth.ts';
import { startSimpleSamlPhp } from './simplesamlphp.ts';

const idp = standInIdp();
const other = standInIdp('another-idp-key');
const START: Record<ThirdPartyKind, typeof startSimpleSamlPhp> = {
  simplesamlphp: startSimpleSamlPhp,
  shibboleth: startShibbolethSp,
};

const beginLogin = (sp: ThirdPartySp): ReturnType<typeof begin> => begin(sp, STAND_IN_IDP_BASE);
const complete = (
  sp: ThirdPartySp,
  b: Awaited<ReturnType<typeof begin>>,
  edit: Partial<ResponseSpec> = {},
): Promise<HttpsAnswer> => completeLogin(sp, idp, b, edit);

/** The page with numeric character references decoded (Shibboleth's templates escape ':' as &#58;). */
function decoded(page: HttpsAnswer): string {
  return page.body.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));
}

/** Where each product ends a refused response: SimpleSAMLphp's exception page, Shibboleth's error template. */
const REFUSAL_MARK: Record<ThirdPartyKind, string> = {
  simplesamlphp: 'SimpleSAML\\Error\\Error',
  shibboleth: 'id="sp-login-failed"',
};

function metadataCert(sp: ThirdPartySp): string {
  const root = parseXml(sp.metadataXml, 'metadata').documentElement!;
  const kd = children(child(root, NS.md, 'SPSSODescriptor')!, NS.md, 'KeyDescriptor')[0]!;
  const b64 = text(
    child(child(child(kd, NS.ds, 'KeyInfo')!, NS.ds, 'X509Data')!, NS.ds, 'X509Certificate'),
  );
  return new X509Certificate(Buffer.from(b64 ?? '', 'base64')).toString();
}

for (const kind of ['simplesamlphp', 'shibboleth'] as const) {
  describe(`${kind} against crafted CIE responses`, () => {
    if (!requireEnvironment(`third-party.integration.test.ts (${kind})`, thirdPartyStatus(kind)))
      return;
    let sp: ThirdPartySp;
    beforeAll(async () => {
      sp = await START[kind]({ idpMetadataXml: idp.metadataXml });
    });
    afterAll(async () => sp?.stop());

    it('sends a CIE AuthnRequest over HTTP-Redirect, signed with the key of its CIE metadata', async () => {
      const b = await beginLogin(sp);
      const r = parseXml(b.requestXml, 'AuthnRequest').documentElement!;
      expect(attr(r, 'Destination')).toBe(`${idp.entityId.replace('POST/SSO', 'Redirect/SSO')}`);
      expect(['true', '1']).toContain(attr(r, 'ForceAuthn'));
      expect(attr(r, 'IsPassive')).toBeUndefined();
      expect(attr(r, 'AssertionConsumerServiceURL')).toBe(sp.acsUrl);
      expect(attr(r, 'ProtocolBinding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
      expect(attr(r, 'AttributeConsumingServiceIndex')).toBe('0');
      expect(text(child(r, NS.saml, 'Issuer'))).toBe(sp.entityId);
      const policy = child(r, NS.samlp, 'NameIDPolicy')!;
      expect(attr(policy, 'Format')).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:transient');
      expect(attr(policy, 'AllowCreate')).toBeUndefined();
      const rac = children(r, NS.samlp, 'RequestedAuthnContext');
      expect(rac).toHaveLength(1);
      expect(['exact', undefined]).toContain(attr(rac[0]!, 'Comparison'));
      expect(text(child(rac[0]!, NS.saml, 'AuthnContextClassRef'))).toBe(
        'https://www.spid.gov.it/SpidL3',
      );
      expect(children(r, NS.samlp, 'Scoping')).toHaveLength(0);
      const query = b.location.slice(b.location.indexOf('?') + 1).split('&');
      expect(query.map((p) => p.split('=')[0])).toEqual([
        'SAMLRequest',
        'RelayState',
        'SigAlg',
        'Signature',
      ]);
      expect(decodeURIComponent(query[2]!.split('=')[1]!)).toBe(
        'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      );
      const signature = Buffer.from(decodeURIComponent(query[3]!.split('=')[1]!), 'base64');
      expect(
        createVerify('RSA-SHA256')
          .update(query.slice(0, 3).join('&'))
          .verify(metadataCert(sp), signature),
      ).toBe(true);
    });

    it('publishes CIE metadata naming its own ACS and SLO', () => {
      expect(sp.metadataXml).toContain(`Location="${sp.acsUrl}"`);
      expect(sp.metadataXml).toContain(`Location="${sp.sloUrl}"`);
      expect(sp.metadataXml).toContain(`entityID="${sp.entityId}"`);
      expect(sp.metadataXml).toContain('<cie:Public/>');
    });

    it('logs in with a conformant Response and shows the four attributes', async () => {
      const page = await complete(sp, await beginLogin(sp));
      expect(page.status, sp.logs().slice(-3000)).toBe(200);
      expect(page.body).toContain('id="sp-logged-in"');
      expect(page.body).toContain('id="attr-fiscalNumber">TINIT-RSSMRA80A01H501U<');
      expect(page.body).toContain('id="attr-name">MARIO<');
      expect(page.body).toContain('id="attr-familyName">ROSSI<');
      expect(page.body).toContain('id="attr-dateOfBirth">1980-01-01<');
      expect(page.body).toContain('id="sp-authn-context">https://www.spid.gov.it/SpidL3<');
    });

    it('shows the IdP status of an error Response (ErrorCode nr22, consent refused)', async () => {
      const page = await complete(sp, await beginLogin(sp), {
        status: { code: 'Responder', subCode: 'AuthnFailed', message: 'ErrorCode nr22' },
      });
      const body = decoded(page);
      expect(body).not.toContain('id="sp-logged-in"');
      expect(body).toContain('id="sp-login-failed"');
      expect(body).toContain('urn:oasis:names:tc:SAML:2.0:status:Responder');
      expect(body).toContain('urn:oasis:names:tc:SAML:2.0:status:AuthnFailed');
      expect(body).toContain('ErrorCode nr22');
    });

    const refused: ReadonlyArray<readonly [string, Partial<ResponseSpec>]> = [
      [
        'an Assertion altered after signing',
        { afterAssertionSigned: (x) => x.replace('>MARIO<', '>LUIGI<'), signResponse: false },
      ],
      ['a Response signed with a key not in the IdP metadata', { signer: other.signing }],
      ['a Response for another audience', { audience: 'https://elsewhere.invalid/sp' }],
      ['a Response for another Recipient', { recipient: 'https://elsewhere.invalid/acs' }],
      ['an expired Response (issued 10 minutes ago)', { now: new Date(Date.now() - 10 * 60_000) }],
    ];
    for (const [what, edit] of refused)
      it(`refuses ${what}`, async () => {
        const page = await complete(sp, await beginLogin(sp), edit);
        expect(page.body).not.toContain('id="sp-logged-in"');
        expect(page.body).toContain(REFUSAL_MARK[kind]);
      });

    it(
      kind === 'shibboleth'
        ? 'refuses an unsigned Assertion inside a signed Response (requireSignedAssertions)'
        : 'accepts an unsigned Assertion inside a signed Response (SimpleSAMLphp 1.19 wants either signature)',
      async () => {
        const page = await complete(sp, await beginLogin(sp), { signAssertion: false });
        expect(page.body.includes('id="sp-logged-in"')).toBe(kind === 'simplesamlphp');
      },
    );
  });
}
