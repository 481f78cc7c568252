/**
 * What the reference terminal checks in what it receives (ias/README.md §2.5, §5.1 A step 11,
 * §5.1 B): EF.SOD signature and Document Signer chain to a trusted CSCA, data-group hashes over
 * exactly the bytes the desktop hashes, the holder certificate chain, and signatures made by
 * the card's keys.
 */
import { constants, verify, X509Certificate } from 'node:crypto';
import { bytesToBigInt, equalBytes } from '../../../emulator/src/bytes/bytes.ts';
import { parseSingleTlv, TlvFormatError } from '../../../emulator/src/bytes/ber-tlv.ts';
import { rsaPkcs1Type1Recover, type RsaPublicKey } from '../../../emulator/src/crypto/rsa.ts';
import { verifyIssuedBy } from '../../../emulator/src/personalise/pki/chain.ts';
import {
  parseSod,
  SodFormatError,
  type ParsedSod,
} from '../../../emulator/src/personalise/pki/sod.ts';
import { TerminalError } from '../common/step-report.ts';

/** Length of the DER object at the start of `bytes` (clients trim zero padding to it, §2.2). */
export function derLength(bytes: Uint8Array): number {
  if (bytes[0] !== 0x30)
    throw new TerminalError('BAD_FILE', 'file does not start with a DER SEQUENCE');
  const first = bytes[1] ?? 0;
  const n = first < 0x80 ? 0 : first & 0x7f;
  let len = first < 0x80 ? first : 0;
  for (let i = 0; i < n; i++) len = len * 256 + (bytes[2 + i] ?? 0);
  const total = 2 + n + len;
  if (total > bytes.length)
    throw new TerminalError('BAD_FILE', `DER length ${total} exceeds the file (${bytes.length})`);
  return total;
}

export function trimDer(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(0, derLength(bytes));
}

/** EF 1004/1005: DER RSAPublicKey `30 82 01 0A 02 82 01 01 00 <n> 02 03 01 00 01` (§2.2). */
export function parseRsaPublicKeyFile(bytes: Uint8Array): RsaPublicKey {
  try {
    const seq = parseSingleTlv(trimDer(bytes));
    const [n, e] = seq.children ?? [];
    if (seq.tag !== 0x30 || !n || !e || n.tag !== 0x02 || e.tag !== 0x02)
      throw new TerminalError('BAD_FILE', 'not an RSAPublicKey');
    return { n: bytesToBigInt(n.value), e: bytesToBigInt(e.value) };
  } catch (err) {
    if (err instanceof TlvFormatError)
      throw new TerminalError('BAD_FILE', `RSAPublicKey: ${err.message}`);
    throw err;
  }
}

export interface SodCheck {
  readonly sod: ParsedSod;
  readonly chain: string;
  readonly checkedGroups: readonly number[];
}

/** Signature, DS → CSCA (one of `cscas`), and the hash of every given data group. */
export function validateSod(
  bytes: Uint8Array,
  groups: ReadonlyMap<number, Uint8Array>,
  cscas: readonly Uint8Array[],
  at?: Date,
): SodCheck {
  let sod: ParsedSod;
  try {
    sod = parseSod(bytes);
  } catch (e) {
    if (e instanceof SodFormatError) throw new TerminalError('SOD_INVALID', `EF.SOD: ${e.message}`);
    throw e;
  }
  if (!sod.messageDigestMatches())
    throw new TerminalError(
      'SOD_INVALID',
      'EF.SOD messageDigest differs from the LDSSecurityObject hash',
    );
  if (!sod.verifySignature())
    throw new TerminalError(
      'SOD_INVALID',
      'EF.SOD signature does not verify with its DS certificate',
    );
  const chains = cscas.map((c) => verifyIssuedBy(sod.signerCertificate, c, at));
  const good = chains.find((c) => c.ok);
  if (!good)
    throw new TerminalError(
      'SOD_INVALID',
      `DS certificate does not chain to a trusted CSCA (${chains.map((c) => c.detail).join('; ') || 'no CSCA given'})`,
    );
  for (const [dg, content] of groups) {
    if (!sod.verifyDataGroup(dg, content))
      throw new TerminalError(
        'SOD_INVALID',
        `hash of data group ${dg.toString(16).toUpperCase()} does not match EF.SOD`,
      );
  }
  return { sod, chain: good.detail, checkedGroups: [...groups.keys()] };
}

export function validateHolderCertificate(
  cert: Uint8Array,
  holderCas: readonly Uint8Array[],
  at?: Date,
): string {
  const checks = holderCas.map((ca) => verifyIssuedBy(cert, ca, at));
  const good = checks.find((c) => c.ok);
  if (!good)
    throw new TerminalError(
      'CERTIFICATE_INVALID',
      `holder certificate does not chain to a trusted holder CA (${checks.map((c) => c.detail).join('; ') || 'no CA given'})`,
    );
  return good.detail;
}

/** The card's PKCS#1 v1.5 signature over a DigestInfo(SHA-256(message)) checked with the certificate. */
export function verifyHolderSignature(
  cert: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const key = new X509Certificate(cert).publicKey;
  return verify('sha256', message, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
}

/** Servizi INTERNAL AUTHENTICATE: RSA-public(EF 1005) of the signature ends with the challenge (§5.1 B). */
export function verifyServiziSignature(
  key: RsaPublicKey,
  challenge: Uint8Array,
  signature: Uint8Array,
): boolean {
  const recovered = rsaPkcs1Type1Recover(key, signature);
  return recovered !== undefined && equalBytes(recovered, challenge);
}
