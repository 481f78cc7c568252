/**
 * Key material of the reference service provider, derived deterministically from a seed (same seed,
 * same bytes, so metadata and traces are reproducible):
 *
 * - the SAML signing key and its self-signed certificate (the CIE federation accepts self-signed SP
 *   certificates in metadata; a seal certificate carries no personal name attributes);
 * - a TLS server certificate for the SP's HTTPS listener, issued by a TLS authority: the one given
 *   (e.g. the bench CA the identity provider uses) or the SP's own "CIE Bench TEST SP TLS CA".
 *
 * Certificates follow RFC 5280 (v3, SKI/AKI, key usage); server certificates carry the
 * subjectAltName entries browsers match against (RFC 6125 §6.4: the CN is not used).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import * as asn1js from 'asn1js';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import {
  generateRsaKey,
  rsaPrivateKeyObject,
  type RsaPrivateKey,
} from '../../emulator/src/crypto/rsa.ts';
import { der, type NameAttribute } from '../../emulator/src/personalise/pki/asn1-helpers.ts';
import { serialFrom } from '../../emulator/src/personalise/pki/test-pki.ts';
import {
  authorityKeyIdentifier,
  basicConstraints,
  extendedKeyUsage,
  issueCertificate,
  keyUsage,
  subjectKeyIdentifier,
  type ExtensionSpec,
} from '../../emulator/src/personalise/pki/x509.ts';

/** A private key and its certificate, both PEM. */
export interface PemKeyPair {
  readonly keyPem: string;
  readonly certPem: string;
}

/** A certification authority able to issue TLS server certificates. */
export interface TlsAuthority extends PemKeyPair {
  readonly key: RsaPrivateKey;
  readonly subject: readonly NameAttribute[];
}

export const DEFAULT_SP_KEY_SEED = 'ciebench-sp-v1';

const ORG = 'CIE Bench (synthetic, NOT VALID)';
/** Fixed validity (UTC): constants, never the wall clock, so a seed always gives the same bytes. */
const VALID_FROM = new Date('2024-01-01T00:00:00Z');
const VALID_TO = new Date('2044-01-01T00:00:00Z');
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';

const keyCache = new Map<string, RsaPrivateKey>();

/** RSA-2048 from `seed` (about a second the first time; cached for the life of the process). */
export function seededRsaKey(seed: string): RsaPrivateKey {
  let key = keyCache.get(seed);
  if (!key) {
    key = generateRsaKey(seededRng(`ciebench-sp-key|${seed}`), 2048);
    keyCache.set(seed, key);
  }
  return key;
}

