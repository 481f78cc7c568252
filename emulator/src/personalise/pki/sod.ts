/**
 * EF.SOD: the document security object (ICAO 9303-10 §4.6.2, RFC 5652 SignedData), as carried
 * by the eMRTD application and by the CIE IAS application (FID 1006, ias/README.md §2.5).
 *
 * ```
 * 77 L  ContentInfo { id-signedData, [0] SignedData {
 *         version 3, digestAlgorithms { hash },
 *         encapContentInfo { 2.23.136.1.1.1, [0] OCTET STRING LDSSecurityObject },
 *         certificates [0] { DS certificate },
 *         signerInfos { SignerInfo { version 1, issuerAndSerialNumber, digestAlgorithm,
 *                        signedAttrs [0] { contentType, messageDigest }, signatureAlgorithm, signature } } } }
 * LDSSecurityObject ::= SEQUENCE { version (0 | 1), hashAlgorithm,
 *                        dataGroupHashValues SEQUENCE OF { dataGroupNumber INTEGER, hash OCTET STRING },
 *                        ldsVersionInfo { "0108", "040000" } -- version 1 only }
 * ```
 * Data-group numbers are written as a ONE-BYTE INTEGER holding the raw byte (`02 01 A5` for the
 * IAS "DG" A5 = EF 1005, ias/README.md §2.5: "negative" in strict DER, kept as is) and read back the
 * same way, so `Map` keys are the raw bytes (0xA5, 0x1B, 1..16).
 */
import { HostError } from '../../host-error.ts';
import * as asn1js from 'asn1js';
import { ByteReader } from '../../bytes/byte-reader.ts';
import { concatBytes, equalBytes } from '../../bytes/bytes.ts';
import { encodeLength } from '../../bytes/ber-tlv.ts';
import { hash, type HashName } from '../../crypto/hash.ts';
import type { Rng } from '../../crypto/rng.ts';
import {
  der,
  digestAlgorithm,
  hashNameOfOid,
  hashNameOfPkcs1Oid,
  OID,
  oid,
  parseDer,
  pkcs1SignatureAlgorithm,
  pssSignatureAlgorithm,
} from './asn1-helpers.ts';
import {
  signPkcs1,
  signPss,
  verifyPkcs1,
  verifyPss,
  type RsaSignatureScheme,
} from './rsa-signatures.ts';
import type { KeyAndCert } from './test-pki.ts';
import { X509Certificate } from 'node:crypto';

export const TAG_77_SOD = 0x77;

export class SodFormatError extends HostError {
  readonly code = 'SOD_FORMAT';
}

export interface SodOptions {
  readonly hash: HashName;
  readonly signature: 'pkcs1' | 'pss';
  readonly ldsSecurityObjectVersion: 0 | 1;
  readonly signer: KeyAndCert;
  /** PSS salt source; without it the salt is derived from the signed attributes (reproducible). */
  readonly saltRng?: Rng;
}

export interface DataGroupContent {
  readonly number: number;
  readonly content: Uint8Array;
}

/** PSS salt length = hash length, as in the sample (SHA-512, salt 64) and RFC 8017 §9.1 advice. */
const PSS_SALT: Record<HashName, number> = {
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
};

function ldsSecurityObject(dgs: readonly DataGroupContent[], o: SodOptions): Uint8Array {
  const seen = new Set<number>();
  const entries = dgs.map((dg) => {
    if (!Number.isInteger(dg.number) || dg.number < 0 || dg.number > 0xff)
      throw new RangeError(`data group number ${dg.number} is not one byte`);
    if (seen.has(dg.number)) throw new RangeError(`data group ${dg.number} listed twice`);
    seen.add(dg.number);
    return new asn1js.Sequence({
      value: [
        new asn1js.Integer({ valueHex: Uint8Array.of(dg.number) }),
        new asn1js.OctetString({ valueHex: hash(o.hash, dg.content).slice() }),
      ],
    });
  });
  const parts: asn1js.BaseBlock[] = [
    new asn1js.Integer({ value: o.ldsSecurityObjectVersion }),
    digestAlgorithm(o.hash),
    new asn1js.Sequence({ value: entries }),
  ];
  if (o.ldsSecurityObjectVersion === 1) {
    parts.push(
      new asn1js.Sequence({
        value: [
          new asn1js.PrintableString({ value: '0108' }),
          new asn1js.PrintableString({ value: '040000' }),
        ],
      }),
    );
  }
  return der(new asn1js.Sequence({ value: parts }));
}

