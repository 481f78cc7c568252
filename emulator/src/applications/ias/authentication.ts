/**
 * DAPP and signature commands of the IAS application (README.md §5.3, §7):
 *
 * | command                        | needs                                   | failure SW                          |
 * |--------------------------------|-----------------------------------------|-------------------------------------|
 * | PSO VERIFY CERTIFICATE 2A 00 AE | IAS SM, CA key 84 selected (81 B6)      | no SM 6982, wrong step 6985, P1P2 6A86, bad certificate 6A80, unknown CAR 6A88 |
 * | EXTERNAL AUTHENTICATE 82 00 00  | terminal key selected, fresh challenge  | wrong step / no challenge 6985, length 6700, bad signature 6300 (DAPP restarts) |
 * | INTERNAL AUTHENTICATE 88 00 00, key 82 | terminal authenticated           | 6985; RND.IFD not 8 bytes 6700      |
 * | INTERNAL AUTHENTICATE, key 81   | DAPP done and PIN verified              | 6982; data 0 or > k−11 bytes 6700   |
 * | INTERNAL AUTHENTICATE, key 83   | —                                       | 6700                                 |
 * | INTERNAL AUTHENTICATE, no MSE   | an MSE SET AT 41 A4 first               | 6985                                 |
 *
 * The challenge of GET CHALLENGE is consumed by the first EXTERNAL AUTHENTICATE, whatever its
 * outcome (single use). After the DAPP INTERNAL AUTHENTICATE response (which uses the old
 * counter) SSC = RND.ICC[4..8) ‖ RND.IFD[4..8) (§5.3 step 8).
 */
import type { CommandApdu } from '../../apdu/command-apdu.ts';
import { responseApdu, type ResponseApdu } from '../../apdu/response-apdu.ts';
import {
  SW_6300_VERIFICATION_FAILED,
  SW_6700_WRONG_LENGTH,
  SW_6982_SECURITY_STATUS_NOT_SATISFIED,
  SW_6985_CONDITIONS_NOT_SATISFIED,
  SW_6A80_INCORRECT_DATA,
  SW_6A86_INCORRECT_P1P2,
  SW_6A88_REFERENCED_DATA_NOT_FOUND,
  SW_9000_OK,
} from '../../apdu/status-words.ts';
import type { CommandContext, CommandHandler } from '../../card/application.ts';
import { CardError } from '../../card/card-error.ts';
import { bytesToBigInt, concatBytes, equalBytes } from '../../bytes/bytes.ts';
import { byteLength } from '../../crypto/rsa.ts';
import { withSsc } from '../../sm/sm-session.ts';
import {
  rsaPkcs1Type1Sign,
  rsaPrivateRaw,
  rsaPublicRaw,
  type RsaPublicKey,
} from '../../crypto/rsa.ts';
import {
  dappSsc,
  externalAuthHash,
  internalAuthHash,
  ISO9796_OVERHEAD,
  iso9796Block,
  openIso9796Block,
  parseCvCertificate,
  verifyTerminalCertificate,
} from './dapp-crypto.ts';
import {
  KEY_81_HOLDER,
  KEY_82_ICC_AUTH,
  KEY_83_SERVIZI,
  PSO_P1P2_00AE_VERIFY_CERTIFICATE,
} from './ias-constants.ts';
import type { IasCard } from './ias-card.ts';
import { FLAG_DAPP, FLAG_PIN, type SecureChannel } from './ias-state.ts';
import { TERMINAL_CERT_OID } from './interop.ts';

const CAR_OFFSET = 4;
const SN_IFD_LENGTH = 8;
const CHALLENGE_LENGTH = 8;

function requireChannel(ias: IasCard, ctx: CommandContext): SecureChannel {
  const ch = ias.state.boundChannel(ctx);
  if (!ch)
    throw new CardError(SW_6982_SECURITY_STATUS_NOT_SATISFIED, 'needs the IAS secure channel');
  return ch;
}

function requireP1P2(apdu: CommandApdu, value: number): void {
  if (((apdu.p1 << 8) | apdu.p2) !== value) throw new CardError(SW_6A86_INCORRECT_P1P2);
}

/** Recovered blocks of terminal-certificate signatures, by CA key and signature (see below). */
const recovered = new Map<string, Uint8Array>();
const RECOVERED_MAX = 256;

