/**
 * `validatePostResponseVerified` hands back the Response XML node-saml verified: the same string
 * `verifiedResponseXml` computes by checking the signature again, on seeded responses with and
 * without a Response signature, one by one and interleaved (the capture is per call). Its
 * Redirect query signature, made with the key parsed once, is node-saml's byte for byte.
 */
import type { ParsedUrlQueryInput } from 'node:querystring';
import { SAML, ValidateInResponseTo, type SamlConfig } from '@node-saml/node-saml';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { CieSaml } from './cie-saml.ts';
import { buildResponse, standInIdp } from './stand-in/stand-in-idp.ts';

const idp = standInIdp();
const ACS = 'https://sp.example/acs';
const ENTITY = 'https://sp.example/metadata';

const shape = {
  acs: { by: 'url', url: ACS },
  classRef: 'https://www.spid.gov.it/SpidL3',
  comparison: 'minimum',
  attributeConsumingServiceIndex: 0,
  now: () => new Date(),
  onIssued: () => undefined,
} as const;

const saml = new CieSaml(
  {
    entryPoint: 'https://idp.example/sso',
    issuer: ENTITY,
    callbackUrl: ACS,
    idpCert: [idp.signing.certPem],
    audience: ENTITY,
    wantAssertionsSigned: true,
    // Unsigned Responses pass too, so that the Assertion-only case is covered.
    wantAuthnResponseSigned: false,
    validateInResponseTo: ValidateInResponseTo.never,
  },
  'redirect',
  shape,
);

function responses(): { xml: string; signed: boolean }[] {
  return Array.from({ length: 6 }, (_, i) => {
    const rng = seededRng(`cie-saml-test|${i}`);
    const hex = Buffer.from(rng.bytes(8)).toString('hex').toUpperCase();
    const signed = i % 3 !== 2;
    const xml = buildResponse(idp, {
      acsUrl: ACS,
      audience: ENTITY,
      inResponseTo: `_${hex}`,
      attributes: { name: `MARIO${hex}`, familyName: 'ROSSI' },
      signResponse: signed,
    });
    return { xml, signed };
  });
}

const post = (xml: string): Record<string, string> => ({
  SAMLResponse: Buffer.from(xml).toString('base64'),
});

describe('CieSaml.validatePostResponseVerified', () => {
  it("returns the Response XML verifiedResponseXml gives (null when the Response isn't signed)", async () => {
    for (const r of responses()) {
      const got = await saml.validatePostResponseVerified(post(r.xml));
      expect(got.profile).toBeTruthy();
      const again = await saml.verifiedResponseXml(r.xml);
      expect(got.verifiedResponseXml).toBe(again);
      if (r.signed) expect(got.verifiedResponseXml).toMatch(/^<samlp:Response /);
      else expect(got.verifiedResponseXml).toBeNull();
    }
  });

  it('keeps interleaved calls apart', async () => {
    const rs = responses();
    const got = await Promise.all(rs.map((r) => saml.validatePostResponseVerified(post(r.xml))));
    const want = await Promise.all(rs.map((r) => saml.verifiedResponseXml(r.xml)));
    expect(got.map((g) => g.verifiedResponseXml)).toEqual(want);
    expect(new Set(want.filter((w) => w !== null)).size).toBe(rs.filter((r) => r.signed).length);
  });
});

type Signs = { signRequest(m: ParsedUrlQueryInput): void };

describe('CieSaml.signRequest', () => {
  it("gives node-saml's SigAlg and Signature, byte for byte", () => {
    const key = standInIdp('cie-saml-test-sp').signing;
    for (const signatureAlgorithm of ['sha256', 'sha512', 'sha1'] as const) {
      const config: SamlConfig = {
        entryPoint: 'https://idp.example/sso',
        issuer: ENTITY,
        callbackUrl: ACS,
        idpCert: [idp.signing.certPem],
        privateKey: key.keyPem,
        signatureAlgorithm,
      };
      const ours = new CieSaml(config, 'redirect', shape) as unknown as Signs;
      const theirs = new SAML(config) as unknown as Signs;
      for (let i = 0; i < 6; i++) {
        const rng = seededRng(`cie-saml-test|sign|${i}`);
        const b64 = Buffer.from(rng.bytes(30 + 7 * i)).toString('base64');
        const m: ParsedUrlQueryInput = i % 3 === 2 ? { SAMLResponse: b64 } : { SAMLRequest: b64 };
        if (i % 2 === 0) m['RelayState'] = Buffer.from(rng.bytes(9)).toString('base64url');
        const a = { ...m };
        const b = { ...m };
        ours.signRequest(a);
        theirs.signRequest(b);
        expect(a['Signature']).toBeTruthy();
        expect(a).toEqual(b);
      }
    }
  });
});
