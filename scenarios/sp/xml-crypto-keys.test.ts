/**
 * xml-crypto-keys.ts: xml-crypto gives the same verdicts, and the same errors, with the public key
 * remembered as a KeyObject as with the PEM text parsed on each call — on a signed SAML Response,
 * tampered, checked with another certificate, with garbage and with a private key as the key —
 * and the remembered keys stay bounded.
 *
 * The verdicts "without" are taken before `installVerifyKeyCache` runs in this file; it must not
 * import `cie-saml.ts` (which installs it at load).
 */
import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import { signRootElement } from '../idp/saml/sign.ts';
import { testSp } from '../idp/testing/test-sp.ts';
import {
  cachedKeyCount,
  installVerifyKeyCache,
  KEY_CACHE_LIMIT,
  PKCS1_CLASSES,
  publicKeyOf,
  signatureAlgorithmModules,
} from './xml-crypto-keys.ts';

const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const RESPONSE =
  `<samlp:Response xmlns:samlp="${SAMLP}" xmlns:saml="${SAML}" ID="_r1" Version="2.0" ` +
  `IssueInstant="2026-01-01T10:00:00Z"><saml:Issuer>https://idp.example/</saml:Issuer>` +
  `<saml:Assertion ID="_a1" Version="2.0" IssueInstant="2026-01-01T10:00:00Z">` +
  `<saml:Issuer>https://idp.example/</saml:Issuer><saml:Subject>citizen</saml:Subject>` +
  `</saml:Assertion></samlp:Response>`;

const signer = testSp().key;
const other = testSp({ seed: 'xml-crypto-keys other' }).key;
const signed = signRootElement(RESPONSE, signer);
const cases = {
  signed,
  tampered: signed.replace('>citizen<', '>mallory<'),
};
const keysToTry = {
  'signing certificate': signer.certificatePem,
  'another certificate': other.certificatePem,
  'the private key': signer.privateKeyPem,
  garbage: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
  'not PEM': 'hello',
};

type Verdict = { ok: boolean } | { error: string };

function verdict(xml: string, publicCert: string): Verdict {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const sig = doc.getElementsByTagNameNS(DSIG, 'Signature')[0];
  if (!sig) return { error: 'no signature' };
  const v = new SignedXml({ publicCert });
  try {
    v.loadSignature(sig);
    return { ok: v.checkSignature(xml) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

function allVerdicts(): Record<string, Verdict> {
  const out: Record<string, Verdict> = {};
  for (const [c, xml] of Object.entries(cases))
    for (const [k, pem] of Object.entries(keysToTry)) out[`${c} / ${k}`] = verdict(xml, pem);
  return out;
}

const BEFORE = allVerdicts();

describe('xml-crypto with the verify key cache', () => {
  it('the verdicts taken before the install are the expected ones', () => {
    expect(BEFORE['signed / signing certificate']).toEqual({ ok: true });
    expect(BEFORE['signed / the private key']).toEqual({ ok: true });
    // Refusals come as `false` or as an error, depending on where xml-crypto stops.
    const refused = (v: Verdict | undefined): boolean => !v || !('ok' in v) || !v.ok;
    expect(refused(BEFORE['tampered / signing certificate'])).toBe(true);
    expect(refused(BEFORE['signed / another certificate'])).toBe(true);
    expect(BEFORE['signed / garbage']).toMatchObject({ error: expect.any(String) });
  });

  it('gives the same verdicts and errors once installed, and uses remembered keys', () => {
    installVerifyKeyCache();
    for (const m of signatureAlgorithmModules())
      for (const name of PKCS1_CLASSES) expect(m[name]?.name, name).toBe('');
    const keysBefore = cachedKeyCount();
    expect(allVerdicts()).toEqual(BEFORE);
    // The two certificates and the private key were parsed; garbage is remembered as refused.
    expect(cachedKeyCount() - keysBefore).toBe(Object.keys(keysToTry).length);
    expect(publicKeyOf(keysToTry.garbage)).toBeNull();
    expect(publicKeyOf(signer.certificatePem)?.asymmetricKeyType).toBe('rsa');
    // Installing twice wraps once: the verdicts hold and the classes are the same.
    const classes = signatureAlgorithmModules().map((m) => m['RsaSha256']);
    installVerifyKeyCache();
    expect(signatureAlgorithmModules().map((m) => m['RsaSha256'])).toEqual(classes);
    expect(allVerdicts()).toEqual(BEFORE);
  });

  it('keeps the callback form of verifySignature', async () => {
    installVerifyKeyCache();
    const [m] = signatureAlgorithmModules();
    const Rsa = m?.['RsaSha256'];
    if (!Rsa) throw new Error('no RsaSha256');
    const { createSign } = await import('node:crypto');
    const sig = createSign('RSA-SHA256').update('data').sign(signer.privateKeyPem, 'base64');
    const viaCallback = await new Promise((resolve, reject) =>
      new Rsa().verifySignature('data', signer.certificatePem, sig, (e: unknown, r: unknown) =>
        e ? reject(e as Error) : resolve(r),
      ),
    );
    expect(viaCallback).toBe(true);
    expect(new Rsa().verifySignature('other', signer.certificatePem, sig)).toBe(false);
  });

  it('remembers a bounded number of keys', () => {
    for (let i = 0; i < KEY_CACHE_LIMIT + 10; i++) publicKeyOf(`not a key ${i}`);
    expect(cachedKeyCount()).toBeLessThanOrEqual(KEY_CACHE_LIMIT);
  });
});
