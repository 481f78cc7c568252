/**
 * The holder's authentication certificate (EF 1003, key 81), issued by the test holder CA.
 * Subject per ias/README.md §2.2 notes: `CN = <codice fiscale>/<NIS>`, `serialNumber = IDCIT-<9-char
 * document number>` (the Windows CSP reads the card serial at chars 6..14), `GN`, `SN`, `C=IT`;
 * the exact RDN order of real cards is not published [inferred]. Validity = the document's
 * issue and expiry dates (from the seed, never the wall clock).
 */
import type { RsaPublicKey } from '../../crypto/rsa.ts';
import type { Citizen } from '../citizen.ts';
import { OID } from '../pki/asn1-helpers.ts';
import { HOLDER_CA_NAME, serialFrom, type KeyAndCert } from '../pki/test-pki.ts';
import {
  authorityKeyIdentifier,
  extendedKeyUsage,
  issueCertificate,
  keyUsage,
  subjectKeyIdentifier,
} from '../pki/x509.ts';
import { rsaPublicKeyObject } from '../../crypto/rsa.ts';
import { X509Certificate } from 'node:crypto';

/** A validity other than the document's (an expired card, a re-issued certificate). */
export interface CertificateValidity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export function holderCertificate(
  citizen: Citizen,
  holderKey: RsaPublicKey,
  holderCa: KeyAndCert,
  validity?: CertificateValidity,
): Uint8Array {
  const caPublic = new X509Certificate(holderCa.certificate).publicKey;
  const caKey = holderCa.key;
  // The CA key object and its certificate must agree (a stale image would break the chain).
  if (!caPublic.equals(rsaPublicKeyObject(caKey)))
    throw new Error('holder CA key does not match its certificate');
  return issueCertificate({
    // A re-issued certificate gets its own serial number (RFC 5280 §4.1.2.2: unique per CA).
    serialNumber: serialFrom(
      validity
        ? `ciebench-holder-cert|${citizen.seed}|${validity.notBefore.toISOString()}|${validity.notAfter.toISOString()}`
        : `ciebench-holder-cert|${citizen.seed}`,
    ),
    subject: [
      ['C', 'IT'],
      ['SN', citizen.surname],
      ['GN', citizen.givenName],
      ['serialNumber', `IDCIT-${citizen.document.number}`],
      ['CN', `${citizen.fiscalCode}/${citizen.nis}`],
    ],
    issuer: HOLDER_CA_NAME,
    notBefore: validity?.notBefore ?? new Date(`${citizen.document.issueDate}T00:00:00Z`),
    notAfter: validity?.notAfter ?? new Date(`${citizen.document.expiryDate}T23:59:59Z`),
    subjectKey: holderKey,
    issuerKey: caKey,
    signature: { kind: 'pkcs1', hash: 'sha256' },
    extensions: [
      authorityKeyIdentifier(caKey),
      subjectKeyIdentifier(holderKey),
      keyUsage([0, 1]),
      extendedKeyUsage([OID.clientAuth]),
    ],
  });
}
