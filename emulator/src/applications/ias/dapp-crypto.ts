/**
 * The cryptography of device authentication with privacy protection (DAPP, README.md §5.3),
 * shared by the card and the reference terminal:
 *
 * ```
 * ISO/IEC 9796-2 scheme 1 (SHA-256, partial recovery):  block = 6A ‖ M1 ‖ H ‖ BC,  |M1| = k − 34
 * terminal certificate body  M = 8A ‖ CAR(8) ‖ CHR(12) ‖ CHA(7) ‖ OID(9) ‖ n_IFD ‖ e_IFD(4)
 *   SIG = RSA_d_CA(6A ‖ M[0..k−34) ‖ SHA-256(M) ‖ BC),  PkRem = M[k−34..]
 *   7F21 { 5F37 SIG, 5F38 PkRem, 42 CAR }
 * EXTERNAL AUTHENTICATE   h = SHA-256(PRND ‖ PuK.IFD ‖ SN.IFD ‖ RND.ICC ‖ PuK.ICC ‖ g ‖ p ‖ q)
 * INTERNAL AUTHENTICATE   h = SHA-256(PRND ‖ PuK.ICC ‖ SN.ICC ‖ RND.IFD ‖ PuK.IFD ‖ g ‖ p ‖ q)
 *   SIG = RSA_d(6A ‖ PRND ‖ h ‖ BC),  |PRND| = k − 34
 * after INTERNAL AUTHENTICATE   SSC = RND.ICC[4..8) ‖ RND.IFD[4..8)
 * ```
 * RSA itself is passed in as a raw function so the card, the terminal and tests choose how
 * (OpenSSL with CRT, or a public-key object with the clients' huge CA exponent).
 */
import { HostError } from '../../host-error.ts';
import { ByteReader } from '../../bytes/byte-reader.ts';
import { concatBytes, equalBytes } from '../../bytes/bytes.ts';
import { parseTlvTree, findTlv, tlv, TlvFormatError } from '../../bytes/ber-tlv.ts';
import { sha256 } from '../../crypto/hash.ts';
import type { DhGroup } from './dh.ts';
import {
  TAG_42_CAR,
  TAG_5F37_SIGNATURE,
  TAG_5F38_REMAINDER,
  TAG_7F21_CV_CERTIFICATE,
} from './ias-constants.ts';
import { TERMINAL_CPI } from './interop.ts';

export const ISO9796_HEADER = 0x6a;
export const ISO9796_TRAILER = 0xbc;
/** Header (1) + SHA-256 (32) + trailer (1). */
export const ISO9796_OVERHEAD = 34;

export type RawRsa = (input: Uint8Array) => Uint8Array;

export class DappFormatError extends HostError {
  readonly code = 'IAS_DAPP_FORMAT';
}

/** 6A ‖ m1 ‖ digest ‖ BC. */
export function iso9796Block(m1: Uint8Array, digest: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(ISO9796_HEADER), m1, digest, Uint8Array.of(ISO9796_TRAILER));
}

/** Splits a recovered block into (m1, digest), or undefined if header/trailer are wrong. */
export function openIso9796Block(
  block: Uint8Array,
): { m1: Uint8Array; digest: Uint8Array } | undefined {
  if (block.length < ISO9796_OVERHEAD + 1) return undefined;
  if (block[0] !== ISO9796_HEADER || block[block.length - 1] !== ISO9796_TRAILER) return undefined;
  return {
    m1: block.subarray(1, block.length - 33),
    digest: block.subarray(block.length - 33, block.length - 1),
  };
}

export interface TerminalCertificateBody {
  readonly car: Uint8Array;
  readonly chr: Uint8Array;
  readonly cha: Uint8Array;
  readonly oid: Uint8Array;
  readonly modulus: Uint8Array;
  readonly exponent: Uint8Array;
}

export function encodeCertificateBody(b: TerminalCertificateBody): Uint8Array {
  return concatBytes(
    Uint8Array.of(TERMINAL_CPI),
    b.car,
    b.chr,
    b.cha,
    b.oid,
    b.modulus,
    b.exponent,
  );
}

/** Fixed layout of §5.3 step 1 (the exponent is the last 4 bytes). */
export function decodeCertificateBody(m: Uint8Array): TerminalCertificateBody {
  const r = new ByteReader(m);
  try {
    if (r.u8('CPI') !== TERMINAL_CPI)
      throw new DappFormatError('certificate profile indicator is not 8A');
    const car = r.bytes(8, 'CAR');
    const chr = r.bytes(12, 'CHR');
    const cha = r.bytes(7, 'CHA');
    const oid = r.bytes(9, 'OID');
    if (r.remaining < 4 + 64)
      throw new DappFormatError(
        `certificate body too short for a public key (${r.remaining} bytes)`,
      );
    const modulus = r.bytes(r.remaining - 4, 'modulus');
    const exponent = r.rest();
    return { car, chr, cha, oid, modulus, exponent };
  } catch (e) {
    if (e instanceof DappFormatError) throw e;
    throw new DappFormatError(`certificate body: ${(e as Error).message}`);
  }
}

