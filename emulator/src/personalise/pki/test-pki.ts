/**
 * The synthetic TEST PKI of CIE Bench, derived deterministically from a seed:
 *
 * ```
 * CSCA  "CIE Bench TEST Country Signing CA"        self-signed, signs the Document Signer
 *  └── DS "CIE Bench TEST Document Signer"         signs EF.SOD of the IAS and eMRTD applications
 * Holder CA "CIE Bench TEST Citizen Authentication CA"   self-signed, issues EF 1003 certificates
 * ```
 * The DS certificate carries the extensions of the real CIE sample in the same order and with the
 * same criticality (ias/README.md §2.5, ICAO 9303-12 §7.1.1): document type list {"C"}, AKI, issuer
 * and subject alternative names (e-mail, directory name L=ITA, URI), CRL distribution point, SKI,
 * private key usage period, key usage digitalSignature (critical) — with synthetic values under
 * the reserved `.invalid` domain. RSA-2048 signed RSASSA-PSS SHA-512 by an RSA-4096 CSCA, like the
 * sample (its DS certificate signature is 512 bytes; the Italian CSCAs of
 * `real-card/italian-csca-certificates.txt` are RSA-4096), so EF.SOD sizes, chunk counts and
 * parsers behave as with a real card. Every name says TEST and "NOT VALID"; nothing here chains to
 * a real authority. Validity dates are constants, never the wall clock, so the same seed gives the
 * same bytes.
 */
import { seededRng } from '../../crypto/rng.ts';
import { generateRsaKey, type RsaPrivateKey } from '../../crypto/rsa.ts';
import type { NameAttribute } from './asn1-helpers.ts';
import {
  authorityKeyIdentifier,
  basicConstraints,
  crlDistributionPoints,
  documentTypeList,
  issuerAltName,
  subjectAltName,
  type GeneralNamesSpec,
  issueCertificate,
  keyUsage,
  privateKeyUsagePeriod,
  subjectKeyIdentifier,
} from './x509.ts';

export interface KeyAndCert {
  /** DER X.509 certificate. */
  readonly certificate: Uint8Array;
  readonly key: RsaPrivateKey;
}

export interface TestPki {
  readonly csca: KeyAndCert;
  readonly documentSigner: KeyAndCert;
  readonly holderCa: KeyAndCert;
}

export const TEST_PKI_ORGANISATION = 'CIE Bench (synthetic, NOT VALID)';
const TEST_OU = 'Synthetic test PKI - not for production use';

export const CSCA_NAME: readonly NameAttribute[] = [
  ['CN', 'CIE Bench TEST Country Signing CA'],
  ['OU', TEST_OU],
  ['O', TEST_PKI_ORGANISATION],
  ['C', 'IT'],
];

export const DOCUMENT_SIGNER_NAME: readonly NameAttribute[] = [
  ['CN', 'CIE Bench TEST Document Signer'],
  ['serialNumber', '00001'],
  ['OU', TEST_OU],
  ['O', TEST_PKI_ORGANISATION],
  ['C', 'IT'],
];

export const HOLDER_CA_NAME: readonly NameAttribute[] = [
  ['CN', 'CIE Bench TEST Citizen Authentication CA'],
  ['OU', TEST_OU],
  ['O', TEST_PKI_ORGANISATION],
  ['C', 'IT'],
];

/**
 * The alternative names the real DS certificate lists (e-mail, L=ITA, web address of the CSCA),
 * synthetic: `.invalid` is reserved by RFC 2606 and never resolves.
 */
export const TEST_CSCA_CONTACT: GeneralNamesSpec = {
  email: 'csca-test@ciebench.invalid',
  directory: [['L', 'ITA']],
  uri: 'https://csca-test.ciebench.invalid/',
};
export const TEST_CSCA_CRL = 'https://csca-test.ciebench.invalid/certificatiCSCA/CRL_CSCA.crl';

/** Key sizes: the CSCA as the Italian ones (RSA-4096), the DS and holder CA RSA-2048. */
export const PKI_KEY_BITS = { csca: 4096, documentSigner: 2048, holderCa: 2048 } as const;