/**
 * The CA's public operation on a certificate signature, remembered per (CA key, signature). The
 * IAS CA key has a public exponent as long as its modulus (README.md §5.3), so this one operation
 * costs as much as a private one without CRT — and the clients present the same self-issued
 * certificate at every login. The result is a pure function of public inputs (no card secret, no
 * card state), so the card's answers are the same bytes; every other check still runs each time.
 */
export function caPublicRaw(ca: RsaPublicKey, signature: Uint8Array): Uint8Array {
  const id = `${ca.n.toString(16)}|${ca.e.toString(16)}|${Buffer.from(signature).toString('hex')}`;
  const hit = recovered.get(id);
  if (hit) return hit.slice();
  const block = rsaPublicRaw(ca, signature);
  if (recovered.size >= RECOVERED_MAX) recovered.clear();
  recovered.set(id, block.slice());
  return block;
}

/** §5.3 step 3. */
export function psoHandler(ias: IasCard): CommandHandler {
  return (ctx, apdu) => {
    requireP1P2(apdu, PSO_P1P2_00AE_VERIFY_CERTIFICATE);
    const ch = requireChannel(ias, ctx);
    if (ch.phase.step !== 'ca-key-selected')
      throw new CardError(
        SW_6985_CONDITIONS_NOT_SATISFIED,
        'MSE SET DST with key 84 must precede PSO VERIFY CERTIFICATE',
      );
    const ca = ias.keys.caPublic;
    let body;
    try {
      const cert = parseCvCertificate(apdu.data);
      if (!equalBytes(cert.car, ias.caChr.subarray(CAR_OFFSET)))
        throw new CardError(
          SW_6A88_REFERENCED_DATA_NOT_FOUND,
          "certificate CAR is not this card's CA",
        );
      body = verifyTerminalCertificate(cert, (x) => caPublicRaw(ca, x), byteLength(ca.n));
    } catch (e) {
      if (e instanceof CardError) throw e;
      ch.phase = { step: 'keys-agreed' };
      throw new CardError(
        SW_6A80_INCORRECT_DATA,
        `terminal certificate rejected: ${(e as Error).message}`,
      );
    }
    if (!equalBytes(body.oid, TERMINAL_CERT_OID))
      throw new CardError(SW_6A80_INCORRECT_DATA, 'certificate OID is not 1.2.162.14890.2.4.1.4');
    if (!equalBytes(body.cha.subarray(0, 6), ias.caCha.subarray(0, 6)))
      throw new CardError(SW_6A80_INCORRECT_DATA, 'CHA does not start with the CA AID');
    const n = bytesToBigInt(body.modulus);
    ch.phase = {
      step: 'certificate-verified',
      ifd: {
        chr: body.chr.slice(),
        key: { n, e: bytesToBigInt(body.exponent) },
        modulusLength: byteLength(n),
      },
    };
    return responseApdu(SW_9000_OK);
  };
}

function externalAuthFails(ch: SecureChannel, why: string): CardError {
  ch.phase = { step: 'keys-agreed' };
  return new CardError(SW_6300_VERIFICATION_FAILED, `EXTERNAL AUTHENTICATE failed: ${why}`);
}

