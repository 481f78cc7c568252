/**
 * MANAGE SECURITY ENVIRONMENT of the IAS application (README.md §3 rows 10, 11, 13, 16, 22, 24):
 *
 * | P1P2  | data (any DO order)             | meaning                                  | state needed      |
 * |-------|---------------------------------|------------------------------------------|-------------------|
 * | 41 A6 | 80 01 9B, 83 01 81, 91 L PuK.IFD | DH key agreement (KAT), chained          | plain             |
 * | 81 B6 | 80 01 41, 83 01 84               | CA key 84 for PSO VERIFY CERTIFICATE     | IAS SM            |
 * | 81 A4 | 83 0C CHR.IFD (also 81 B6 on non-ST) | terminal key for EXTERNAL AUTHENTICATE | certificate verified |
 * | 41 A4 | 84 01 82, 80 01 9B               | ICC key for DAPP INTERNAL AUTHENTICATE   | IAS SM            |
 * | 41 A4 | 84 01 81, 80 01 02               | holder key (sign)                        | any (checked at use) |
 * | 41 A4 | 84 01 83, 80 01 02               | servizi key                              | any               |
 * | x3/x4 | —                                | RESTORE / ERASE: forget selections       | any               |
 *
 * Errors: P1P2 not in the table `6A86` (or handed to an MF extension such as PACE's `C1 A4`);
 * missing or malformed DOs, wrong algorithm `6A80`; unknown key reference or CHR `6A88`; KAT
 * under SM `6985`; SM-only selections outside the IAS session `6982`.
 */
import type { CommandApdu } from '../../apdu/command-apdu.ts';
import { responseApdu, type ResponseApdu } from '../../apdu/response-apdu.ts';
import {
  SW_6982_SECURITY_STATUS_NOT_SATISFIED,
  SW_6985_CONDITIONS_NOT_SATISFIED,
  SW_6A80_INCORRECT_DATA,
  SW_6A86_INCORRECT_P1P2,
  SW_6A88_REFERENCED_DATA_NOT_FOUND,
  SW_9000_OK,
} from '../../apdu/status-words.ts';
import type { CommandContext, CommandHandler } from '../../card/application.ts';
import { CardError } from '../../card/card-error.ts';
import { equalBytes } from '../../bytes/bytes.ts';
import type { Tlv } from '../../bytes/ber-tlv.ts';
import { parseMse } from '../../security/security-environment.ts';
import { dhKeyPair, isValidPublicKey, randomExponent } from './dh.ts';
import {
  ALG_02_RSA_PKCS1,
  ALG_41_ISO9796_SHA256,
  ALG_9B_DH_SHA256,
  DO_80_ALGORITHM,
  DO_83_KEY_REFERENCE,
  DO_84_PRIVATE_KEY_REFERENCE,
  DO_91_EPHEMERAL_PUBLIC,
  KEY_81_DH,
  KEY_81_HOLDER,
  KEY_82_ICC_AUTH,
  KEY_83_SERVIZI,
  KEY_84_CA_PUBLIC,
} from './ias-constants.ts';
import type { IasCard } from './ias-card.ts';
import type { SecureChannel } from './ias-state.ts';

const badData = (why: string): CardError => new CardError(SW_6A80_INCORRECT_DATA, why);

/** The value of each allowed DO; unexpected or repeated DOs are `6A80`. */
function dosOf(dos: readonly Tlv[], allowed: readonly number[]): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  for (const d of dos) {
    if (!allowed.includes(d.tag) || out.has(d.tag))
      throw badData(`unexpected or repeated DO ${d.tag.toString(16)} in MSE`);
    out.set(d.tag, d.value);
  }
  return out;
}

function oneByte(dos: Map<number, Uint8Array>, tag: number): number {
  const v = dos.get(tag);
  if (!v || v.length !== 1) throw badData(`DO ${tag.toString(16)} missing or not one byte`);
  return v[0] as number;
}

function requireChannel(ias: IasCard, ctx: CommandContext): SecureChannel {
  const ch = ias.state.boundChannel(ctx);
  if (!ch)
    throw new CardError(
      SW_6982_SECURITY_STATUS_NOT_SATISFIED,
      'needs the IAS secure channel (DH key agreement first)',
    );
  return ch;
}

function keyAgreement(ias: IasCard, ctx: CommandContext, dos: readonly Tlv[]): void {
  if (ctx.smProtected)
    throw new CardError(
      SW_6985_CONDITIONS_NOT_SATISFIED,
      'MSE SET KAT is sent in plain (README.md §4.1)',
    );
  const d = dosOf(dos, [DO_80_ALGORITHM, DO_83_KEY_REFERENCE, DO_91_EPHEMERAL_PUBLIC]);
  if (oneByte(d, DO_80_ALGORITHM) !== ALG_9B_DH_SHA256) throw badData('KAT algorithm is not 9B');
  if (oneByte(d, DO_83_KEY_REFERENCE) !== KEY_81_DH)
    throw new CardError(SW_6A88_REFERENCED_DATA_NOT_FOUND, 'DH key reference is not 81');
  const pub = d.get(DO_91_EPHEMERAL_PUBLIC);
  if (!pub || !isValidPublicKey(ias.dh, pub)) throw badData('PuK.IFD.DH missing or outside 2..p-2');
  ias.state.channel = undefined;
  ias.state.kat = {
    ifdPublic: pub.slice(),
    icc: dhKeyPair(ias.dh, randomExponent(ias.dh, ctx.rng)),
  };
}

