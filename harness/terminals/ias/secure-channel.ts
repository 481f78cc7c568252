/**
 * Terminal side of the IAS key agreement and DAPP (ias/README.md §4.1, §5.3), written against the
 * narrow {@link IasLink} (DESIGN.md rule 5). Each function validates what the card returns and
 * throws a TerminalError naming what was wrong.
 */
import { commandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { SW_9000_OK, describeSw } from '../../../emulator/src/apdu/status-words.ts';
import {
  bigIntToBytes,
  bytesToBigInt,
  concatBytes,
  equalBytes,
} from '../../../emulator/src/bytes/bytes.ts';
import {
  findTlvPath,
  parseTlvTree,
  tlv,
  TlvFormatError,
} from '../../../emulator/src/bytes/ber-tlv.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import {
  byteLength,
  type RsaPrivateKey,
  type RsaPublicKey,
} from '../../../emulator/src/crypto/rsa.ts';
import type { Rng } from '../../../emulator/src/crypto/rng.ts';
import { withSsc } from '../../../emulator/src/sm/sm-session.ts';
import { rsaPrivateRaw, rsaPublicRaw } from '../../../emulator/src/crypto/rsa.ts';
import {
  dappSsc,
  externalAuthHash,
  internalAuthHash,
  ISO9796_OVERHEAD,
  iso9796Block,
  issueTerminalCertificate,
  openIso9796Block,
  parseCvCertificate,
  verifyTerminalCertificate,
  type DappTranscript,
} from '../../../emulator/src/applications/ias/dapp-crypto.ts';
import {
  deriveSessionKeys,
  dhKeyPair,
  dhSharedSecret,
  iasSmSession,
  isValidPublicKey,
  type DhGroup,
} from '../../../emulator/src/applications/ias/dh.ts';
import {
  DAPP_CA_PRIVATE_EXPONENT,
  TERMINAL_CERT_OID,
  TERMINAL_CHA_ROLE,
  TERMINAL_CHR,
  TERMINAL_SN_IFD,
} from '../../../emulator/src/applications/ias/interop.ts';
import { swText, TerminalError } from '../common/step-report.ts';
import type { IasLink, Reply } from './ias-link.ts';

export interface CaPublicKey {
  readonly key: RsaPublicKey;
  readonly chr: Uint8Array;
  readonly cha: Uint8Array;
}

export function expectOk(r: Reply, what: string): Uint8Array {
  if (r.sw !== SW_9000_OK)
    throw new TerminalError(
      'UNEXPECTED_SW',
      `${what}: card answered ${swText(r.sw)} (${describeSw(r.sw).text})`,
      r.sw,
    );
  return r.data;
}

function parse(data: Uint8Array, what: string): ReturnType<typeof parseTlvTree> {
  try {
    return parseTlvTree(data);
  } catch (e) {
    if (e instanceof TlvFormatError)
      throw new TerminalError('BAD_RESPONSE', `${what}: ${e.message}`);
    throw e;
  }
}

/** `70 { BF A0 04 { 7F 49 { 81 n, 82 e, 5F20 CHR, 5F4C CHA } } }` (§2.4, order checked). */
export function parseCaPublicKey(data: Uint8Array): CaPublicKey {
  const key = findTlvPath(parse(data, 'CA public key'), [0x70, 0xbfa004, 0x7f49]);
  const kids = key?.children ?? [];
  const order = kids.map((k) => k.tag).join(',');
  if (order !== [0x81, 0x82, 0x5f20, 0x5f4c].join(','))
    throw new TerminalError(
      'BAD_RESPONSE',
      `7F49 children must be 81, 82, 5F20, 5F4C in this order (got ${order})`,
    );
  const [n, e, chr, cha] = kids.map((k) => k.value) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  if (chr.length !== 12 || cha.length !== 7)
    throw new TerminalError('BAD_RESPONSE', 'CHR must be 12 bytes and CHA 7 (§2.4)');
  return { key: { n: bytesToBigInt(n), e: bytesToBigInt(e) }, chr, cha };
}

