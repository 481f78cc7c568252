/**
 * The bench IdP's own key material, derived deterministically from a seed (so a person trusts the
 * bench TEST TLS CA once and it stays the same across restarts):
 *
 * ```
 * TLS CA  "CIE Bench TEST TLS CA"      self-signed, issues the IdP's server certificate
 *  └── server certificate               SAN: 127.0.0.1, ::1, localhost and the real IdP host names
 *                                       (impersonation), serverAuth
 * SAML signing certificate              self-signed RSA-2048, CN = the IdP host (as the real IdP's
 *                                       metadata certificate, CN=idserver.servizicie.interno.gov.it)
 * ```
 * Every name says TEST; nothing chains to a real authority, and nothing is installed in the
 * machine's trust store. RFC 5280 profiles; dates are constants, never the wall clock.
 */
import { createHash, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import {
  generateRsaKey,
  rsaPrivateKeyObject,
  type RsaPrivateKey,
} from '../../../emulator/src/crypto/rsa.ts';
import { der, type NameAttribute } from '../../../emulator/src/personalise/pki/asn1-helpers.ts';
import { serialFrom, type KeyAndCert } from '../../../emulator/src/personalise/pki/test-pki.ts';
import {
  authorityKeyIdentifier,
  basicConstraints,
  extendedKeyUsage,
  issueCertificate,
  keyUsage,
  subjectKeyIdentifier,
  type ExtensionSpec,
} from '../../../emulator/src/personalise/pki/x509.ts';

export const DEFAULT_IDP_SEED = 'ciebench-idp-v1';
const ORG = 'CIE Bench (synthetic, NOT VALID)';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const SUBJECT_ALT_NAME = '2.5.29.17';

/** Host names of the real CIE IdP (production, pre-production, collaudo) the bench can impersonate. */
export const REAL_IDP_HOSTS = [
  'idserver.servizicie.interno.gov.it',
  'preproduzione.idserver.servizicie.interno.gov.it',
  'collaudo.idserver.servizicie.interno.gov.it',
] as const;

export interface BenchKeys {
  readonly tlsCa: KeyAndCert;
  readonly tlsServer: KeyAndCert;
  /** SAML signing key and certificate, one per published host name. */
  signing(host: string): KeyAndCert;
}

/** RFC 5280 §4.2.1.6: GeneralNames with dNSName [2] and iPAddress [7]. */
function subjectAltName(dns: readonly string[], ips: readonly Uint8Array[]): ExtensionSpec {
  const names = [
    ...dns.map(
      (d) =>
        new asn1js.Primitive({
          idBlock: { tagClass: 3, tagNumber: 2 },
          valueHex: new TextEncoder().encode(d).slice().buffer,
        }),
    ),
    ...ips.map(
      (ip) =>
        new asn1js.Primitive({
          idBlock: { tagClass: 3, tagNumber: 7 },
          valueHex: ip.slice().buffer,
        }),
    ),
  ];
  return {
    oid: SUBJECT_ALT_NAME,
    critical: false,
    value: der(new asn1js.Sequence({ value: names })),
  };
}

const FROM = new Date('2024-01-01T00:00:00Z');
const TO = new Date('2044-01-01T00:00:00Z');

function build(seed: string): BenchKeys {
  const key = (role: string): RsaPrivateKey =>
    generateRsaKey(seededRng(`ciebench-idp|${seed}|${role}`), 2048);
  const caKey = key('tls-ca');
  const caName: NameAttribute[] = [
    ['CN', 'CIE Bench TEST TLS CA'],
    ['O', ORG],
    ['C', 'IT'],
  ];
  const caCert = issueCertificate({
    serialNumber: serialFrom(`ciebench-idp|${seed}|tls-ca`),
    subject: caName,
    issuer: caName,
    notBefore: FROM,
    notAfter: TO,
    subjectKey: caKey,
    issuerKey: caKey,
    signature: { kind: 'pkcs1', hash: 'sha256' },
    extensions: [subjectKeyIdentifier(caKey), keyUsage([5, 6]), basicConstraints(true, 0)],
  });
  const serverKey = key('tls-server');
  const serverCert = issueCertificate({
    serialNumber: serialFrom(`ciebench-idp|${seed}|tls-server`),
    subject: [
      ['CN', 'CIE Bench TEST IdP'],
      ['O', ORG],
      ['C', 'IT'],
    ],
    issuer: caName,
    notBefore: FROM,
    notAfter: TO,
    subjectKey: serverKey,
    issuerKey: caKey,
    signature: { kind: 'pkcs1', hash: 'sha256' },
    extensions: [
      authorityKeyIdentifier(caKey),
      subjectKeyIdentifier(serverKey),
      keyUsage([0, 2]),
      extendedKeyUsage([SERVER_AUTH]),
      subjectAltName(
        ['localhost', ...REAL_IDP_HOSTS],
        [Uint8Array.of(127, 0, 0, 1), Uint8Array.of(...new Array(15).fill(0), 1)],
      ),
    ],
  });
  const signingKey = key('saml-signing');
  const signingCerts = new Map<string, Uint8Array>();
  return {
    tlsCa: { certificate: caCert, key: caKey },
    tlsServer: { certificate: serverCert, key: serverKey },
    signing(host: string): KeyAndCert {
      let cert = signingCerts.get(host);
      if (!cert) {
        const name: NameAttribute[] = [
          ['CN', host],
          ['O', ORG],
          ['C', 'IT'],
        ];
        cert = issueCertificate({
          serialNumber: serialFrom(`ciebench-idp|${seed}|saml-signing|${host}`),
          subject: name,
          issuer: name,
          notBefore: FROM,
          notAfter: TO,
          subjectKey: signingKey,
          issuerKey: signingKey,
          signature: { kind: 'pkcs1', hash: 'sha256' },
          extensions: [subjectKeyIdentifier(signingKey)],
        });
        signingCerts.set(host, cert);
      }
      return { certificate: cert, key: signingKey };
    },
  };
}

const cache = new Map<string, BenchKeys>();

/** The key material for `seed` (three RSA-2048 keys from seeded streams; cached per process). */
export function benchKeys(seed: string = DEFAULT_IDP_SEED): BenchKeys {
  let k = cache.get(seed);
  if (!k) {
    k = build(seed);
    cache.set(seed, k);
  }
  return k;
}

/** PEM of a DER certificate. */
export function certificatePem(certDer: Uint8Array): string {
  return new X509Certificate(certDer).toString();
}

/** PKCS#8 PEM of a private key. */
export function privateKeyPem(key: RsaPrivateKey): string {
  return rsaPrivateKeyObject(key).export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** Base64 of the certificate body (the content of ds:X509Certificate). */
export function certificateBase64(certDer: Uint8Array): string {
  return Buffer.from(certDer).toString('base64');
}

/**
 * Base64 SHA-256 of the certificate's SubjectPublicKeyInfo: the form Chromium's
 * `--ignore-certificate-errors-spki-list` takes (so a bench-launched browser trusts exactly this
 * key without touching any trust store).
 */
export function spkiSha256Base64(certDer: Uint8Array): string {
  const spki = new X509Certificate(certDer).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}
