/**
 * X.509 v3 certificate issuing for the test PKI (RFC 5280 §4.1), built with asn1js and signed
 * synchronously (so personalisation stays a pure function of the seed):
 *
 * ```
 * Certificate    ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
 * TBSCertificate ::= SEQUENCE { version [0] EXPLICIT 2, serialNumber, signature, issuer,
 *                               validity { notBefore, notAfter }, subject, subjectPublicKeyInfo,
 *                               extensions [3] EXPLICIT SEQUENCE OF Extension }
 * Extension      ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 * ```
 * Times before 2050 are UTCTime, later ones GeneralizedTime (RFC 5280 §4.1.2.5).
 */
import * as asn1js from 'asn1js';
import { sha1 } from '../../crypto/hash.ts';
import type { RsaPrivateKey, RsaPublicKey } from '../../crypto/rsa.ts';
import {
  der,
  distinguishedName,
  OID,
  oid,
  parseDer,
  pkcs1SignatureAlgorithm,
  pssSignatureAlgorithm,
  type NameAttribute,
} from './asn1-helpers.ts';
import { rsaPublicKeyObject } from '../../crypto/rsa.ts';
import { signPkcs1, signPss, type RsaSignatureScheme } from './rsa-signatures.ts';

export type CertificateSignature = RsaSignatureScheme;

export interface ExtensionSpec {
  readonly oid: string;
  readonly critical: boolean;
  /** DER of the extension value (the content of extnValue). */
  readonly value: Uint8Array;
}

export interface CertificateSpec {
  readonly serialNumber: Uint8Array;
  readonly subject: readonly NameAttribute[];
  readonly issuer: readonly NameAttribute[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subjectKey: RsaPublicKey;
  readonly issuerKey: RsaPrivateKey;
  readonly signature: CertificateSignature;
  readonly extensions: readonly ExtensionSpec[];
}

function time(d: Date): asn1js.BaseBlock {
  return d.getUTCFullYear() < 2050
    ? new asn1js.UTCTime({ valueDate: d })
    : new asn1js.GeneralizedTime({ valueDate: d });
}

export function subjectPublicKeyInfoDer(key: RsaPublicKey): Uint8Array {
  const spki = rsaPublicKeyObject(key).export({ type: 'spki', format: 'der' });
  return new Uint8Array(spki.buffer, spki.byteOffset, spki.length);
}

/** DER RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 §A.1.1). */
export function rsaPublicKeyDer(key: RsaPublicKey): Uint8Array {
  const pkcs1 = rsaPublicKeyObject(key).export({ type: 'pkcs1', format: 'der' });
  return new Uint8Array(pkcs1.buffer, pkcs1.byteOffset, pkcs1.length);
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifier(key: RsaPublicKey): Uint8Array {
  return sha1(rsaPublicKeyDer(key));
}

function signatureAlgorithm(s: CertificateSignature): asn1js.Sequence {
  return s.kind === 'pkcs1'
    ? pkcs1SignatureAlgorithm(s.hash)
    : pssSignatureAlgorithm(s.hash, s.saltLength);
}

function extensionsBlock(list: readonly ExtensionSpec[]): asn1js.Constructed {
  const exts = list.map((e) => {
    const parts: asn1js.BaseBlock[] = [oid(e.oid)];
    if (e.critical) parts.push(new asn1js.Boolean({ value: true }));
    parts.push(new asn1js.OctetString({ valueHex: e.value.slice() }));
    return new asn1js.Sequence({ value: parts });
  });
  return new asn1js.Constructed({
    idBlock: { tagClass: 3, tagNumber: 3 },
    value: [new asn1js.Sequence({ value: exts })],
  });
}

/** Issues and signs a certificate; returns its DER encoding. */
export function issueCertificate(spec: CertificateSpec): Uint8Array {
  const tbs = new asn1js.Sequence({
    value: [
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [new asn1js.Integer({ value: 2 })],
      }),
      new asn1js.Integer({ valueHex: spec.serialNumber.slice() }),
      signatureAlgorithm(spec.signature),
      distinguishedName(spec.issuer),
      new asn1js.Sequence({ value: [time(spec.notBefore), time(spec.notAfter)] }),
      distinguishedName(spec.subject),
      parseDer(subjectPublicKeyInfoDer(spec.subjectKey), 'SubjectPublicKeyInfo'),
      ...(spec.extensions.length > 0 ? [extensionsBlock(spec.extensions)] : []),
    ],
  });
  const tbsDer = der(tbs);
  const s = spec.signature;
  const signature =
    s.kind === 'pkcs1'
      ? signPkcs1(spec.issuerKey, s.hash, tbsDer)
      : signPss(spec.issuerKey, s, tbsDer);
  const cert = new asn1js.Sequence({
    value: [
      parseDer(tbsDer, 'TBSCertificate'),
      signatureAlgorithm(s),
      new asn1js.BitString({ valueHex: signature.slice() }),
    ],
  });
  return der(cert);
}

// --- Extension values (RFC 5280 §4.2.1) ----------------------------------------------------------

