/**
 * Certificate-chain checks used by passive authentication (ICAO 9303-11 §5.1: DS → CSCA) and by
 * the IAS reference terminal (holder certificate → holder CA): issuer name and key identifier
 * match, signature verifies with the issuer's key, and optionally the validity window contains
 * a given date. Built on `node:crypto` X509Certificate (OpenSSL), which verifies PKCS#1 v1.5 and
 * RSASSA-PSS certificate signatures.
 */
import { X509Certificate } from 'node:crypto';

export type ChainProblem =
  'unparsable' | 'issuer-mismatch' | 'bad-signature' | 'not-yet-valid' | 'expired';

export interface ChainCheck {
  readonly ok: boolean;
  readonly problem?: ChainProblem;
  readonly detail: string;
}

function parse(der: Uint8Array): X509Certificate | undefined {
  try {
    return new X509Certificate(der);
  } catch {
    return undefined;
  }
}

/** Whether `certificate` was issued by `issuer` (and, with `at`, is valid on that date). */
export function verifyIssuedBy(certificate: Uint8Array, issuer: Uint8Array, at?: Date): ChainCheck {
  const cert = parse(certificate);
  const ca = parse(issuer);
  if (!cert || !ca)
    return {
      ok: false,
      problem: 'unparsable',
      detail: `${cert ? 'issuer' : 'certificate'} is not a valid X.509 certificate`,
    };
  if (!cert.checkIssued(ca))
    return {
      ok: false,
      problem: 'issuer-mismatch',
      detail: `issuer '${cert.issuer}' is not '${ca.subject}'`,
    };
  if (!cert.verify(ca.publicKey))
    return {
      ok: false,
      problem: 'bad-signature',
      detail: `signature of '${cert.subject}' does not verify with '${ca.subject}'`,
    };
  if (at) {
    if (at < new Date(cert.validFrom))
      return { ok: false, problem: 'not-yet-valid', detail: `valid from ${cert.validFrom}` };
    if (at > new Date(cert.validTo))
      return { ok: false, problem: 'expired', detail: `valid until ${cert.validTo}` };
  }
  return {
    ok: true,
    detail: `'${cert.subject.replace(/\n/g, ', ')}' issued by '${ca.subject.replace(/\n/g, ', ')}'`,
  };
}

/** DS → CSCA (ICAO 9303-11 §5.1 step 3). */
export function verifyDocumentSigner(
  dsCertificate: Uint8Array,
  cscaCertificate: Uint8Array,
  at?: Date,
): ChainCheck {
  return verifyIssuedBy(dsCertificate, cscaCertificate, at);
}
