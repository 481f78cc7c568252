/**
 * Small ASN.1 building blocks over asn1js shared by the X.509 and CMS builders: object
 * identifiers, algorithm identifiers (RFC 4055 for RSASSA-PSS, RFC 5754 for SHA-2 in CMS),
 * distinguished names with one attribute per RDN (RFC 5280 §4.1.2.4) and DER conversion.
 *
 * ```
 * AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
 * RSASSA-PSS-params   ::= SEQUENCE { hashAlgorithm [0], maskGenAlgorithm [1], saltLength [2], trailerField [3] }
 * Name ::= SEQUENCE OF RelativeDistinguishedName;  RDN ::= SET OF AttributeTypeAndValue
 * ```
 */
import { HostError } from '../../host-error.ts';
import * as asn1js from 'asn1js';
import type { HashName } from '../../crypto/hash.ts';

export class Asn1BuildError extends HostError {
  readonly code = 'ASN1_BUILD';
}

export const OID = {
  sha1: '1.3.14.3.2.26',
  sha224: '2.16.840.1.101.3.4.2.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  mgf1: '1.2.840.113549.1.1.8',
  rsassaPss: '1.2.840.113549.1.1.10',
  sha1WithRsa: '1.2.840.113549.1.1.5',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  sha224WithRsa: '1.2.840.113549.1.1.14',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  /** ICAO 9303-10 §4.6.2: id-icao-mrtd-security-ldsSecurityObject. */
  ldsSecurityObject: '2.23.136.1.1.1',
  /** ICAO 9303-12 §7.1.1.3: document type list extension of Document Signer certificates. */
  documentTypeList: '2.23.136.1.1.6.2',
  commonName: '2.5.4.3',
  surname: '2.5.4.4',
  serialNumber: '2.5.4.5',
  country: '2.5.4.6',
  locality: '2.5.4.7',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  givenName: '2.5.4.42',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  privateKeyUsagePeriod: '2.5.29.16',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  crlDistributionPoints: '2.5.29.31',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const HASH_OIDS: Record<HashName, string> = {
  sha1: OID.sha1,
  sha224: OID.sha224,
  sha256: OID.sha256,
  sha384: OID.sha384,
  sha512: OID.sha512,
};
const RSA_PKCS1_OIDS: Record<HashName, string> = {
  sha1: OID.sha1WithRsa,
  sha224: OID.sha224WithRsa,
  sha256: OID.sha256WithRsa,
  sha384: OID.sha384WithRsa,
  sha512: OID.sha512WithRsa,
};

export function hashOid(name: HashName): string {
  return HASH_OIDS[name];
}

export function hashNameOfOid(oid: string): HashName | undefined {
  return (Object.keys(HASH_OIDS) as HashName[]).find((k) => HASH_OIDS[k] === oid);
}

export function pkcs1SignatureOid(name: HashName): string {
  return RSA_PKCS1_OIDS[name];
}

export function hashNameOfPkcs1Oid(oid: string): HashName | undefined {
  return (Object.keys(RSA_PKCS1_OIDS) as HashName[]).find((k) => RSA_PKCS1_OIDS[k] === oid);
}

export function oid(value: string): asn1js.ObjectIdentifier {
  return new asn1js.ObjectIdentifier({ value });
}

/** Digest AlgorithmIdentifier without parameters (RFC 5754 §2: parameters absent), as in the CIE sample SOD. */
export function digestAlgorithm(name: HashName): asn1js.Sequence {
  return new asn1js.Sequence({ value: [oid(hashOid(name))] });
}

/** Hash AlgorithmIdentifier with NULL parameters, the form RFC 4055 §2.1 uses inside PSS parameters. */
function hashAlgWithNull(name: HashName): asn1js.Sequence {
  return new asn1js.Sequence({ value: [oid(hashOid(name)), new asn1js.Null()] });
}

/** sha*WithRSAEncryption with NULL parameters (RFC 4055 §5). */
export function pkcs1SignatureAlgorithm(name: HashName): asn1js.Sequence {
  return new asn1js.Sequence({ value: [oid(pkcs1SignatureOid(name)), new asn1js.Null()] });
}

/** id-RSASSA-PSS with explicit hash, MGF1 hash and salt length (RFC 4055 §3.1), as in the sample SOD. */
export function pssSignatureAlgorithm(name: HashName, saltLength: number): asn1js.Sequence {
  const ctx = (tagNumber: number, inner: asn1js.BaseBlock): asn1js.Constructed =>
    new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber }, value: [inner] });
  const params = new asn1js.Sequence({
    value: [
      ctx(0, hashAlgWithNull(name)),
      ctx(1, new asn1js.Sequence({ value: [oid(OID.mgf1), hashAlgWithNull(name)] })),
      ctx(2, new asn1js.Integer({ value: saltLength })),
    ],
  });
  return new asn1js.Sequence({ value: [oid(OID.rsassaPss), params] });
}

export type NameAttribute = readonly [type: keyof typeof NAME_TYPES, value: string];

const NAME_TYPES = {
  CN: OID.commonName,
  SN: OID.surname,
  serialNumber: OID.serialNumber,
  C: OID.country,
  L: OID.locality,
  O: OID.organization,
  OU: OID.organizationalUnit,
  GN: OID.givenName,
} as const;

/** RFC 5280 §4.1.2.4: C and serialNumber are PrintableString, the others UTF8String. */
function nameValue(type: keyof typeof NAME_TYPES, value: string): asn1js.BaseBlock {
  if (type === 'C' || type === 'serialNumber') {
    if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value))
      throw new Asn1BuildError(`${type} '${value}' is not a PrintableString`);
    return new asn1js.PrintableString({ value });
  }
  return new asn1js.Utf8String({ value });
}

/** Name with one AttributeTypeAndValue per RDN, in the given order. */
export function distinguishedName(attributes: readonly NameAttribute[]): asn1js.Sequence {
  return new asn1js.Sequence({
    value: attributes.map(
      ([type, value]) =>
        new asn1js.Set({
          value: [new asn1js.Sequence({ value: [oid(NAME_TYPES[type]), nameValue(type, value)] })],
        }),
    ),
  });
}

export function der(block: asn1js.BaseBlock): Uint8Array {
  return new Uint8Array(block.toBER(false));
}

/** Parses DER and fails loudly (asn1js reports errors in `offset === -1`). */
export function parseDer(bytes: Uint8Array, what: string): asn1js.AsnType {
  const copy = bytes.slice();
  const r = asn1js.fromBER(copy);
  if (r.offset === -1) throw new Asn1BuildError(`${what}: not valid BER (${r.result.error})`);
  if (r.offset !== copy.length)
    throw new Asn1BuildError(`${what}: ${copy.length - r.offset} trailing byte(s)`);
  return r.result;
}
