/**
 * The IdP's enveloped signatures made with a cached KeyObject and remembered KeyInfo are byte for
 * byte those xml-crypto
 * makes from the PEM text (RSA PKCS#1 v1.5 is deterministic), on seeded documents of both shapes
 * (signature after the Issuer, signature first), and they verify.
 */
import { describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { testSp } from '../testing/test-sp.ts';
import { ALG, signRootElement, type SigningKey } from './sign.ts';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The signature as xml-crypto makes it from the PEM (the path before the KeyObject cache). */
function signWithPem(xml: string, key: SigningKey, afterIssuer: boolean): string {
  const sig = new SignedXml({
    privateKey: key.privateKeyPem,
    publicCert: key.certificatePem,
    signatureAlgorithm: ALG.rsaSha256,
    canonicalizationAlgorithm: ALG.excC14n,
  });
  sig.addReference({
    xpath: '/*',
    transforms: [ALG.enveloped, ALG.excC14n],
    digestAlgorithm: ALG.sha256,
  });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: afterIssuer
      ? { reference: "/*/*[local-name(.)='Issuer']", action: 'after' }
      : { reference: '/*/*[1]', action: 'before' },
  });
  return sig.getSignedXml();
}

function documentOf(i: number): string {
  const rng = seededRng(`sign-test|${i}`);
  const id = `_${toHex(rng.bytes(16))}`;
  const text = toHex(rng.bytes(1 + (i % 7) * 13));
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ` +
    `xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" ` +
    `IssueInstant="2026-01-0${1 + (i % 9)}T10:00:00Z"><saml:Issuer>https://idp.example/${i}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion ID="a${id}"><saml:Subject>${text}</saml:Subject></saml:Assertion></samlp:Response>`
  );
}

describe('signRootElement with a cached KeyObject', () => {
  const keys = [testSp().key, testSp({ seed: 'sign-test' }).key];
  it('gives the same bytes as signing with the PEM text, and the signature verifies', () => {
    for (let i = 0; i < 8; i++) {
      const key = keys[i % 2] as SigningKey;
      const xml = documentOf(i);
      for (const afterIssuer of [true, false]) {
        const signed = signRootElement(xml, key, afterIssuer);
        expect(signed).toBe(signWithPem(xml, key, afterIssuer));
        const v = new SignedXml({ publicCert: key.certificatePem });
        v.loadSignature(
          /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signed)?.[0] ?? 'missing signature',
        );
        expect(v.checkSignature(signed)).toBe(true);
      }
    }
  });
});
