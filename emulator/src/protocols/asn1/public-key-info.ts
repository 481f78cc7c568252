/**
 * SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) for the Chip Authentication key in DG14
 * (ICAO Doc 9303-11 §9.2.6 ChipAuthenticationPublicKeyInfo; emrtd/README.md §2.9).
 *
 * ```asn1
 * SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
 * -- X9.42 (RFC 3279 §2.3.3):  algorithm dhpublicnumber, parameters DomainParameters ::= SEQUENCE { p, g, q, ... }
 * -- PKCS #3:                  algorithm dhKeyAgreement, parameters DHParameter ::= SEQUENCE { prime, base, privateValueLength OPTIONAL }
 * --   DH subjectPublicKey = DER INTEGER y
 * -- RFC 5480:                 algorithm id-ecPublicKey, parameters namedCurve OID; subjectPublicKey = 04 ‖ x ‖ y
 * ```
 * Which DH algorithm identifier the CIE uses is [open] (emrtd/README.md §2.9): X9.42 is the default,
 * PKCS #3 a personalisation option. A PKCS #3 key carries no q; the domain then uses p − 1 as the
 * order (no subgroup check is possible without q).
 */
import { bigIntToBytes } from '../../bytes/bytes.ts';
import type { Tlv } from '../../bytes/ber-tlv.ts';
import { byteLength } from '../../crypto/rsa.ts';
import { DhDomain, type AgreementDomain } from '../domain/agreement-domain.ts';
import { EcDomain, type CurveName } from '../domain/ec-domain.ts';
import {
  CURVE_OIDS,
  ID_DH_PUBLIC_NUMBER,
  ID_EC_PUBLIC_KEY,
  ID_PKCS3_DH_KEY_AGREEMENT,
} from '../oids.ts';
import {
  childrenOf,
  DerFormatError,
  derBitString,
  derInteger,
  derOid,
  derSequence,
  expectTag,
  parseDer,
  readBitString,
  readInteger,
  readOid,
  TAG_SEQUENCE,
} from './der.ts';

export type DhAlgorithm = 'x942' | 'pkcs3';

export interface ParsedPublicKeyInfo {
  readonly domain: AgreementDomain;
  /** The public key in the encoding PACE/CA use on the wire (DH: padded to |p|; EC: 04‖x‖y). */
  readonly publicKey: Uint8Array;
  readonly algorithm: string;
}

export function encodeDhPublicKeyInfo(
  domain: DhDomain,
  publicKey: Uint8Array,
  algorithm: DhAlgorithm = 'x942',
): Uint8Array {
  const params =
    algorithm === 'x942'
      ? derSequence(derInteger(domain.p), derInteger(domain.g), derInteger(domain.order))
      : derSequence(derInteger(domain.p), derInteger(domain.g));
  const oid = algorithm === 'x942' ? ID_DH_PUBLIC_NUMBER : ID_PKCS3_DH_KEY_AGREEMENT;
  return derSequence(derSequence(derOid(oid), params), derBitString(derInteger(publicKey)));
}

export function encodeEcPublicKeyInfo(domain: EcDomain, publicKey: Uint8Array): Uint8Array {
  const curveOid = CURVE_OIDS[domain.curve] as string;
  return derSequence(
    derSequence(derOid(ID_EC_PUBLIC_KEY), derOid(curveOid)),
    derBitString(publicKey),
  );
}

function parseDh(
  algorithm: string,
  paramsNode: Tlv | undefined,
  key: Uint8Array,
): ParsedPublicKeyInfo {
  const params = childrenOf(expectTag(paramsNode, TAG_SEQUENCE, 'DH parameters'), 'DH parameters');
  const p = readInteger(params[0], 'p');
  const g = readInteger(params[1], 'g');
  const q = algorithm === ID_DH_PUBLIC_NUMBER ? readInteger(params[2], 'q') : p - 1n;
  const domain = new DhDomain({ p, g, q }, `DH ${byteLength(p) * 8}-bit (DG14)`);
  const y = readInteger(parseDer(key), 'DH public value');
  return { domain, publicKey: bigIntToBytes(y, domain.publicKeyLength), algorithm };
}

/** Parses a SubjectPublicKeyInfo into a key-agreement domain and wire-format public key. */
export function parsePublicKeyInfo(spki: Uint8Array | Tlv): ParsedPublicKeyInfo {
  const root = spki instanceof Uint8Array ? parseDer(spki) : spki;
  const [algNode, keyNode] = childrenOf(
    expectTag(root, TAG_SEQUENCE, 'SubjectPublicKeyInfo'),
    'SubjectPublicKeyInfo',
  );
  const alg = childrenOf(
    expectTag(algNode, TAG_SEQUENCE, 'AlgorithmIdentifier'),
    'AlgorithmIdentifier',
  );
  const algorithm = readOid(alg[0], 'algorithm');
  const key = readBitString(keyNode, 'subjectPublicKey');
  if (algorithm === ID_DH_PUBLIC_NUMBER || algorithm === ID_PKCS3_DH_KEY_AGREEMENT)
    return parseDh(algorithm, alg[1], key);
  if (algorithm === ID_EC_PUBLIC_KEY) {
    const curveOid = readOid(alg[1], 'namedCurve');
    const curve = Object.entries(CURVE_OIDS).find(([, oid]) => oid === curveOid)?.[0] as
      CurveName | undefined;
    if (!curve) throw new DerFormatError(`unsupported named curve ${curveOid}`);
    const domain = new EcDomain(curve);
    domain.checkPublicKey(key);
    return { domain, publicKey: key.slice(), algorithm };
  }
  throw new DerFormatError(`unsupported public key algorithm ${algorithm}`);
}