/** §5.3 step 6. */
export function externalAuthenticateHandler(ias: IasCard): CommandHandler {
  return (ctx, apdu) => {
    requireP1P2(apdu, 0x0000);
    const ch = requireChannel(ias, ctx);
    const challenge = ctx.challenge;
    ctx.challenge = undefined;
    const phase = ch.phase;
    if (phase.step !== 'ifd-key-selected')
      throw new CardError(
        SW_6985_CONDITIONS_NOT_SATISFIED,
        'terminal key not selected (MSE SET AT 81 A4)',
      );
    if (!challenge || challenge.length !== CHALLENGE_LENGTH)
      throw new CardError(
        SW_6985_CONDITIONS_NOT_SATISFIED,
        'no unused 8-byte challenge (GET CHALLENGE first)',
      );
    const k = phase.ifd.modulusLength;
    if (apdu.data.length !== SN_IFD_LENGTH + k)
      throw new CardError(SW_6700_WRONG_LENGTH, `expected SN.IFD (8) + signature (${k})`);
    const snIfd = apdu.data.subarray(0, SN_IFD_LENGTH);
    const sig = apdu.data.subarray(SN_IFD_LENGTH);
    if (!equalBytes(snIfd, phase.ifd.chr.subarray(CAR_OFFSET)))
      throw externalAuthFails(ch, 'SN.IFD differs from the certificate CHR');
    let block: Uint8Array;
    try {
      block = rsaPublicRaw(phase.ifd.key, sig);
    } catch {
      throw externalAuthFails(ch, 'signature not below the modulus');
    }
    const opened = openIso9796Block(block);
    if (!opened || opened.m1.length !== k - ISO9796_OVERHEAD)
      throw externalAuthFails(ch, 'recovered block lacks 6A…BC');
    if (!equalBytes(externalAuthHash(opened.m1, ch.transcript, snIfd, challenge), opened.digest))
      throw externalAuthFails(ch, 'hash mismatch');
    ch.phase = { step: 'ifd-authenticated', rndIcc: challenge };
    return responseApdu(SW_9000_OK);
  };
}

function dappInternalAuthenticate(
  ias: IasCard,
  ctx: CommandContext,
  rndIfd: Uint8Array,
): ResponseApdu {
  const ch = requireChannel(ias, ctx);
  const phase = ch.phase;
  if (phase.step !== 'ifd-authenticated')
    throw new CardError(
      SW_6985_CONDITIONS_NOT_SATISFIED,
      'EXTERNAL AUTHENTICATE must succeed first',
    );
  if (rndIfd.length !== CHALLENGE_LENGTH)
    throw new CardError(SW_6700_WRONG_LENGTH, 'RND.IFD must be 8 bytes');
  const key = ias.keys.iccAuth;
  const prnd = ctx.rng.bytes(byteLength(key.n) - ISO9796_OVERHEAD);
  const h = internalAuthHash(prnd, ch.transcript, ias.snIccDapp, rndIfd);
  const sig = rsaPrivateRaw(key, iso9796Block(prnd, h));
  const session = ctx.smSession;
  // Same keys, new counter: the pipeline keeps the flag across the re-seed.
  if (session) ctx.setSmSessionAfterResponse(withSsc(session, dappSsc(phase.rndIcc, rndIfd)));
  ch.phase = { step: 'authenticated' };
  ctx.security.grant(FLAG_DAPP, 'sm-session');
  ias.state.at = undefined;
  ctx.note('DAPP complete: SSC re-seeded from RND.ICC and RND.IFD');
  return responseApdu(SW_9000_OK, concatBytes(ias.snIccDapp, sig));
}

function signWith(ias: IasCard, key: number, data: Uint8Array): Uint8Array {
  const k = key === KEY_81_HOLDER ? ias.keys.holder : ias.keys.servizi;
  if (data.length === 0 || data.length > byteLength(k.n) - 11)
    throw new CardError(
      SW_6700_WRONG_LENGTH,
      'data to sign must be 1..k−11 bytes (PKCS#1 v1.5 type 1)',
    );
  return rsaPkcs1Type1Sign(k, data);
}

/** §5.3 step 7, §7 and §5.1 step 6. */
export function internalAuthenticateHandler(ias: IasCard): CommandHandler {
  return (ctx, apdu) => {
    requireP1P2(apdu, 0x0000);
    const at = ias.state.at;
    if (!at)
      throw new CardError(SW_6985_CONDITIONS_NOT_SATISFIED, 'no key selected (MSE SET AT 41 A4)');
    if (at.key === KEY_82_ICC_AUTH) return dappInternalAuthenticate(ias, ctx, apdu.data);
    if (at.key === KEY_81_HOLDER && !(ctx.security.has(FLAG_DAPP) && ctx.security.has(FLAG_PIN))) {
      throw new CardError(
        SW_6982_SECURITY_STATUS_NOT_SATISFIED,
        'key 81 needs DAPP and a verified PIN',
      );
    }
    if (at.key !== KEY_81_HOLDER && at.key !== KEY_83_SERVIZI)
      throw new CardError(SW_6A88_REFERENCED_DATA_NOT_FOUND);
    return responseApdu(SW_9000_OK, signWith(ias, at.key, apdu.data));
  };
}
