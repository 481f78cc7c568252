/**
 * Enveloped XML signatures made by the IdP (XML-DSig 1.0 §6 algorithms, SAML core §5.4 profile):
 * RSA-SHA256 (`xmldsig-more#rsa-sha256`), SHA-256 digest, exclusive canonicalization
 * (`xml-exc-c14n#`), one Reference to the element's `ID`, transforms enveloped-signature +
 * exc-c14n, the signature placed right after the element's `Issuer` (SAML core §5.4.1 and the
 * schema order of Response and Assertion), X509Certificate in KeyInfo — as the CIE examples show.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignedXml, type GetKeyInfoContentArgs } from 'xml-crypto';
import { installFastClone } from '../../sp/xmldom-clone.ts';

// xml-crypto deep-clones each element it signs; xmldom's own copy loop walks every prototype
// method of every node (the same copy, faster: see xmldom-clone.ts).
installFastClone();

export const ALG = {
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha384: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha384: 'http://www.w3.org/2001/04/xmldsig-more#sha384',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  excC14nWithComments: 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
  c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  c14nWithComments: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

export interface SigningKey {
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** PEM of the certificate published in the metadata (also put in KeyInfo). */
  readonly certificatePem: string;
}

const keyObjects = new Map<string, KeyObject>();

/**
 * The private key as a `node:crypto` KeyObject, parsed once per PEM: OpenSSL then keeps its
 * precomputed CRT state, and a signature costs about a third of one made from the PEM text (which
 * is parsed again on every call). RSA PKCS#1 v1.5 signatures are deterministic: same bytes.
 */
function privateKeyObject(pem: string): KeyObject {
  let k = keyObjects.get(pem);
  if (!k) {
    // A handful of keys per process (the IdP's, tests' own); never more than a few dozen.
    if (keyObjects.size >= 64) keyObjects.clear();
    k = createPrivateKey(pem);
    keyObjects.set(pem, k);
  }
  return k;
}

const keyInfos = new Map<string, string | null>();

/**
 * xml-crypto's own KeyInfo content, remembered per (prefix, certificate PEM): it parses and checks
 * the certificate on every signature otherwise. Same function, same string.
 */
function keyInfoContent(args: GetKeyInfoContentArgs = {}): string | null {
  const cert = args.publicCert;
  if (typeof cert !== 'string') return SignedXml.getKeyInfoContent(args);
  // xml-crypto writes no prefix for null, undefined and '' alike.
  const id = `${args.prefix ?? ''}|${cert}`;
  let content = keyInfos.get(id);
  if (content === undefined) {
    if (keyInfos.size >= 64) keyInfos.clear();
    content = SignedXml.getKeyInfoContent(args);
    keyInfos.set(id, content);
  }
  return content;
}

/**
 * Signs the document element of `xml` (which must carry an `ID` attribute and a first-child
 * `Issuer` when `afterIssuer`), returning the signed XML text.
 */
export function signRootElement(xml: string, key: SigningKey, afterIssuer = true): string {
  const sig = new SignedXml({
    privateKey: privateKeyObject(key.privateKeyPem),
    publicCert: key.certificatePem,
    signatureAlgorithm: ALG.rsaSha256,
    canonicalizationAlgorithm: ALG.excC14n,
    getKeyInfoContent: keyInfoContent,
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