export function derToPem(label: string, bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export function privateKeyPem(key: RsaPrivateKey): string {
  return String(rsaPrivateKeyObject(key).export({ type: 'pkcs8', format: 'pem' }));
}

/** Base64 of the DER certificate inside a PEM (the content of a `ds:X509Certificate`). */
export function certificateBase64(certPem: string): string {
  return new X509Certificate(certPem).raw.toString('base64');
}

/** The bigint form of an RSA private key given as PEM (to issue certificates with it). */
export function rsaPrivateKeyFromPem(pem: string): RsaPrivateKey {
  const jwk = createPrivateKey(pem).export({ format: 'jwk' });
  const big = (v: string | undefined, name: string): bigint => {
    if (!v) throw new Error(`RSA private key: JWK member ${name} missing (not an RSA key?)`);
    return BigInt(`0x${Buffer.from(v, 'base64url').toString('hex')}`);
  };
  return {
    n: big(jwk.n, 'n'),
    e: big(jwk.e, 'e'),
    d: big(jwk.d, 'd'),
    p: big(jwk.p, 'p'),
    q: big(jwk.q, 'q'),
  };
}

/** Self-signed SAML signing certificate of the SP (CN = the host of its entityID). */
export function spSigningMaterial(seed: string, commonName: string): PemKeyPair {
  const key = seededRsaKey(`${seed}|saml-signing`);
  const subject: NameAttribute[] = [
    ['CN', commonName],
    ['O', ORG],
    ['C', 'IT'],
  ];
  const cert = issueCertificate({
    serialNumber: serialFrom(`ciebench-sp|${seed}|saml-signing|${commonName}`),
    subject,
    issuer: subject,
    notBefore: VALID_FROM,
    notAfter: VALID_TO,
    subjectKey: key,
    issuerKey: key,
    signature: { kind: 'pkcs1', hash: 'sha256' },
    extensions: [subjectKeyIdentifier(key), keyUsage([0, 1])],
  });
  return { keyPem: privateKeyPem(key), certPem: derToPem('CERTIFICATE', cert) };
}

const authorityCache = new Map<string, TlsAuthority>();

/** The SP's own TLS authority "CIE Bench TEST SP TLS CA" for `seed`. */
export function spTlsAuthority(seed: string = DEFAULT_SP_KEY_SEED): TlsAuthority {
  let ca = authorityCache.get(seed);
  if (!ca) {
    const key = seededRsaKey(`${seed}|tls-ca`);
    const subject: NameAttribute[] = [
      ['CN', 'CIE Bench TEST SP TLS CA'],
      ['OU', 'Synthetic test PKI - not for production use'],
      ['O', ORG],
      ['C', 'IT'],
    ];
    const cert = issueCertificate({
      serialNumber: serialFrom(`ciebench-sp|${seed}|tls-ca`),
      subject,
      issuer: subject,
      notBefore: VALID_FROM,
      notAfter: VALID_TO,
      subjectKey: key,
      issuerKey: key,
      signature: { kind: 'pkcs1', hash: 'sha256' },
      extensions: [subjectKeyIdentifier(key), keyUsage([5, 6]), basicConstraints(true, 0)],
    });
    ca = { key, subject, keyPem: privateKeyPem(key), certPem: derToPem('CERTIFICATE', cert) };
    authorityCache.set(seed, ca);
  }
  return ca;
}

/** An authority given as PEM (its certificate's subject is reused as the issuer name). */
export function tlsAuthorityFromPem(pair: PemKeyPair): TlsAuthority {
  const cert = new X509Certificate(pair.certPem);
  if (!cert.ca) throw new Error('TLS authority: the certificate is not a CA certificate');
  return {
    ...pair,
    key: rsaPrivateKeyFromPem(pair.keyPem),
    subject: subjectAttributes(cert),
  };
}

/** subjectAltName (RFC 5280 §4.2.1.6): dNSName [2] IA5String, iPAddress [7] OCTET STRING. */
export function subjectAltName(hosts: readonly string[]): ExtensionSpec {
  const names = hosts.map((h) => {
    const family = isIP(h);
    if (family === 4)
      return new asn1js.Primitive({
        idBlock: { tagClass: 3, tagNumber: 7 },
        valueHex: Uint8Array.from(h.split('.').map(Number)),
      });
    if (family === 6) throw new Error(`subjectAltName: IPv6 address ${h} is not supported`);
    return new asn1js.Primitive({
      idBlock: { tagClass: 3, tagNumber: 2 },
      valueHex: new TextEncoder().encode(h),
    });
  });
  return {
    oid: OID_SUBJECT_ALT_NAME,
    critical: false,
    value: der(new asn1js.Sequence({ value: names })),
  };
}

/** A TLS server certificate for `hosts` (first one is the CN) issued by `authority`. */
export function issueTlsServerCertificate(
  authority: TlsAuthority,
  hosts: readonly string[],
  seed: string = DEFAULT_SP_KEY_SEED,
): PemKeyPair {
  const first = hosts[0];
  if (!first) throw new Error('TLS server certificate: at least one host name is needed');
  const key = seededRsaKey(`${seed}|tls-server`);
  const cert = issueCertificate({
    serialNumber: serialFrom(`ciebench-sp|${seed}|tls|${hosts.join(',')}`),
    subject: [
      ['CN', first],
      ['O', ORG],
      ['C', 'IT'],
    ],
    issuer: authority.subject,
    notBefore: VALID_FROM,
    notAfter: VALID_TO,
    subjectKey: key,
    issuerKey: authority.key,
    signature: { kind: 'pkcs1', hash: 'sha256' },
    extensions: [
      authorityKeyIdentifier(authority.key),
      subjectKeyIdentifier(key),
      keyUsage([0, 2]),
      extendedKeyUsage([OID_SERVER_AUTH]),
      basicConstraints(false),
      subjectAltName(hosts),
    ],
  });
  return { keyPem: privateKeyPem(key), certPem: derToPem('CERTIFICATE', cert) };
}

const SUBJECT_KEYS: Record<string, NameAttribute[0]> = {
  CN: 'CN',
  O: 'O',
  OU: 'OU',
  C: 'C',
  serialNumber: 'serialNumber',
  SN: 'SN',
  GN: 'GN',
};

/** The subject of a certificate as name attributes (one per line of Node's subject string). */
function subjectAttributes(cert: X509Certificate): NameAttribute[] {
  const out: NameAttribute[] = [];
  for (const line of cert.subject.split('\n')) {
    const eq = line.indexOf('=');
    const type = SUBJECT_KEYS[line.slice(0, eq)];
    if (eq < 0 || !type) throw new Error(`TLS authority: unsupported subject attribute '${line}'`);
    out.push([type, line.slice(eq + 1)]);
  }
  return out;
}