function attribute(type: string, value: asn1js.BaseBlock): asn1js.Sequence {
  return new asn1js.Sequence({ value: [oid(type), new asn1js.Set({ value: [value] })] });
}

/**
 * The DS certificate's parsed forms, kept per certificate object: a fleet signs thousands of SODs
 * with one DS, and parsing its certificate twice per SOD was a third of the work. asn1js encodes a
 * parsed block without changing it, so one block can sit in many SOD trees.
 */
const signerBlocks = new WeakMap<
  Uint8Array,
  { readonly certificate: asn1js.AsnType; readonly issuerAndSerial: asn1js.Sequence }
>();

function signerBlocksOf(certDer: Uint8Array): {
  readonly certificate: asn1js.AsnType;
  readonly issuerAndSerial: asn1js.Sequence;
} {
  let b = signerBlocks.get(certDer);
  if (!b) {
    b = {
      certificate: parseDer(certDer, 'DS certificate'),
      issuerAndSerial: issuerAndSerial(certDer),
    };
    signerBlocks.set(certDer, b);
  }
  return b;
}

function issuerAndSerial(certDer: Uint8Array): asn1js.Sequence {
  const cert = parseDer(certDer, 'DS certificate') as asn1js.Sequence;
  const tbs = cert.valueBlock.value[0] as asn1js.Sequence;
  const fields = tbs.valueBlock.value;
  // TBSCertificate: [0] version, serialNumber, signature, issuer, ...
  const offset = fields[0]?.idBlock.tagClass === 3 ? 1 : 0;
  const serial = fields[offset];
  const issuer = fields[offset + 2];
  if (!serial || !issuer)
    throw new SodFormatError('DS certificate without serial number or issuer');
  return new asn1js.Sequence({
    value: [parseDer(der(issuer), 'issuer'), parseDer(der(serial), 'serial')],
  });
}

/** Builds EF.SOD (`77 L ContentInfo`) over the given data groups, in the given order. */
export function buildSod(dataGroups: readonly DataGroupContent[], options: SodOptions): Uint8Array {
  const lds = ldsSecurityObject(dataGroups, options);
  const signedAttrs = new asn1js.Set({
    value: [
      attribute(OID.contentType, oid(OID.ldsSecurityObject)),
      attribute(
        OID.messageDigest,
        new asn1js.OctetString({ valueHex: hash(options.hash, lds).slice() }),
      ),
    ],
  });
  const signedAttrsDer = der(signedAttrs);
  const signature =
    options.signature === 'pkcs1'
      ? signPkcs1(options.signer.key, options.hash, signedAttrsDer)
      : signPss(
          options.signer.key,
          { hash: options.hash, saltLength: PSS_SALT[options.hash] },
          signedAttrsDer,
          options.saltRng,
        );
  const sigAlg =
    options.signature === 'pkcs1'
      ? pkcs1SignatureAlgorithm(options.hash)
      : pssSignatureAlgorithm(options.hash, PSS_SALT[options.hash]);
  // signedAttrs is [0] IMPLICIT: same content as the SET that was signed, tag A0 (RFC 5652 §5.4).
  const implicitAttrs = parseDer(
    concatBytes(Uint8Array.of(0xa0), signedAttrsDer.subarray(1)),
    'signedAttrs',
  );
  const signerInfo = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 1 }),
      signerBlocksOf(options.signer.certificate).issuerAndSerial,
      digestAlgorithm(options.hash),
      implicitAttrs,
      sigAlg,
      new asn1js.OctetString({ valueHex: signature.slice() }),
    ],
  });
  const ctx0 = (inner: asn1js.BaseBlock[]): asn1js.Constructed =>
    new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: inner });
  const signedData = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 3 }),
      new asn1js.Set({ value: [digestAlgorithm(options.hash)] }),
      new asn1js.Sequence({
        value: [
          oid(OID.ldsSecurityObject),
          ctx0([new asn1js.OctetString({ valueHex: lds.slice() })]),
        ],
      }),
      ctx0([signerBlocksOf(options.signer.certificate).certificate]),
      new asn1js.Set({ value: [signerInfo] }),
    ],
  });
  const contentInfo = der(
    new asn1js.Sequence({ value: [oid(OID.signedData), ctx0([signedData])] }),
  );
  return concatBytes(
    Uint8Array.of(TAG_77_SOD),
    encodeLength(contentInfo.length),
    contentInfo,
  ).slice();
}

