/**
 * Receiving an AuthnRequest over the two SAML bindings the CIE IdP accepts (OASIS
 * saml-bindings-2.0-os §3.4 HTTP-Redirect, §3.5 HTTP-POST).
 *
 * HTTP-Redirect: `SAMLRequest` = base64(DEFLATE(xml)) (§3.4.4.1), signed in the query: the
 * signature covers the octets `SAMLRequest=…&RelayState=…&SigAlg=…` **exactly as they appear in
 * the received query** (never re-encoded: two encoders may legitimately disagree, and accepting a
 * re-encoded form would let a changed message verify), with a SigAlg allow-list (RSA-SHA256/384/512;
 * no SHA-1, no DSA, no fallback on an unknown value).
 * HTTP-POST: `SAMLRequest` = base64(xml) with an enveloped signature (verify-enveloped.ts).
 */
import { HostError } from '../../../emulator/src/host-error.ts';
import { createPublicKey, createVerify, type KeyObject } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { ALG } from './sign.ts';

export class BindingFormatError extends HostError {
  readonly code = 'BINDING_FORMAT';
}

/** Allowed SigAlg values and their node:crypto names. */
export const REDIRECT_SIG_ALGS: Readonly<Record<string, string>> = {
  [ALG.rsaSha256]: 'RSA-SHA256',
  [ALG.rsaSha384]: 'RSA-SHA384',
  [ALG.rsaSha512]: 'RSA-SHA512',
};

/** Largest inflated request accepted (a deflate bomb must not exhaust memory). */
const MAX_INFLATED = 256 * 1024;

export interface RawParam {
  /** The value exactly as it appears in the query (still URL-encoded). */
  readonly raw: string;
  readonly value: string;
}

/** Splits a raw query string; repeated names are refused (which occurrence would count?). */
export function parseRawQuery(query: string): Map<string, RawParam> {
  const out = new Map<string, RawParam>();
  if (query === '') return out;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const raw = eq < 0 ? '' : part.slice(eq + 1);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      value = decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      throw new BindingFormatError(`query parameter '${rawName}' is not valid URL encoding`);
    }
    if (out.has(name)) throw new BindingFormatError(`query parameter '${name}' appears twice`);
    out.set(name, { raw, value });
  }
  return out;
}

function base64Strict(s: string, what: string): Buffer {
  const clean = s.replace(/[\r\n ]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0 || clean.length === 0)
    throw new BindingFormatError(`${what} is not base64`);
  return Buffer.from(clean, 'base64');
}

function utf8Strict(b: Buffer, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    throw new BindingFormatError(`${what} is not UTF-8`);
  }
}

/** `SAMLRequest` of the Redirect binding → XML text. */
export function inflateRedirectRequest(value: string): string {
  let xml: Buffer;
  try {
    xml = inflateRawSync(base64Strict(value, 'SAMLRequest'), { maxOutputLength: MAX_INFLATED });
  } catch (e) {
    if (e instanceof BindingFormatError) throw e;
    throw new BindingFormatError(`SAMLRequest does not inflate: ${(e as Error).message}`);
  }
  return utf8Strict(xml, 'SAMLRequest');
}

/** `SAMLRequest` of the POST binding → XML text. */
export function decodePostRequest(value: string): string {
  return utf8Strict(base64Strict(value, 'SAMLRequest'), 'SAMLRequest');
}

export type RedirectSignatureCheck =
  { readonly ok: true } | { readonly ok: false; readonly detail: string };

/**
 * Verifies the Redirect signature over the raw octets; `params` must come from
 * {@link parseRawQuery} of the query as received.
 */
const publicKeys = new Map<string, KeyObject>();

/**
 * The public key of a certificate PEM, parsed once (what `verify(pem)` parses on every call); the
 * PEM itself when it does not parse, so that `verify` fails as it did.
 */
function publicKeyOf(pem: string): KeyObject | string {
  let k = publicKeys.get(pem);
  if (!k) {
    try {
      k = createPublicKey(pem);
    } catch {
      return pem;
    }
    // One entry per registered SP signing certificate; bounded for a long-running IdP.
    if (publicKeys.size >= 1024) publicKeys.clear();
    publicKeys.set(pem, k);
  }
  return k;
}

export function verifyRedirectSignature(
  params: Map<string, RawParam>,
  certificatesPem: readonly string[],
): RedirectSignatureCheck {
  const req = params.get('SAMLRequest');
  const sigAlg = params.get('SigAlg');
  const signature = params.get('Signature');
  if (!req || !sigAlg || !signature) return { ok: false, detail: 'SigAlg or Signature missing' };
  const hash = REDIRECT_SIG_ALGS[sigAlg.value];
  if (!hash) return { ok: false, detail: `SigAlg '${sigAlg.value}' is not allowed` };
  const relay = params.get('RelayState');
  const octets =
    `SAMLRequest=${req.raw}` + (relay ? `&RelayState=${relay.raw}` : '') + `&SigAlg=${sigAlg.raw}`;
  let sig: Buffer;
  try {
    sig = base64Strict(signature.value, 'Signature');
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
  for (const pem of certificatesPem) {
    try {
      if (createVerify(hash).update(octets, 'utf8').verify(publicKeyOf(pem), sig))
        return { ok: true };
    } catch {
      // a certificate whose key cannot verify this algorithm: try the next one
    }
  }
  return { ok: false, detail: 'signature does not verify with the SP signing certificates' };
}
