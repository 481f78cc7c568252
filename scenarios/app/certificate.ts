/**
 * What the app reads from the card's authentication certificate (EF 1003, X.509 v3, RFC 5280):
 * the subject `CN=<fiscal code>/<NIS>, serialNumber=IDCIT-<card serial>, GN, SN, C=IT`
 * (italia/cie-middleware `CSP.cpp` takes the 9 characters after `IDCIT-`; italia/cieid-ios-sdk
 * `CIETagReader.abbina` takes given name 2.5.4.42 and surname 2.5.4.4 and refuses the card with
 * FF01 "certificato non valido" when either is missing), its validity, its issuer chain and
 * (when the user configured CRLs) its revocation status (RFC 5280 §5).
 */
import { X509Certificate } from 'node:crypto';
import { HostError } from '../../emulator/src/host-error.ts';
import * as pkijs from 'pkijs';
import { validateHolderCertificate } from '../../harness/terminals/ias/validation.ts';

const OID_CN = '2.5.4.3';
const OID_SURNAME = '2.5.4.4';
const OID_SERIAL_NUMBER = '2.5.4.5';
const OID_GIVEN_NAME = '2.5.4.42';

export interface HolderIdentity {
  readonly givenName: string;
  readonly surname: string;
  /** The document number after `IDCIT-` (undefined when the attribute is missing or malformed). */
  readonly cardSerial: string | undefined;
  /** CN before the `/` (the fiscal code on real cards). */
  readonly fiscalCode: string | undefined;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export class CertificateFormatError extends HostError {
  readonly code = 'APP_CERTIFICATE_FORMAT';
}

function parse(der: Uint8Array): pkijs.Certificate {
  try {
    return pkijs.Certificate.fromBER(new Uint8Array(der));
  } catch (e) {
    throw new CertificateFormatError(`not an X.509 certificate: ${(e as Error).message}`);
  }
}

function attribute(cert: pkijs.Certificate, oid: string): string | undefined {
  const tv = cert.subject.typesAndValues.find((t) => t.type === oid);
  const v = tv?.value.valueBlock as { value?: unknown } | undefined;
  return typeof v?.value === 'string' ? v.value : undefined;
}

/** Names, card serial, fiscal code and validity; throws {@link CertificateFormatError}. */
export function holderIdentity(der: Uint8Array): HolderIdentity {
  const cert = parse(der);
  const givenName = attribute(cert, OID_GIVEN_NAME);
  const surname = attribute(cert, OID_SURNAME);
  if (!givenName || !surname)
    throw new CertificateFormatError(
      'the subject has no given name (2.5.4.42) or surname (2.5.4.4)',
    );
  const serial = /^IDCIT-(C[A-Z]\d{5}[A-Z]{2})$/.exec(attribute(cert, OID_SERIAL_NUMBER) ?? '');
  const cn = attribute(cert, OID_CN);
  return {
    givenName,
    surname,
    cardSerial: serial?.[1],
    fiscalCode: cn?.split('/')[0],
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
  };
}

export type CertificateVerdict = 'valid' | 'expired' | 'not-yet-valid' | 'revoked' | 'untrusted';

export interface CertificateCheck {
  readonly verdict: CertificateVerdict;
  readonly detail: string;
}

export interface HolderTrust {
  /** DER certificates of the CAs that issue citizen authentication certificates. */
  readonly holderCa: readonly Uint8Array[];
  /** DER CRLs of those CAs (optional: the real app makes no network call at registration). */
  readonly crls?: readonly Uint8Array[];
}

/** Chain to a configured CA, validity at `at`, and the configured CRLs. */
export async function checkHolderCertificate(
  der: Uint8Array,
  trust: HolderTrust,
  at: Date,
): Promise<CertificateCheck> {
  let chain: string;
  try {
    chain = validateHolderCertificate(der, trust.holderCa);
  } catch (e) {
    return { verdict: 'untrusted', detail: (e as Error).message };
  }
  const x = new X509Certificate(der);
  if (at < new Date(x.validFrom))
    return { verdict: 'not-yet-valid', detail: `valid from ${x.validFrom}` };
  if (at > new Date(x.validTo)) return { verdict: 'expired', detail: `expired on ${x.validTo}` };
  const cert = parse(der);
  for (const crlDer of trust.crls ?? []) {
    const crl = pkijs.CertificateRevocationList.fromBER(new Uint8Array(crlDer));
    const issuer = trust.holderCa
      .map((ca) => pkijs.Certificate.fromBER(new Uint8Array(ca)))
      .find((ca) => ca.subject.isEqual(crl.issuer));
    if (!issuer || !(await crl.verify({ issuerCertificate: issuer }))) continue;
    if (crl.isCertificateRevoked(cert))
      return { verdict: 'revoked', detail: 'listed in the CRL of its issuer' };
  }
  return { verdict: 'valid', detail: chain };
}