// -------------------------------------------------------------------------------------------------
// Parsing and verification

export type SodSignatureAlgorithm = RsaSignatureScheme;

export interface ParsedSod {
  /** Hash algorithm of the LDSSecurityObject (what the data-group hashes use). */
  readonly hashAlgorithm: HashName;
  /** SignedData digestAlgorithms[0] (what the desktop middleware branches on, ias/README.md §2.5). */
  readonly digestAlgorithm: HashName;
  /** LDSSecurityObject version (0 or 1). */
  readonly version: number;
  readonly ldsVersionInfo?: { readonly ldsVersion: string; readonly unicodeVersion: string };
  readonly dataGroupHashes: ReadonlyMap<number, Uint8Array>;
  /** Data-group numbers in encoded order. */
  readonly dataGroupOrder: readonly number[];
  /** DER of the (first) certificate in SignedData.certificates: the Document Signer. */
  readonly signerCertificate: Uint8Array;
  readonly signatureAlgorithm: SodSignatureAlgorithm;
  /** eContent: DER of the LDSSecurityObject. */
  readonly encapsulatedContent: Uint8Array;
  /** signedAttrs re-tagged as SET (the bytes the signature covers, RFC 5652 §5.4). */
  readonly signedAttributes: Uint8Array;
  readonly messageDigest: Uint8Array;
  readonly signature: Uint8Array;
  /** messageDigest attribute equals the hash of eContent. */
  messageDigestMatches(): boolean;
  /** messageDigest matches AND the signature verifies with the embedded DS certificate. */
  verifySignature(): boolean;
  /** The stored hash of data group `number` equals the hash of `content`. */
  verifyDataGroup(number: number, content: Uint8Array): boolean;
}

function fail(message: string): never {
  throw new SodFormatError(message);
}

function unwrap77(bytes: Uint8Array): Uint8Array {
  const r = new ByteReader(bytes);
  try {
    if (r.u8() !== TAG_77_SOD) fail('EF.SOD does not start with tag 77');
    const first = r.u8();
    const len =
      first < 0x80
        ? first
        : first === 0x81 || first === 0x82 || first === 0x83
          ? r.uint(first & 0x7f)
          : fail('bad length');
    return r.bytes(len).slice();
  } catch (e) {
    if (e instanceof SodFormatError) throw e;
    throw new SodFormatError(`EF.SOD truncated: ${(e as Error).message}`);
  }
}

function seq(block: asn1js.AsnType | undefined, what: string): asn1js.BaseBlock[] {
  if (
    !(block instanceof asn1js.Sequence) &&
    !(block instanceof asn1js.Set) &&
    !(block instanceof asn1js.Constructed)
  )
    fail(`${what}: constructed type expected`);
  return block.valueBlock.value;
}

function oidOf(block: asn1js.AsnType | undefined, what: string): string {
  if (!(block instanceof asn1js.ObjectIdentifier)) fail(`${what}: OBJECT IDENTIFIER expected`);
  return block.valueBlock.toString();
}

function bytesOf(block: asn1js.AsnType | undefined, what: string): Uint8Array {
  if (!(block instanceof asn1js.OctetString)) fail(`${what}: OCTET STRING expected`);
  return new Uint8Array(block.valueBlock.valueHexView).slice();
}

