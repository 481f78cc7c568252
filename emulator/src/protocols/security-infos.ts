/**
 * SecurityInfos: the content of EF.CardAccess and DG14 (ICAO Doc 9303-11, 8th ed. 2021, §9.2;
 * emrtd/README.md §2.9). Encoders for personalisation, a tolerant parser for terminals and tests.
 *
 * ```asn1
 * SecurityInfos ::= SET OF SecurityInfo
 * SecurityInfo ::= SEQUENCE { protocol OBJECT IDENTIFIER, requiredData ANY, optionalData ANY OPTIONAL }
 * PACEInfo ::= SEQUENCE { protocol id-PACE-*, version INTEGER (2), parameterId INTEGER OPTIONAL }
 * ChipAuthenticationInfo ::= SEQUENCE { protocol id-CA-*, version INTEGER (1), keyId INTEGER OPTIONAL }
 * ChipAuthenticationPublicKeyInfo ::= SEQUENCE { protocol id-PK-DH | id-PK-ECDH,
 *                                                chipAuthenticationPublicKey SubjectPublicKeyInfo,
 *                                                keyId INTEGER OPTIONAL }
 * TerminalAuthenticationInfo ::= SEQUENCE { protocol id-TA, version INTEGER (1), efCVCA FileID OPTIONAL }
 * ```
 * Unknown SecurityInfos are kept as `unknown` (9303-11 §9.2: "inspection systems SHALL ignore").
 */
import type { Tlv } from '../bytes/ber-tlv.ts';
import {
  childrenOf,
  DerFormatError,
  derInteger,
  derOid,
  derSequence,
  derSetOf,
  expectTag,
  parseDer,
  readOid,
  readSmallInteger,
  TAG_SEQUENCE,
  TAG_SET,
} from './asn1/der.ts';
import { parsePublicKeyInfo, type ParsedPublicKeyInfo } from './asn1/public-key-info.ts';
import {
  chipAuthProtocol,
  ID_PK_DH,
  ID_PK_ECDH,
  ID_TA,
  paceProtocol,
  type ChipAuthProtocol,
  type PaceProtocol,
} from './oids.ts';

export interface PaceInfo {
  readonly type: 'pace';
  readonly protocol: PaceProtocol;
  readonly version: number;
  readonly parameterId?: number;
}

export interface ChipAuthInfo {
  readonly type: 'ca';
  readonly protocol: ChipAuthProtocol;
  readonly version: number;
  readonly keyId?: number;
}

export interface ChipAuthPublicKeyInfo {
  readonly type: 'ca-public-key';
  readonly oid: typeof ID_PK_DH | typeof ID_PK_ECDH;
  readonly key: ParsedPublicKeyInfo;
  readonly keyId?: number;
}

export interface TerminalAuthInfo {
  readonly type: 'ta';
  readonly version: number;
}

export interface UnknownSecurityInfo {
  readonly type: 'unknown';
  readonly oid: string;
  readonly raw: Uint8Array;
}

export type SecurityInfo =
  PaceInfo | ChipAuthInfo | ChipAuthPublicKeyInfo | TerminalAuthInfo | UnknownSecurityInfo;

// ---------------------------------------------------------------------------------------------
// Encoding

export function encodePaceInfo(oid: string, parameterId?: number, version = 2): Uint8Array {
  return derSequence(
    derOid(oid),
    derInteger(version),
    ...(parameterId === undefined ? [] : [derInteger(parameterId)]),
  );
}

export function encodeChipAuthInfo(oid: string, keyId?: number, version = 1): Uint8Array {
  return derSequence(
    derOid(oid),
    derInteger(version),
    ...(keyId === undefined ? [] : [derInteger(keyId)]),
  );
}

export function encodeChipAuthPublicKeyInfo(
  oid: string,
  spki: Uint8Array,
  keyId?: number,
): Uint8Array {
  return derSequence(derOid(oid), spki, ...(keyId === undefined ? [] : [derInteger(keyId)]));
}

export function encodeTerminalAuthInfo(version = 1): Uint8Array {
  return derSequence(derOid(ID_TA), derInteger(version));
}

/** SecurityInfos ::= SET OF SecurityInfo (DER sorted). */
export function encodeSecurityInfos(infos: readonly Uint8Array[]): Uint8Array {
  return derSetOf(...infos);
}

// ---------------------------------------------------------------------------------------------
// Parsing

function optionalInt(node: Tlv | undefined, what: string): number | undefined {
  return node === undefined ? undefined : readSmallInteger(node, what);
}

function parseOne(node: Tlv): SecurityInfo {
  const parts = childrenOf(expectTag(node, TAG_SEQUENCE, 'SecurityInfo'), 'SecurityInfo');
  const oid = readOid(parts[0], 'SecurityInfo.protocol');
  const pace = paceProtocol(oid);
  if (pace) {
    const parameterId = optionalInt(parts[2], 'PACEInfo.parameterId');
    return {
      type: 'pace',
      protocol: pace,
      version: readSmallInteger(parts[1], 'PACEInfo.version'),
      ...(parameterId === undefined ? {} : { parameterId }),
    };
  }
  const ca = chipAuthProtocol(oid);
  if (ca) {
    const keyId = optionalInt(parts[2], 'ChipAuthenticationInfo.keyId');
    return {
      type: 'ca',
      protocol: ca,
      version: readSmallInteger(parts[1], 'ChipAuthenticationInfo.version'),
      ...(keyId === undefined ? {} : { keyId }),
    };
  }
  if (oid === ID_PK_DH || oid === ID_PK_ECDH) {
    const key = parsePublicKeyInfo(
      expectTag(parts[1], TAG_SEQUENCE, 'chipAuthenticationPublicKey'),
    );
    const keyId = optionalInt(parts[2], 'ChipAuthenticationPublicKeyInfo.keyId');
    return { type: 'ca-public-key', oid, key, ...(keyId === undefined ? {} : { keyId }) };
  }
  if (oid === ID_TA)
    return {
      type: 'ta',
      version: readSmallInteger(parts[1], 'TerminalAuthenticationInfo.version'),
    };
  return { type: 'unknown', oid, raw: node.raw };
}

/** Parses SecurityInfos (a SET); throws {@link DerFormatError} on malformed structure. */
export function parseSecurityInfos(bytes: Uint8Array): SecurityInfo[] {
  const root = parseDer(bytes);
  if (root.tag !== TAG_SET)
    throw new DerFormatError(`SecurityInfos: tag ${root.tag.toString(16)} instead of 31`);
  return childrenOf(root, 'SecurityInfos').map(parseOne);
}

export function paceInfos(infos: readonly SecurityInfo[]): PaceInfo[] {
  return infos.filter((i): i is PaceInfo => i.type === 'pace');
}
