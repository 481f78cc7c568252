/**
 * What the IdP checks on a card's authentication certificate before it trusts a login
 * (L3-PROTOCOL.md §6, rows 6–10): it parses as X.509, it was issued by a trusted citizen
 * authentication CA (the bench TEST holder CA by default, plus any CA a lab adds), it is within
 * its validity on the IdP's clock, it is not on a CRL of its issuer (RFC 5280 §6.3, CRL signature
 * verified with the issuer's key), and, for the hybrid flow, its subject `serialNumber` is
 * `IDCIT-<card serial typed by the user>`. It then reads the citizen's names and fiscal code from
 * the subject (`GN`, `SN`, `CN = <fiscal code>/<NIS>`).
 */
import { createVerify, X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import { trimDer } from '../../../harness/terminals/ias/validation.ts';

export type CertRefusal =
  'CERT_MALFORMED' | 'CERT_UNTRUSTED' | 'CERT_EXPIRED' | 'CERT_REVOKED' | 'SERIAL_MISMATCH';

export interface CardIdentity {
  readonly givenName: string;
  readonly surname: string;
  readonly fiscalCode: string;
  /** The document number from `serialNumber=IDCIT-…`. */
  readonly cardSerial: string;
  readonly certificate: X509Certificate;
  readonly der: Uint8Array;
}

export type CertCheck =
  | { readonly ok: true; readonly identity: CardIdentity }
  | { readonly ok: false; readonly code: CertRefusal; readonly detail: string };

/** Subject attributes of a Node X509Certificate (`KEY=value` lines, `\`-escapes removed). */
export function subjectAttributes(cert: X509Certificate): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of cert.subject.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1).replace(/\\(.)/g, '$1'));
  }
  return out;
}

function serialHex(cert: X509Certificate): string {
  return cert.serialNumber.toUpperCase().replace(/^(00)+(?=[0-9A-F])/, '');
}

interface ParsedCrl {
  readonly issuer: X509Certificate;
  readonly revoked: ReadonlySet<string>;
}

/** Parses and verifies a DER CRL against the trusted CAs; undefined when no CA signed it. */
function parseCrl(der: Uint8Array, cas: readonly X509Certificate[]): ParsedCrl | undefined {
  let crl: pkijs.CertificateRevocationList;
  try {
    crl = pkijs.CertificateRevocationList.fromBER(der.slice());
  } catch {
    return undefined;
  }
  const tbs = new Uint8Array(crl.tbsView);
  const sig = new Uint8Array(crl.signatureValue.valueBlock.valueHexView);
  const issuer = cas.find((ca) => {
    try {
      return (
        crl.signature.algorithmId === '1.2.840.113549.1.1.11' &&
        createVerify('RSA-SHA256').update(tbs).verify(ca.publicKey, sig)
      );
    } catch {
      return false;
    }
  });
  if (!issuer) return undefined;
  const revoked = new Set(
    (crl.revokedCertificates ?? []).map((r) =>
      toHex(new Uint8Array(r.userCertificate.valueBlock.valueHexView)).replace(
        /^(00)+(?=[0-9A-F])/,
        '',
      ),
    ),
  );
  return { issuer, revoked };
}

export interface TrustOptions {
  /** DER certificates of the trusted citizen-authentication CAs. */
  readonly cas: readonly Uint8Array[];
  /** The CRLs currently published (DER); called on every check, so a changed file takes effect. */
  readonly crls: () => readonly Uint8Array[];
}

export class CardTrust {
  private readonly cas: X509Certificate[];
  private readonly crlSource: () => readonly Uint8Array[];
  private cache: { key: readonly Uint8Array[]; parsed: ParsedCrl[] } | undefined;
  /**
   * Certificates seen, parsed, with the trusted CA that issued them (undefined: none): both are
   * functions of the DER and of this instance's fixed CAs, and a card presents the same
   * certificate at every login. Time, CRL and subject checks still run on every call.
   */
  private readonly seen = new Map<string, { cert: X509Certificate; issuer?: X509Certificate }>();

  constructor(o: TrustOptions) {
    this.cas = o.cas.map((d) => new X509Certificate(d));
    this.crlSource = o.crls;
  }

  get caCertificates(): readonly X509Certificate[] {
    return this.cas;
  }

  private crls(): ParsedCrl[] {
    const list = this.crlSource();
    if (this.cache?.key !== list)
      this.cache = {
        key: list,
        parsed: list.map((d) => parseCrl(d, this.cas)).filter((c): c is ParsedCrl => !!c),
      };
    return this.cache.parsed;
  }

  private parse(der: Uint8Array): { cert: X509Certificate; issuer?: X509Certificate } {
    const id = Buffer.from(der).toString('base64');
    const hit = this.seen.get(id);
    if (hit) return hit;
    const cert = new X509Certificate(der);
    const issuer = this.cas.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
    if (this.seen.size >= 4096) this.seen.clear();
    const entry = issuer ? { cert, issuer } : { cert };
    this.seen.set(id, entry);
    return entry;
  }

  /** The checks of rows 6–10, in order; `expectedSerial` enables the serial check. */
  check(certificate: Uint8Array, now: Date, expectedSerial?: string): CertCheck {
    let der: Uint8Array;
    let parsed: { cert: X509Certificate; issuer?: X509Certificate };
    try {
      der = trimDer(certificate).slice();
      parsed = this.parse(der);
    } catch (e) {
      return {
        ok: false,
        code: 'CERT_MALFORMED',
        detail: `not an X.509 certificate: ${(e as Error).message}`,
      };
    }
    const { cert, issuer } = parsed;
    if (!issuer)
      return {
        ok: false,
        code: 'CERT_UNTRUSTED',
        detail: `issuer '${cert.issuer.replace(/\n/g, ', ')}' is not a trusted CA`,
      };
    if (now < new Date(cert.validFrom) || now > new Date(cert.validTo))
      return {
        ok: false,
        code: 'CERT_EXPIRED',
        detail: `valid ${cert.validFrom} – ${cert.validTo}, now ${now.toISOString()}`,
      };
    const serial = serialHex(cert);
    if (this.crls().some((c) => c.issuer === issuer && c.revoked.has(serial)))
      return {
        ok: false,
        code: 'CERT_REVOKED',
        detail: `serial ${serial} is on the CRL of '${issuer.subject.split('\n').find((l) => l.startsWith('CN=')) ?? ''}'`,
      };
    const subject = subjectAttributes(cert);
    const sn = subject.get('serialNumber') ?? '';
    const cardSerial = sn.startsWith('IDCIT-') ? sn.slice(6) : '';
    if (expectedSerial !== undefined && sn !== `IDCIT-${expectedSerial}`)
      return {
        ok: false,
        code: 'SERIAL_MISMATCH',
        detail: `certificate serialNumber '${sn}' is not 'IDCIT-${expectedSerial}'`,
      };
    const fiscalCode = (subject.get('CN') ?? '').split('/')[0] ?? '';
    if (!/^[A-Z0-9]{16}$/.test(fiscalCode))
      return {
        ok: false,
        code: 'CERT_MALFORMED',
        detail: `CN '${subject.get('CN') ?? ''}' does not start with a fiscal code`,
      };
    return {
      ok: true,
      identity: {
        givenName: subject.get('GN') ?? '',
        surname: subject.get('SN') ?? '',
        fiscalCode,
        cardSerial,
        certificate: cert,
        der,
      },
    };
  }
}