/** One or all of g, p, q from `70 { BF A1 01 { A3 { … } } }`. */
export function parseDhParameters(data: Uint8Array): Map<number, Uint8Array> {
  const a3 = findTlvPath(parse(data, 'DH parameters'), [0x70, 0xbfa101, 0xa3]);
  if (!a3?.children) throw new TerminalError('BAD_RESPONSE', 'DH parameters not in 70/BFA101/A3');
  return new Map(a3.children.map((c) => [c.tag, c.value]));
}

/** §4.1 step 3: x of |q| bytes with x[0] ≤ q[0], x < q; odd on the desktop. */
export function terminalExponent(group: DhGroup, rng: Rng, odd: boolean): Uint8Array {
  const q = bytesToBigInt(group.q);
  for (;;) {
    const x = rng.bytes(group.q.length);
    if (odd) x[x.length - 1] = (x[x.length - 1] as number) | 1;
    const v = bytesToBigInt(x);
    if (v > 1n && v < q) return x;
  }
}

/** MSE SET KAT (plain, chained) + GET DATA A6 91; opens the SM session (§4.1). */
export async function dhKeyExchange(
  link: IasLink,
  group: DhGroup,
  rng: Rng,
): Promise<DappTranscript> {
  if (group.g.length !== group.p.length)
    throw new TerminalError(
      'BAD_DH_PARAMETERS',
      `g is ${group.g.length} bytes, p ${group.p.length}: g must be left-padded to |p| (§2.4)`,
    );
  const pair = dhKeyPair(group, terminalExponent(group, rng, link.rules.style === 'desktop'));
  const kat = concatBytes(fromHex('80 01 9B 83 01 81'), tlv(0x91, pair.publicKey));
  expectOk(
    await link.plain(commandApdu({ cla: 0x00, ins: 0x22, p1: 0x41, p2: 0xa6, data: kat })),
    'MSE SET KAT',
  );
  const rsp = expectOk(
    await link.plain(
      commandApdu({ cla: 0x00, ins: 0xcb, p1: 0x3f, p2: 0xff, data: fromHex('4D 04 A6 02 91 00') }),
    ),
    'GET DATA A6 91',
  );
  const iccPublic = findTlvPath(parse(rsp, 'card DH public key'), [0xa6, 0x91])?.value;
  if (!iccPublic) throw new TerminalError('BAD_RESPONSE', 'card DH public key not in A6/91');
  if (iccPublic.length !== group.p.length)
    throw new TerminalError(
      'BAD_DH_PUBLIC',
      `PuK.ICC.DH is ${iccPublic.length} bytes; clients need |p| = ${group.p.length} (§2.4)`,
    );
  if (!isValidPublicKey(group, iccPublic))
    throw new TerminalError('BAD_DH_PUBLIC', 'PuK.ICC.DH outside 2..p-2');
  link.session = iasSmSession(
    deriveSessionKeys(dhSharedSecret(group, pair.privateExponent, iccPublic)),
  );
  return { group, ifdPublic: pair.publicKey, iccPublic };
}

const certificateCache = new Map<string, Uint8Array>();

/**
 * The self-issued terminal certificate (§5.3 step 1), checked like MWL: RSA(e)(RSA(d)(x)) = x.
 * The clients rebuild it on every login; it is a deterministic function of the card's CA key and
 * the terminal key (ISO 9796-2 scheme 1 has no randomness), so it is cached per pair: same bytes
 * on the wire, two 2048-bit exponentiations with 2046-bit exponents saved per login.
 */
export function terminalCertificate(ca: CaPublicKey, terminalKey: RsaPublicKey): Uint8Array {
  const id = `${ca.key.n.toString(16)}|${ca.key.e.toString(16)}|${toHex(ca.chr)}|${toHex(ca.cha)}|${terminalKey.n.toString(16)}`;
  const cached = certificateCache.get(id);
  if (cached) return cached;
  const cert = buildTerminalCertificate(ca, terminalKey);
  certificateCache.set(id, cert);
  return cert;
}

