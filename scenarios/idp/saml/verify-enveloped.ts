/**
 * Verification of an enveloped XML signature on the root element of a document received from
 * outside (AuthnRequest by HTTP-POST, SP metadata), with the rule set of `@node-saml/node-saml`
 * `src/xml.ts getVerifiedXml` — the strongest public defence against XML signature wrapping
 * (XSW, Somorovsky et al., "On Breaking SAML", USENIX Security 2012):
 *
 * 1. exactly one `ds:Signature` **child of the root** (none anywhere else counts);
 * 2. that signature has exactly one `ds:Reference`, whose URI is `#` + the root's `ID`;
 * 3. that ID occurs on exactly one element of the whole document (no duplicate to confuse
 *    the lookup), and that element is the root;
 * 4. at most two transforms, only enveloped-signature and (exclusive) canonicalization;
 * 5. algorithms from an allow-list: RSA-SHA256/384/512 and SHA-256/384/512 digests (no SHA-1,
 *    no HMAC, no XSLT or XPath transforms);
 * 6. the cryptographic check by xml-crypto with the trusted certificate only (never a key from
 *    KeyInfo), and afterwards **only the signed bytes** (`getSignedReferences()`) are used: the
 *    caller re-parses them and never looks at the received document again.
 */
import { createHash, createVerify } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { ALG } from './sign.ts';
import { attr, children, descendants, NS, parseXml } from './xml.ts';

export type EnvelopedFailure =
  | 'no-signature'
  | 'too-many-signatures'
  | 'reference-count'
  | 'reference-not-root'
  | 'duplicate-id'
  | 'too-many-transforms'
  | 'algorithm-not-allowed'
  | 'bad-signature'
  | 'malformed-signature';

export type EnvelopedResult =
  | { readonly ok: true; readonly signedXml: string; readonly signedDocument: Document }
  | { readonly ok: false; readonly failure: EnvelopedFailure; readonly detail: string };

const SIGNATURE_ALGORITHMS = new Set<string>([ALG.rsaSha256, ALG.rsaSha384, ALG.rsaSha512]);
const DIGEST_ALGORITHMS = new Set<string>([ALG.sha256, ALG.sha384, ALG.sha512]);
const C14N = new Set<string>([
  ALG.excC14n,
  ALG.excC14nWithComments,
  ALG.c14n,
  ALG.c14nWithComments,
]);
const TRANSFORMS = new Set<string>([ALG.enveloped, ...C14N]);

/** RSA-SHA384 and SHA-384 are not built into xml-crypto; both are RFC 6931 §2.1.3 / §2.3.3. */
const rsaSha384 = {
  getSignature: (): string => {
    throw new Error('verification only');
  },
  verifySignature(material: string, key: string, signatureValue: string): boolean {
    return createVerify('RSA-SHA384').update(material).verify(key, signatureValue, 'base64');
  },
  getAlgorithmName: (): string => ALG.rsaSha384,
};
const sha384Digest = {
  getHash: (xml: string): string => createHash('sha384').update(xml, 'utf8').digest('base64'),
  getAlgorithmName: (): string => ALG.sha384,
};

function fail(failure: EnvelopedFailure, detail: string): EnvelopedResult {
  return { ok: false, failure, detail };
}

/** Checks the structural rules 1–5 on the parsed document; returns the Signature element. */
function structural(doc: Document): Element | EnvelopedResult {
  const root = doc.documentElement;
  const sigs = children(root, NS.ds, 'Signature');
  if (sigs.length === 0) return fail('no-signature', 'no ds:Signature child of the root element');
  if (sigs.length > 1) return fail('too-many-signatures', `${sigs.length} ds:Signature children`);
  const sig = sigs[0] as Element;
  const refs = descendants(sig, NS.ds, 'Reference');
  if (refs.length !== 1) return fail('reference-count', `${refs.length} ds:Reference elements`);
  const id = attr(root, 'ID');
  const uri = attr(refs[0] as Element, 'URI');
  if (!id || uri !== `#${id}`)
    return fail(
      'reference-not-root',
      `Reference URI '${uri ?? ''}' is not '#' + the root ID '${id ?? ''}'`,
    );
  let withId = 0;
  for (const e of descendants(doc, '*', '*'))
    if (attr(e, 'ID') === id || attr(e, 'Id') === id || attr(e, 'id') === id) withId++;
  if (withId !== 1) return fail('duplicate-id', `ID '${id}' occurs on ${withId} elements`);
  const transforms = descendants(sig, NS.ds, 'Transform');
  if (transforms.length > 2) return fail('too-many-transforms', `${transforms.length} transforms`);
  for (const t of transforms)
    if (!TRANSFORMS.has(attr(t, 'Algorithm') ?? ''))
      return fail('algorithm-not-allowed', `transform ${attr(t, 'Algorithm') ?? '(none)'}`);
  const algorithm = (name: string): string =>
    attr(descendants(sig, NS.ds, name)[0] ?? sig, 'Algorithm') ?? '';
  if (!SIGNATURE_ALGORITHMS.has(algorithm('SignatureMethod')))
    return fail('algorithm-not-allowed', `SignatureMethod ${algorithm('SignatureMethod')}`);
  if (!DIGEST_ALGORITHMS.has(algorithm('DigestMethod')))
    return fail('algorithm-not-allowed', `DigestMethod ${algorithm('DigestMethod')}`);
  if (!C14N.has(algorithm('CanonicalizationMethod')))
    return fail(
      'algorithm-not-allowed',
      `CanonicalizationMethod ${algorithm('CanonicalizationMethod')}`,
    );
  return sig;
}

/**
 * Verifies the root signature of `xml` against each trusted certificate (PEM) in turn; on success
 * returns the signed element's bytes and a fresh parse of them.
 */
export function verifyEnvelopedRoot(
  xml: string,
  trustedCertsPem: readonly string[],
): EnvelopedResult {
  const doc = parseXml(xml);
  const sigOrFail = structural(doc);
  if (!('nodeType' in sigOrFail)) return sigOrFail;
  if (trustedCertsPem.length === 0)
    return fail('bad-signature', 'no trusted certificate to verify with');
  let lastError = 'signature value does not verify with any trusted certificate';
  for (const pem of trustedCertsPem) {
    const sx = new SignedXml({ publicCert: pem });
    sx.SignatureAlgorithms = {
      [ALG.rsaSha256]: sx.SignatureAlgorithms[ALG.rsaSha256]!,
      [ALG.rsaSha512]: sx.SignatureAlgorithms[ALG.rsaSha512]!,
      [ALG.rsaSha384]: rsaSha384 as never,
    } as never;
    sx.HashAlgorithms = {
      [ALG.sha256]: sx.HashAlgorithms[ALG.sha256]!,
      [ALG.sha512]: sx.HashAlgorithms[ALG.sha512]!,
      [ALG.sha384]: sha384Digest as never,
    } as never;
    try {
      sx.loadSignature(sigOrFail);
      if (!sx.checkSignature(xml)) continue;
      const signed = sx.getSignedReferences();
      if (signed.length !== 1) return fail('reference-count', `${signed.length} signed references`);
      const signedXml = signed[0] as string;
      return { ok: true, signedXml, signedDocument: parseXml(signedXml) };
    } catch (e) {
      lastError = (e as Error).message.split('\n')[0] ?? lastError;
    }
  }
  return fail('bad-signature', lastError);
}