function intOf(block: asn1js.AsnType | undefined, what: string): number {
  if (!(block instanceof asn1js.Integer)) fail(`${what}: INTEGER expected`);
  return block.valueBlock.valueDec;
}

function hashOfAlgId(block: asn1js.AsnType | undefined, what: string): HashName {
  const id = oidOf(seq(block, what)[0], what);
  return hashNameOfOid(id) ?? fail(`${what}: unsupported hash ${id}`);
}

function pssParams(params: asn1js.AsnType | undefined): SodSignatureAlgorithm {
  let h: HashName = 'sha1';
  let saltLength = 20;
  for (const p of params ? seq(params, 'RSASSA-PSS-params') : []) {
    const inner = seq(p, 'PSS parameter')[0];
    if (p.idBlock.tagNumber === 0) h = hashOfAlgId(inner, 'PSS hashAlgorithm');
    if (p.idBlock.tagNumber === 2) saltLength = intOf(inner, 'PSS saltLength');
  }
  return { kind: 'pss', hash: h, saltLength };
}

function signatureAlgorithmOf(
  block: asn1js.AsnType | undefined,
  digest: HashName,
): SodSignatureAlgorithm {
  const parts = seq(block, 'signatureAlgorithm');
  const id = oidOf(parts[0], 'signatureAlgorithm');
  if (id === OID.rsassaPss) return pssParams(parts[1]);
  if (id === OID.rsaEncryption) return { kind: 'pkcs1', hash: digest };
  const h = hashNameOfPkcs1Oid(id);
  return h ? { kind: 'pkcs1', hash: h } : fail(`unsupported signature algorithm ${id}`);
}

interface LdsParts {
  version: number;
  hashAlgorithm: HashName;
  hashes: Map<number, Uint8Array>;
  order: number[];
  ldsVersionInfo?: { ldsVersion: string; unicodeVersion: string };
}

function parseLds(lds: Uint8Array): LdsParts {
  const parts = seq(parseDer(lds, 'LDSSecurityObject'), 'LDSSecurityObject');
  const version = intOf(parts[0], 'LDS version');
  const hashAlgorithm = hashOfAlgId(parts[1], 'LDS hashAlgorithm');
  const hashes = new Map<number, Uint8Array>();
  const order: number[] = [];
  for (const entry of seq(parts[2], 'dataGroupHashValues')) {
    const [num, value] = seq(entry, 'DataGroupHash');
    if (!(num instanceof asn1js.Integer)) fail('dataGroupNumber: INTEGER expected');
    const raw = num.valueBlock.valueHexView;
    if (raw.length !== 1) fail(`dataGroupNumber of ${raw.length} bytes`);
    const n = raw[0] as number;
    if (hashes.has(n)) fail(`data group ${n} hashed twice`);
    hashes.set(n, bytesOf(value, 'dataGroupHashValue'));
    order.push(n);
  }
  const info = parts[3];
  if (info === undefined) return { version, hashAlgorithm, hashes, order };
  const [lv, uv] = seq(info, 'ldsVersionInfo');
  const str = (b: asn1js.AsnType | undefined): string =>
    b instanceof asn1js.PrintableString
      ? b.valueBlock.value
      : fail('ldsVersionInfo: PrintableString expected');
  return {
    version,
    hashAlgorithm,
    hashes,
    order,
    ldsVersionInfo: { ldsVersion: str(lv), unicodeVersion: str(uv) },
  };
}

interface SignerParts {
  digest: HashName;
  signedAttributes: Uint8Array;
  messageDigest: Uint8Array;
  algorithm: SodSignatureAlgorithm;
  signature: Uint8Array;
}