export function basicConstraints(ca: boolean, pathLength?: number): ExtensionSpec {
  const parts: asn1js.BaseBlock[] = [];
  if (ca) parts.push(new asn1js.Boolean({ value: true }));
  if (ca && pathLength !== undefined) parts.push(new asn1js.Integer({ value: pathLength }));
  return {
    oid: OID.basicConstraints,
    critical: true,
    value: der(new asn1js.Sequence({ value: parts })),
  };
}

/** KeyUsage bits: 0 digitalSignature, 1 nonRepudiation, 5 keyCertSign, 6 cRLSign. */
export function keyUsage(bits: readonly number[]): ExtensionSpec {
  let mask = 0;
  for (const b of bits) mask |= 0x80 >> b;
  const highest = Math.max(...bits);
  const unused = 7 - highest;
  const bs = new asn1js.BitString({ valueHex: Uint8Array.of(mask), unusedBits: unused });
  return { oid: OID.keyUsage, critical: true, value: der(bs) };
}

export function subjectKeyIdentifier(key: RsaPublicKey): ExtensionSpec {
  return {
    oid: OID.subjectKeyIdentifier,
    critical: false,
    value: der(new asn1js.OctetString({ valueHex: keyIdentifier(key).slice() })),
  };
}

export function authorityKeyIdentifier(issuerKey: RsaPublicKey): ExtensionSpec {
  const ki = new asn1js.Primitive({
    idBlock: { tagClass: 3, tagNumber: 0 },
    valueHex: keyIdentifier(issuerKey).slice(),
  });
  return {
    oid: OID.authorityKeyIdentifier,
    critical: false,
    value: der(new asn1js.Sequence({ value: [ki] })),
  };
}

/** PrivateKeyUsagePeriod ::= SEQUENCE { notBefore [0] GeneralizedTime, notAfter [1] GeneralizedTime }. */
export function privateKeyUsagePeriod(from: Date, to: Date): ExtensionSpec {
  const g = (tagNumber: number, d: Date): asn1js.BaseBlock => {
    const enc = der(new asn1js.GeneralizedTime({ valueDate: d }));
    return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber }, valueHex: enc.slice(2) });
  };
  return {
    oid: OID.privateKeyUsagePeriod,
    critical: false,
    value: der(new asn1js.Sequence({ value: [g(0, from), g(1, to)] })),
  };
}

/**
 * ICAO 9303-12 §7.1.1.3 DocumentTypeList ::= SEQUENCE { version INTEGER (0), docTypeList SET OF
 * PrintableString }; the CIE DS certificate lists {"C"} (ias/README.md §2.5: `30 08 02 01 00 31 03 13 01 43`).
 */
export function documentTypeList(types: readonly string[]): ExtensionSpec {
  const list = new asn1js.Set({
    value: types.map((t) => new asn1js.PrintableString({ value: t })),
  });
  return {
    oid: OID.documentTypeList,
    critical: false,
    value: der(new asn1js.Sequence({ value: [new asn1js.Integer({ value: 0 }), list] })),
  };
}

/**
 * GeneralNames (RFC 5280 §4.2.1.6) of the forms the Italian CSCA and DS certificates use: an
 * rfc822Name [1], a directoryName [4] and a uniformResourceIdentifier [6]
 * (`personalise/pki/real-card/ias_EF.SOD_sample.asn1.txt`).
 */
export interface GeneralNamesSpec {
  readonly email: string;
  readonly directory: readonly NameAttribute[];
  readonly uri: string;
}

function ia5(tagNumber: number, text: string): asn1js.BaseBlock {
  return new asn1js.Primitive({
    idBlock: { tagClass: 3, tagNumber },
    valueHex: new TextEncoder().encode(text).slice(),
  });
}

function generalNames(n: GeneralNamesSpec): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      ia5(1, n.email),
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 4 },
        value: [distinguishedName(n.directory)],
      }),
      ia5(6, n.uri),
    ],
  });
}

/** IssuerAltName (RFC 5280 §4.2.1.7), non-critical as in the real DS certificate. */
export function issuerAltName(n: GeneralNamesSpec): ExtensionSpec {
  return { oid: OID.issuerAltName, critical: false, value: der(generalNames(n)) };
}

/** SubjectAltName (RFC 5280 §4.2.1.6), non-critical as in the real DS certificate. */
export function subjectAltName(n: GeneralNamesSpec): ExtensionSpec {
  return { oid: OID.subjectAltName, critical: false, value: der(generalNames(n)) };
}

/**
 * CRLDistributionPoints (RFC 5280 §4.2.1.13) with one point given by its full name, a URI:
 * `SEQUENCE { SEQUENCE { [0] { [0] { [6] uri } } } }`.
 */
export function crlDistributionPoints(uri: string): ExtensionSpec {
  const ctx = (tagNumber: number, inner: asn1js.BaseBlock): asn1js.Constructed =>
    new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber }, value: [inner] });
  const point = new asn1js.Sequence({ value: [ctx(0, ctx(0, ia5(6, uri)))] });
  return {
    oid: OID.crlDistributionPoints,
    critical: false,
    value: der(new asn1js.Sequence({ value: [point] })),
  };
}

export function extendedKeyUsage(oids: readonly string[]): ExtensionSpec {
  return {
    oid: OID.extKeyUsage,
    critical: false,
    value: der(new asn1js.Sequence({ value: oids.map((o) => oid(o)) })),
  };
}