/** Fixed validity windows (UTC). Synthetic documents are issued 2021–2025 (personalise/citizen.ts). */
export const PKI_DATES = {
  cscaFrom: new Date('2020-01-01T00:00:00Z'),
  cscaTo: new Date('2045-01-01T00:00:00Z'),
  dsFrom: new Date('2021-01-01T00:00:00Z'),
  dsTo: new Date('2037-01-01T00:00:00Z'),
  dsKeyUsageTo: new Date('2026-01-01T00:00:00Z'),
  holderCaFrom: new Date('2020-01-01T00:00:00Z'),
  holderCaTo: new Date('2045-01-01T00:00:00Z'),
} as const;

/** Positive serial number of 8 bytes from a seeded stream (RFC 5280 §4.1.2.2). */
export function serialFrom(seed: string): Uint8Array {
  const s = seededRng(seed).bytes(8);
  s[0] = ((s[0] as number) & 0x7f) | 0x10;
  return s;
}

const cache = new Map<string, TestPki>();

function selfSignedCa(
  seed: string,
  role: string,
  name: readonly NameAttribute[],
  key: RsaPrivateKey,
  from: Date,
  to: Date,
): Uint8Array {
  return issueCertificate({
    serialNumber: serialFrom(`ciebench-pki|${seed}|${role}-serial`),
    subject: name,
    issuer: name,
    notBefore: from,
    notAfter: to,
    subjectKey: key,
    issuerKey: key,
    signature: { kind: 'pkcs1', hash: 'sha256' },
    extensions: [subjectKeyIdentifier(key), keyUsage([5, 6]), basicConstraints(true, 0)],
  });
}

/** DS certificate profile of the CIE sample (ias/README.md §2.5), signed RSASSA-PSS SHA-512 by the CSCA. */
function documentSignerCertificate(
  seed: string,
  dsKey: RsaPrivateKey,
  cscaKey: RsaPrivateKey,
): Uint8Array {
  return issueCertificate({
    serialNumber: serialFrom(`ciebench-pki|${seed}|ds-serial`),
    subject: DOCUMENT_SIGNER_NAME,
    issuer: CSCA_NAME,
    notBefore: PKI_DATES.dsFrom,
    notAfter: PKI_DATES.dsTo,
    subjectKey: dsKey,
    issuerKey: cscaKey,
    signature: { kind: 'pss', hash: 'sha512', saltLength: 64 },
    // The order and criticality of the real DS certificate (ias_EF.SOD_sample.asn1.txt).
    extensions: [
      documentTypeList(['C']),
      authorityKeyIdentifier(cscaKey),
      issuerAltName(TEST_CSCA_CONTACT),
      subjectAltName(TEST_CSCA_CONTACT),
      crlDistributionPoints(TEST_CSCA_CRL),
      subjectKeyIdentifier(dsKey),
      privateKeyUsagePeriod(PKI_DATES.dsFrom, PKI_DATES.dsKeyUsageTo),
      keyUsage([0]),
    ],
  });
}

function build(seed: string): TestPki {
  const keyOf = (role: string, bits: number): RsaPrivateKey =>
    generateRsaKey(seededRng(`ciebench-pki|${seed}|${role}`), bits);
  const cscaKey = keyOf('csca', PKI_KEY_BITS.csca);
  const dsKey = keyOf('document-signer', PKI_KEY_BITS.documentSigner);
  const holderCaKey = keyOf('holder-ca', PKI_KEY_BITS.holderCa);
  return {
    csca: {
      certificate: selfSignedCa(
        seed,
        'csca',
        CSCA_NAME,
        cscaKey,
        PKI_DATES.cscaFrom,
        PKI_DATES.cscaTo,
      ),
      key: cscaKey,
    },
    documentSigner: { certificate: documentSignerCertificate(seed, dsKey, cscaKey), key: dsKey },
    holderCa: {
      certificate: selfSignedCa(
        seed,
        'holder-ca',
        HOLDER_CA_NAME,
        holderCaKey,
        PKI_DATES.holderCaFrom,
        PKI_DATES.holderCaTo,
      ),
      key: holderCaKey,
    },
  };
}

/**
 * The test PKI for `seed` (an RSA-4096 and two RSA-2048 keys, a few seconds of key generation the
 * first time; cached per seed for the life of the process).
 */
export function generateTestPki(seed: string): TestPki {
  let pki = cache.get(seed);
  if (!pki) {
    pki = build(seed);
    cache.set(seed, pki);
  }
  return pki;
}

/** The seed of the PKI every card shares unless told otherwise (one CSCA per "country"). */
export const DEFAULT_PKI_SEED = 'ciebench-test-pki-v1';