function parseSignerInfo(block: asn1js.AsnType | undefined): SignerParts {
  const parts = seq(block, 'SignerInfo');
  const digest = hashOfAlgId(parts[2], 'SignerInfo digestAlgorithm');
  const attrs = parts[3];
  if (!attrs || attrs.idBlock.tagClass !== 3 || attrs.idBlock.tagNumber !== 0)
    fail('SignerInfo without signedAttrs');
  const raw = new Uint8Array(attrs.valueBeforeDecodeView).slice();
  raw[0] = 0x31;
  let messageDigest: Uint8Array | undefined;
  let contentType: string | undefined;
  for (const a of seq(attrs, 'signedAttrs')) {
    const [type, values] = seq(a, 'Attribute');
    const t = oidOf(type, 'attribute type');
    const v = seq(values, 'attribute values')[0];
    if (t === OID.messageDigest) messageDigest = bytesOf(v, 'messageDigest');
    if (t === OID.contentType) contentType = oidOf(v, 'contentType');
  }
  if (!messageDigest) fail('signedAttrs without messageDigest');
  if (contentType !== OID.ldsSecurityObject)
    fail(`signedAttrs contentType ${contentType ?? 'missing'}`);
  return {
    digest,
    signedAttributes: raw,
    messageDigest,
    algorithm: signatureAlgorithmOf(parts[4], digest),
    signature: bytesOf(parts[5], 'signature'),
  };
}

/** Parses EF.SOD bytes (`77 L …`); throws {@link SodFormatError} with the failing element. */
export function parseSod(bytes: Uint8Array): ParsedSod {
  const contentInfo = seq(parseDer(unwrap77(bytes), 'ContentInfo'), 'ContentInfo');
  if (oidOf(contentInfo[0], 'contentType') !== OID.signedData)
    fail('ContentInfo is not signedData');
  const sd = seq(seq(contentInfo[1], 'ContentInfo [0]')[0], 'SignedData');
  if (intOf(sd[0], 'SignedData version') !== 3) fail('SignedData version is not 3');
  const digestAlgorithm = hashOfAlgId(seq(sd[1], 'digestAlgorithms')[0], 'digestAlgorithms');
  const encap = seq(sd[2], 'encapContentInfo');
  if (oidOf(encap[0], 'eContentType') !== OID.ldsSecurityObject)
    fail('eContentType is not id-icao-ldsSecurityObject');
  const encapsulatedContent = bytesOf(seq(encap[1], 'eContent')[0], 'eContent');
  const certs = sd[3];
  if (!certs || certs.idBlock.tagClass !== 3 || certs.idBlock.tagNumber !== 0)
    fail('SignedData without certificates');
  const certBlock = seq(certs, 'certificates')[0] ?? fail('certificates is empty');
  const signerCertificate = new Uint8Array(certBlock.valueBeforeDecodeView).slice();
  const signerInfos = seq(sd[sd.length - 1], 'signerInfos');
  if (signerInfos.length !== 1) fail(`${signerInfos.length} SignerInfos (one expected)`);
  const signer = parseSignerInfo(signerInfos[0]);
  const lds = parseLds(encapsulatedContent);
  const digestMatches = (): boolean =>
    equalBytes(hash(signer.digest, encapsulatedContent), signer.messageDigest);
  return {
    hashAlgorithm: lds.hashAlgorithm,
    digestAlgorithm,
    version: lds.version,
    ...(lds.ldsVersionInfo ? { ldsVersionInfo: lds.ldsVersionInfo } : {}),
    dataGroupHashes: lds.hashes,
    dataGroupOrder: lds.order,
    signerCertificate,
    signatureAlgorithm: signer.algorithm,
    encapsulatedContent,
    signedAttributes: signer.signedAttributes,
    messageDigest: signer.messageDigest,
    signature: signer.signature,
    messageDigestMatches: digestMatches,
    verifySignature(): boolean {
      if (!digestMatches()) return false;
      const key = new X509Certificate(signerCertificate).publicKey;
      const a = signer.algorithm;
      try {
        return a.kind === 'pss'
          ? verifyPss(key, a, signer.signedAttributes, signer.signature)
          : verifyPkcs1(key, a.hash, signer.signedAttributes, signer.signature);
      } catch {
        return false;
      }
    },
    verifyDataGroup(number: number, content: Uint8Array): boolean {
      const stored = lds.hashes.get(number);
      return stored !== undefined && equalBytes(stored, hash(lds.hashAlgorithm, content));
    },
  };
}