export interface CvCertificate {
  readonly signature: Uint8Array;
  readonly remainder: Uint8Array;
  readonly car: Uint8Array;
}

/** Signs a certificate body with the CA (k = CA modulus length) and builds `7F21 {5F37, 5F38, 42}`. */
export function issueTerminalCertificate(
  body: TerminalCertificateBody,
  k: number,
  caPrivate: RawRsa,
): Uint8Array {
  const m = encodeCertificateBody(body);
  const split = k - ISO9796_OVERHEAD;
  if (m.length <= split)
    throw new DappFormatError('certificate body shorter than the recoverable part');
  const signature = caPrivate(iso9796Block(m.subarray(0, split), sha256(m)));
  return tlv(
    TAG_7F21_CV_CERTIFICATE,
    tlv(TAG_5F37_SIGNATURE, signature),
    tlv(TAG_5F38_REMAINDER, m.subarray(split)),
    tlv(TAG_42_CAR, body.car),
  );
}

export function parseCvCertificate(data: Uint8Array): CvCertificate {
  let top;
  try {
    top = parseTlvTree(data);
  } catch (e) {
    if (e instanceof TlvFormatError) throw new DappFormatError(`certificate TLV: ${e.message}`);
    throw e;
  }
  const cert = findTlv(top, TAG_7F21_CV_CERTIFICATE);
  if (!cert || top.length !== 1) throw new DappFormatError('data is not one 7F21 certificate');
  const signature = findTlv(cert.children, TAG_5F37_SIGNATURE)?.value;
  const remainder = findTlv(cert.children, TAG_5F38_REMAINDER)?.value;
  const car = findTlv(cert.children, TAG_42_CAR)?.value;
  if (!signature || !remainder || !car)
    throw new DappFormatError('certificate lacks 5F37, 5F38 or 42');
  return { signature, remainder, car };
}

/**
 * Recovers and checks a certificate with the CA public operation (§5.3 step 3): block 6A…BC,
 * SHA-256(M1 ‖ PkRem) equal to the recovered hash. Returns the body, or throws.
 */
export function verifyTerminalCertificate(
  cert: CvCertificate,
  caPublic: RawRsa,
  k: number,
): TerminalCertificateBody {
  if (cert.signature.length !== k)
    throw new DappFormatError(`signature of ${cert.signature.length} bytes, CA modulus is ${k}`);
  const opened = openIso9796Block(caPublic(cert.signature));
  if (!opened) throw new DappFormatError('recovered block lacks 6A…BC');
  const m = concatBytes(opened.m1, cert.remainder);
  if (!equalBytes(sha256(m), opened.digest)) throw new DappFormatError('certificate hash mismatch');
  const body = decodeCertificateBody(m);
  if (!equalBytes(body.car, cert.car))
    throw new DappFormatError('DO 42 CAR differs from the CAR in the body');
  return body;
}

export interface DappTranscript {
  readonly group: DhGroup;
  readonly ifdPublic: Uint8Array;
  readonly iccPublic: Uint8Array;
}

/** §5.3 step 6: hash signed by the terminal in EXTERNAL AUTHENTICATE. */
export function externalAuthHash(
  prnd: Uint8Array,
  t: DappTranscript,
  snIfd: Uint8Array,
  rndIcc: Uint8Array,
): Uint8Array {
  return sha256(
    concatBytes(prnd, t.ifdPublic, snIfd, rndIcc, t.iccPublic, t.group.g, t.group.p, t.group.q),
  );
}

/** §5.3 step 7: hash signed by the card in INTERNAL AUTHENTICATE. */
export function internalAuthHash(
  prnd: Uint8Array,
  t: DappTranscript,
  snIcc: Uint8Array,
  rndIfd: Uint8Array,
): Uint8Array {
  return sha256(
    concatBytes(prnd, t.iccPublic, snIcc, rndIfd, t.ifdPublic, t.group.g, t.group.p, t.group.q),
  );
}

/** §5.3 step 8. */
export function dappSsc(rndIcc: Uint8Array, rndIfd: Uint8Array): Uint8Array {
  if (rndIcc.length !== 8 || rndIfd.length !== 8)
    throw new DappFormatError('DAPP challenges must be 8 bytes');
  return concatBytes(rndIcc.subarray(4, 8), rndIfd.subarray(4, 8));
}