function buildTerminalCertificate(ca: CaPublicKey, terminalKey: RsaPublicKey): Uint8Array {
  const k = byteLength(ca.key.n);
  const body = {
    car: ca.chr.subarray(4),
    chr: TERMINAL_CHR,
    cha: concatBytes(ca.cha.subarray(0, 6), Uint8Array.of(TERMINAL_CHA_ROLE)),
    oid: TERMINAL_CERT_OID,
    modulus: bigIntToBytes(terminalKey.n, byteLength(terminalKey.n)),
    exponent: bigIntToBytes(terminalKey.e, 4),
  };
  const caPrivate = { n: ca.key.n, e: DAPP_CA_PRIVATE_EXPONENT };
  const cert = issueTerminalCertificate(body, k, (x) => rsaPublicRaw(caPrivate, x));
  try {
    verifyTerminalCertificate(parseCvCertificate(cert), (x) => rsaPublicRaw(ca.key, x), k);
  } catch {
    throw new TerminalError(
      'CA_KEY_MISMATCH',
      "the card's CA key does not fit the clients' fixed private exponent (§2.4)",
    );
  }
  return cert;
}

export interface DappInput {
  readonly transcript: DappTranscript;
  readonly ca: CaPublicKey;
  /** EF 1004: public part of key 82. */
  readonly iccAuthKey: RsaPublicKey;
  readonly terminalKey: RsaPrivateKey;
  readonly rng: Rng;
}

async function sm(
  link: IasLink,
  what: string,
  ins: number,
  p1: number,
  p2: number,
  data?: Uint8Array,
  ne = 0,
): Promise<Uint8Array> {
  return expectOk(
    await link.protected(commandApdu({ cla: 0x00, ins, p1, p2, ...(data ? { data } : {}), ne })),
    what,
  );
}

/** §5.3 steps 2–8; returns SN.ICC. The session's SSC is re-seeded on success. */
export async function dapp(link: IasLink, d: DappInput): Promise<Uint8Array> {
  const cert = terminalCertificate(d.ca, d.terminalKey);
  await sm(link, 'MSE SET DST', 0x22, 0x81, 0xb6, fromHex('80 01 41 83 01 84'), link.rules.dstLe);
  await sm(link, 'PSO VERIFY CERTIFICATE', 0x2a, 0x00, 0xae, cert);
  await sm(link, 'MSE SET AT (CHR)', 0x22, 0x81, 0xa4, tlv(0x83, TERMINAL_CHR));
  const rndIcc = await sm(link, 'GET CHALLENGE', 0x84, 0x00, 0x00, undefined, 8);
  if (rndIcc.length !== 8)
    throw new TerminalError('BAD_RESPONSE', `challenge of ${rndIcc.length} bytes`);
  const kIfd = byteLength(d.terminalKey.n);
  const prnd = d.rng.bytes(kIfd - ISO9796_OVERHEAD);
  const h = externalAuthHash(prnd, d.transcript, TERMINAL_SN_IFD, rndIcc);
  await sm(
    link,
    'EXTERNAL AUTHENTICATE',
    0x82,
    0x00,
    0x00,
    concatBytes(TERMINAL_SN_IFD, rsaPrivateRaw(d.terminalKey, iso9796Block(prnd, h))),
  );
  await sm(link, 'MSE SET AT (key 82)', 0x22, 0x41, 0xa4, fromHex('84 01 82 80 01 9B'));
  const rndIfd = d.rng.bytes(8);
  const rsp = await sm(link, 'INTERNAL AUTHENTICATE', 0x88, 0x00, 0x00, rndIfd);
  const kIcc = byteLength(d.iccAuthKey.n);
  if (rsp.length !== 8 + kIcc)
    throw new TerminalError(
      'BAD_RESPONSE',
      `INTERNAL AUTHENTICATE returned ${rsp.length} bytes, expected 8 + ${kIcc}`,
    );
  const snIcc = rsp.subarray(0, 8);
  const opened = openIso9796Block(rsaPublicRaw(d.iccAuthKey, rsp.subarray(8)));
  if (!opened)
    throw new TerminalError(
      'DAPP_SIGNATURE_INVALID',
      'card signature does not open to 6A…BC with EF 1004',
    );
  if (!equalBytes(internalAuthHash(opened.m1, d.transcript, snIcc, rndIfd), opened.digest))
    throw new TerminalError('DAPP_SIGNATURE_INVALID', 'card signature hash mismatch');
  link.session = withSsc(link.session ?? failNoSession(), dappSsc(rndIcc, rndIfd));
  return snIcc.slice();
}

function failNoSession(): never {
  throw new TerminalError('NO_SECURE_CHANNEL', 'SM session lost during DAPP');
}
