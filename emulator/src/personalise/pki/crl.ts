/**
 * Certificate revocation lists of the test PKI (RFC 5280 §5): the holder CA ("CA Autenticazione"
 * of the bench) publishes which holder certificates are revoked, so identity providers can refuse
 * a revoked card (CIE error 23).
 *
 * ```
 * CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
 * TBSCertList ::= SEQUENCE { version INTEGER (v2 = 1), signature AlgorithmIdentifier, issuer Name,
 *     thisUpdate Time, nextUpdate Time,
 *     revokedCertificates SEQUENCE OF SEQUENCE { userCertificate INTEGER, revocationDate Time,
 *                                                crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
 *     crlExtensions [0] EXPLICIT Extensions }          -- AKI (§5.2.1) and CRL number (§5.2.3)
 * ```
 * Signed sha256WithRSAEncryption. Entries carry a reason code (§5.3.1) when one is given.
 */
import * as asn1js from 'asn1js';
import {
  der,
  distinguishedName,
  OID,
  oid,
  parseDer,
  pkcs1SignatureAlgorithm,
  type NameAttribute,
} from './asn1-helpers.ts';
import { signPkcs1 } from './rsa-signatures.ts';
import type { KeyAndCert } from './test-pki.ts';
import { authorityKeyIdentifier, type ExtensionSpec } from './x509.ts';

const CRL_NUMBER = '2.5.29.20';
const REASON_CODE = '2.5.29.21';

/** RFC 5280 §5.3.1 CRLReason values used by the bench. */
export const CRL_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
} as const;
export type CrlReason = keyof typeof CRL_REASONS;

export interface RevokedEntry {
  /** Certificate serial number, big-endian bytes as in the certificate. */
  readonly serialNumber: Uint8Array;
  readonly revocationDate: Date;
  readonly reason?: CrlReason;
}

export interface CrlSpec {
  readonly issuer: KeyAndCert;
  readonly issuerName: readonly NameAttribute[];
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly crlNumber: number;
  readonly revoked: readonly RevokedEntry[];
}

function time(d: Date): asn1js.BaseBlock {
  return d.getUTCFullYear() < 2050
    ? new asn1js.UTCTime({ valueDate: d })
    : new asn1js.GeneralizedTime({ valueDate: d });
}

function extensions(list: readonly ExtensionSpec[]): asn1js.Sequence {
  return new asn1js.Sequence({
    value: list.map(
      (e) =>
        new asn1js.Sequence({
          value: [
            oid(e.oid),
            ...(e.critical ? [new asn1js.Boolean({ value: true })] : []),
            new asn1js.OctetString({ valueHex: e.value.slice() }),
          ],
        }),
    ),
  });
}

function entry(e: RevokedEntry): asn1js.Sequence {
  const parts: asn1js.BaseBlock[] = [
    new asn1js.Integer({ valueHex: e.serialNumber.slice() }),
    time(e.revocationDate),
  ];
  if (e.reason !== undefined)
    parts.push(
      extensions([
        {
          oid: REASON_CODE,
          critical: false,
          value: der(new asn1js.Enumerated({ value: CRL_REASONS[e.reason] })),
        },
      ]),
    );
  return new asn1js.Sequence({ value: parts });
}

/** Issues and signs a CRL; returns its DER encoding. */
export function issueCrl(spec: CrlSpec): Uint8Array {
  const tbs = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 1 }),
      pkcs1SignatureAlgorithm('sha256'),
      distinguishedName(spec.issuerName),
      time(spec.thisUpdate),
      time(spec.nextUpdate),
      ...(spec.revoked.length > 0 ? [new asn1js.Sequence({ value: spec.revoked.map(entry) })] : []),
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [
          extensions([
            authorityKeyIdentifier(spec.issuer.key),
            {
              oid: CRL_NUMBER,
              critical: false,
              value: der(new asn1js.Integer({ value: spec.crlNumber })),
            },
          ]),
        ],
      }),
    ],
  });
  const tbsDer = der(tbs);
  const signature = signPkcs1(spec.issuer.key, 'sha256', tbsDer);
  return der(
    new asn1js.Sequence({
      value: [
        parseDer(tbsDer, 'TBSCertList'),
        pkcs1SignatureAlgorithm('sha256'),
        new asn1js.BitString({ valueHex: signature.slice() }),
      ],
    }),
  );
}

/** PEM armour of a DER CRL (RFC 7468 §5: label "X509 CRL"). */
export function crlPem(crlDer: Uint8Array): string {
  const b64 = Buffer.from(crlDer)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN X509 CRL-----\n${b64}\n-----END X509 CRL-----\n`;
}

export const CRL_OIDS = {
  crlNumber: CRL_NUMBER,
  reasonCode: REASON_CODE,
  aki: OID.authorityKeyIdentifier,
} as const;
