/**
 * xml-crypto's RSA PKCS#1 v1.5 signature checks with the public key parsed once per PEM.
 *
 * Why: node-saml hands xml-crypto the IdP's certificate as PEM text, and xml-crypto's
 * `verifySignature` passes that text to `crypto.createVerify(…).verify(pem, …)`, which decodes the
 * PEM and the X.509 structure again on every call: 0.16 ms per signature here, against 0.02 ms
 * with a `node:crypto` KeyObject made once. The SP checks two signatures per login (Response and
 * Assertion), so that parse was about a tenth of the SP's CPU.
 *
 * What: the classes xml-crypto instantiates for `rsa-sha1`, `rsa-sha256` and `rsa-sha512` (looked
 * up on its `signature-algorithms` module each time a SignedXml is made) are replaced by
 * subclasses whose `verifySignature` swaps a PEM string for the KeyObject `createPublicKey` makes
 * from it (certificate, public or private key PEM alike, as `verify` itself accepts), remembered
 * per string. `verify` gives the same answer for the KeyObject as for the text it was made from
 * (RFC 8017 §8.2.2 depends on the key, not its encoding). Text `createPublicKey` refuses is passed
 * on unchanged, so xml-crypto's own error stays what it was. Buffers and KeyObjects pass through.
 * PSS (`sha256-rsa-MGF1`) and HMAC keep the library's code: it checks the key's type itself.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { samlLibraryInstances } from './saml-libraries.ts';

type Verify = (...args: unknown[]) => unknown;
interface Algorithm {
  verifySignature: Verify;
}
type AlgorithmClass = new () => Algorithm;
type AlgorithmsModule = Record<string, AlgorithmClass>;

/** The classes replaced: those whose `verify` takes any key form `createPublicKey` takes. */
export const PKCS1_CLASSES = ['RsaSha1', 'RsaSha256', 'RsaSha512'] as const;

/** xml-crypto's `signature-algorithms` module instances (its own and node-saml's, one or two). */
export function signatureAlgorithmModules(): AlgorithmsModule[] {
  return samlLibraryInstances<AlgorithmsModule>('xml-crypto/lib/signature-algorithms.js');
}

const keys = new Map<string, KeyObject | null>();
/** Distinct PEMs remembered (trusted IdP certificates: a handful per process). */
export const KEY_CACHE_LIMIT = 64;

/** The KeyObject for `pem`, or null when `createPublicKey` refuses it (remembered too). */
export function publicKeyOf(pem: string): KeyObject | null {
  let k = keys.get(pem);
  if (k === undefined) {
    if (keys.size >= KEY_CACHE_LIMIT) keys.clear();
    try {
      k = createPublicKey(pem);
    } catch {
      k = null;
    }
    keys.set(pem, k);
  }
  return k;
}

/** How many PEMs are remembered (for tests). */
export function cachedKeyCount(): number {
  return keys.size;
}

const installed = new WeakSet<AlgorithmsModule>();

/** Installs the subclasses on every instance of {@link signatureAlgorithmModules} (once each). */
export function installVerifyKeyCache(): void {
  for (const m of signatureAlgorithmModules()) {
    if (installed.has(m)) continue;
    installed.add(m);
    for (const name of PKCS1_CLASSES) {
      const Base = m[name];
      if (!Base) throw new Error(`xml-crypto: no ${name} signature algorithm to wrap`);
      m[name] = class extends Base {
        constructor() {
          super();
          const own = this.verifySignature;
          // (material, key, signatureValue[, callback]): only the key changes.
          this.verifySignature = (...args: unknown[]) => {
            const key = args[1];
            if (typeof key === 'string') {
              const k = publicKeyOf(key);
              if (k) args[1] = k;
            }
            return own(...args);
          };
        }
      };
    }
  }
}
