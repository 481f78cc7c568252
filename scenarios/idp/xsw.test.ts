/**
 * XML signature wrapping (XSW1–XSW8 of Somorovsky et al., "On Breaking SAML: Be Whoever You Want to
 * Be", USENIX Security 2012, §4, adapted from the Response to the signed AuthnRequest): an attacker
 * holding one validly signed request builds a document whose *processed* content differs from the
 * *signed* content (here: an Assertion Consumer Service URL of his own). Every variant must be
 * refused at the signature step (code 7, HTTP 403), and the refusal reason must be the structural
 * rule that catches it — never a successful login towards the attacker's URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdp, type RunningIdp } from './server.ts';
import { HttpClient } from './client/https-client.ts';
import { expectPage } from './testing/expect-outcome.ts';
import { authnRequestXml, testSp } from './testing/test-sp.ts';
import { signRootElement } from './saml/sign.ts';
import { verifyEnvelopedRoot, type EnvelopedFailure } from './saml/verify-enveloped.ts';
import { ALG } from './saml/sign.ts';

let idp: RunningIdp;
const sp = testSp();
const EVIL = 'https://attacker.example/acs';

beforeAll(async () => {
  idp = await startIdp();
  idp.registerSp(sp.metadata());
});
afterAll(async () => idp?.close());

interface Parts {
  readonly signed: string;
  readonly open: string;
  readonly issuer: string;
  readonly signature: string;
  readonly rest: string;
  readonly close: string;
}

function parts(): Parts {
  const signed = signRootElement(authnRequestXml(sp, idp.urls, 'post', { id: '_orig' }), sp.key);
  const m =
    /^(<samlp:AuthnRequest[^>]*>)(<saml:Issuer[\s\S]*?<\/saml:Issuer>)(<ds:Signature[\s\S]*?<\/ds:Signature>)([\s\S]*)(<\/samlp:AuthnRequest>)$/.exec(
      signed,
    );
  if (!m) throw new Error('unexpected signed request layout');
  return {
    signed,
    open: m[1] as string,
    issuer: m[2] as string,
    signature: m[3] as string,
    rest: m[4] as string,
    close: m[5] as string,
  };
}

function evilOpen(p: Parts, id: string): string {
  return p.open.replace(/ ID="[^"]+"/, ` ID="${id}"`).replace(sp.acsUrl, EVIL);
}

/** The original request without its signature (what the signature's digest covers). */
function unsigned(p: Parts): string {
  return p.open + p.issuer + p.rest + p.close;
}

function insideSignature(p: Parts, content: string): string {
  return p.signature.replace('</ds:Signature>', `${content}</ds:Signature>`);
}

const VARIANTS: readonly {
  name: string;
  build: (p: Parts) => string;
  failure: EnvelopedFailure;
}[] = [
  {
    name: 'XSW1: evil root (new ID) carrying the signature, the original request moved inside the Signature',
    build: (p) =>
      evilOpen(p, '_evil') + p.issuer + insideSignature(p, unsigned(p)) + p.rest + p.close,
    failure: 'reference-not-root',
  },
  {
    name: 'XSW2: evil root (new ID), the original request placed before the signature as a sibling',
    build: (p) => evilOpen(p, '_evil') + p.issuer + unsigned(p) + p.signature + p.rest + p.close,
    failure: 'reference-not-root',
  },
  {
    name: 'XSW3: evil root with the same ID as the signed original, which follows it as a child',
    build: (p) => evilOpen(p, '_orig') + p.issuer + p.signature + p.rest + unsigned(p) + p.close,
    failure: 'duplicate-id',
  },
  {
    name: 'XSW4: evil root wrapping the complete signed original (no signature of its own)',
    build: (p) =>
      evilOpen(p, '_evil') + p.issuer + p.signed.replace(/^<\?xml[^>]*\?>/, '') + p.close,
    failure: 'no-signature',
  },
  {
    name: 'XSW5: the signed root altered in place, an unaltered copy appended for the digest',
    build: (p) =>
      evilOpen(p, '_orig') +
      p.issuer +
      p.signature +
      p.rest +
      `<samlp:Extensions>${unsigned(p)}</samlp:Extensions>` +
      p.close,
    failure: 'duplicate-id',
  },
  {
    name: 'XSW6: evil root (same ID), the original inside its Signature element',
    build: (p) =>
      evilOpen(p, '_orig') + p.issuer + insideSignature(p, unsigned(p)) + p.rest + p.close,
    failure: 'duplicate-id',
  },
  {
    name: 'XSW7: evil root (new ID), the original hidden in samlp:Extensions',
    build: (p) =>
      evilOpen(p, '_evil') +
      p.issuer +
      p.signature +
      `<samlp:Extensions>${unsigned(p)}</samlp:Extensions>` +
      p.rest +
      p.close,
    failure: 'reference-not-root',
  },
  {
    name: 'XSW8: evil root (same ID), the original in a ds:Object inside its Signature',
    build: (p) =>
      evilOpen(p, '_orig') +
      p.issuer +
      insideSignature(p, `<ds:Object>${unsigned(p)}</ds:Object>`) +
      p.rest +
      p.close,
    failure: 'duplicate-id',
  },
];

describe('XML signature wrapping on HTTP-POST AuthnRequests (XSW1–XSW8): refused with code 7', () => {
  it('the untouched signed request is accepted (the variants below differ only by the attack)', async () => {
    const p = parts();
    const a = await new HttpClient(idp.tlsCaPem).postForm(idp.urls.ssoPost, {
      SAMLRequest: Buffer.from(p.signed).toString('base64'),
    });
    expect(a.status).toBe(302);
  });
  for (const v of VARIANTS) {
    it(v.name, async () => {
      const p = parts();
      const xml = v.build(p);
      expect(xml).toContain(EVIL);
      const check = verifyEnvelopedRoot(xml, [sp.key.certificatePem]);
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.failure).toBe(v.failure);
      const a = await new HttpClient(idp.tlsCaPem).postForm(idp.urls.ssoPost, {
        SAMLRequest: Buffer.from(xml).toString('base64'),
      });
      expectPage(a, 7);
      expect(a.body).not.toContain(EVIL);
    });
  }
  it('two Signature children of the root, an XSLT transform, or a SHA-1 signature are refused too', () => {
    const p = parts();
    const two = p.open + p.issuer + p.signature + p.signature + p.rest + p.close;
    expect(verifyEnvelopedRoot(two, [sp.key.certificatePem])).toMatchObject({
      ok: false,
      failure: 'too-many-signatures',
    });
    const xslt = p.signed.replace(
      `<ds:Transform Algorithm="${ALG.enveloped}"/>`,
      `<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"/>`,
    );
    expect(verifyEnvelopedRoot(xslt, [sp.key.certificatePem])).toMatchObject({
      ok: false,
      failure: 'algorithm-not-allowed',
    });
    const sha1 = p.signed.replace(ALG.rsaSha256, ALG.rsaSha1);
    expect(verifyEnvelopedRoot(sha1, [sp.key.certificatePem])).toMatchObject({
      ok: false,
      failure: 'algorithm-not-allowed',
    });
    const altered = p.signed.replace(sp.acsUrl, EVIL);
    expect(verifyEnvelopedRoot(altered, [sp.key.certificatePem])).toMatchObject({
      ok: false,
      failure: 'bad-signature',
    });
  });
});