/** Selects the terminal key learnt from PSO VERIFY CERTIFICATE by its CHR. */
function selectIfdKey(ias: IasCard, ctx: CommandContext, chr: Uint8Array): void {
  const ch = requireChannel(ias, ctx);
  const p = ch.phase;
  if (
    (p.step !== 'certificate-verified' && p.step !== 'ifd-key-selected') ||
    !equalBytes(p.ifd.chr, chr)
  ) {
    throw new CardError(
      SW_6A88_REFERENCED_DATA_NOT_FOUND,
      'no verified terminal certificate with this CHR',
    );
  }
  ch.phase = { step: 'ifd-key-selected', ifd: p.ifd };
}

function digitalSignatureTemplate(ias: IasCard, ctx: CommandContext, dos: readonly Tlv[]): void {
  const d = dosOf(dos, [DO_80_ALGORITHM, DO_83_KEY_REFERENCE]);
  const ref = d.get(DO_83_KEY_REFERENCE);
  if (ref?.length === 12 && !d.has(DO_80_ALGORITHM)) {
    if (!ias.options.externalAuthCrt.includes('B6'))
      throw badData('this personality selects the terminal key with CRT A4 only');
    selectIfdKey(ias, ctx, ref);
    return;
  }
  const ch = requireChannel(ias, ctx);
  if (oneByte(d, DO_83_KEY_REFERENCE) !== KEY_84_CA_PUBLIC)
    throw new CardError(SW_6A88_REFERENCED_DATA_NOT_FOUND, 'verification key is not 84');
  if (oneByte(d, DO_80_ALGORITHM) !== ALG_41_ISO9796_SHA256)
    throw badData('certificate algorithm is not 41');
  ch.phase = { step: 'ca-key-selected' };
}

function authenticationTemplateExternal(
  ias: IasCard,
  ctx: CommandContext,
  dos: readonly Tlv[],
): void {
  const chr = dosOf(dos, [DO_83_KEY_REFERENCE]).get(DO_83_KEY_REFERENCE);
  if (!chr || chr.length !== 12) throw badData('DO 83 must carry the 12-byte CHR');
  selectIfdKey(ias, ctx, chr);
}

/** Key → the algorithm it is used with (§2.3). */
const INTERNAL_KEYS: ReadonlyMap<number, number> = new Map([
  [KEY_82_ICC_AUTH, ALG_9B_DH_SHA256],
  [KEY_81_HOLDER, ALG_02_RSA_PKCS1],
  [KEY_83_SERVIZI, ALG_02_RSA_PKCS1],
]);

function authenticationTemplateInternal(
  ias: IasCard,
  ctx: CommandContext,
  dos: readonly Tlv[],
): void {
  const d = dosOf(dos, [DO_80_ALGORITHM, DO_84_PRIVATE_KEY_REFERENCE]);
  const key = oneByte(d, DO_84_PRIVATE_KEY_REFERENCE);
  const algorithm = oneByte(d, DO_80_ALGORITHM);
  const expected = INTERNAL_KEYS.get(key);
  if (expected === undefined)
    throw new CardError(SW_6A88_REFERENCED_DATA_NOT_FOUND, `no private key ${key.toString(16)}`);
  if (algorithm !== expected)
    throw badData(`algorithm ${algorithm.toString(16)} is not usable with key ${key.toString(16)}`);
  if (key === KEY_82_ICC_AUTH) requireChannel(ias, ctx);
  ias.state.at = { key, algorithm };
}

type MseSet = (ias: IasCard, ctx: CommandContext, dos: readonly Tlv[]) => void;

const SET_TABLE: ReadonlyMap<number, MseSet> = new Map([
  [0x41a6, keyAgreement],
  [0x81b6, digitalSignatureTemplate],
  [0x81a4, authenticationTemplateExternal],
  [0x41a4, authenticationTemplateInternal],
]);

export function iasMseHandler(ias: IasCard): CommandHandler {
  return (ctx: CommandContext, apdu: CommandApdu): ResponseApdu => {
    const set = SET_TABLE.get((apdu.p1 << 8) | apdu.p2);
    const operation = apdu.p1 & 0x0f;
    if (!set && (operation === 0x03 || operation === 0x04)) {
      parseMse(apdu);
      ias.state.at = undefined;
      ctx.se.clear();
      return responseApdu(SW_9000_OK);
    }
    if (!set)
      throw new CardError(
        SW_6A86_INCORRECT_P1P2,
        `MSE P1P2 ${((apdu.p1 << 8) | apdu.p2).toString(16)} not used by the IAS application`,
      );
    set(ias, ctx, parseMse(apdu).dos);
    return responseApdu(SW_9000_OK);
  };
}
