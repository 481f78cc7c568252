/**
 * GET DATA (`00 CB 3F FF Lc 4D …`, README.md §2.4): the request is an extended header list
 * (ISO/IEC 7816-4:2020 §8.5.1) — tags followed by a length byte that is not a TLV length: in a
 * constructed tag it is the size of the nested list, or `80` for "the whole object"; in a
 * primitive tag it is the requested length (`00` = all).
 *
 * | request (after `4D L`)          | response                                                       |
 * |---------------------------------|----------------------------------------------------------------|
 * | `70 06 BF A1 01 02 A3 80`        | `70 { BF A1 01 { A3 { 97 g, 98 p, 99 q } } }` (Gemalto form)   |
 * | `70 08 BF A1 01 04 A3 02 9x 00`  | `70 { BF A1 01 { A3 { 9x … } } }` (one of g, p, q)             |
 * | `70 07 BF A0 04 03 7F 49 80`     | `70 { BF A0 04 { 7F 49 { 81 n, 82 e, 5F20 CHR, 5F4C CHA } } } }`|
 * | `A6 02 91 00` (after MSE SET KAT) | `A6 { 91 PuK.ICC.DH }` — from this response on, SM is active   |
 *
 * g and PuK.ICC.DH are |p| bytes (left-padded, §2.4). Wrong P1P2 `6A86`; malformed list `6A80`;
 * unknown object or a form the personality refuses `6A88`; `A6 91` without a preceding KAT `6985`.
 */
import { ByteReader } from '../../bytes/byte-reader.ts';
import { bigIntToMinimalBytes, bigIntToBytes } from '../../bytes/bytes.ts';
import { tlv } from '../../bytes/ber-tlv.ts';
import type { CommandApdu } from '../../apdu/command-apdu.ts';
import { responseApdu, type ResponseApdu } from '../../apdu/response-apdu.ts';
import {
  SW_6985_CONDITIONS_NOT_SATISFIED,
  SW_6A80_INCORRECT_DATA,
  SW_6A86_INCORRECT_P1P2,
  SW_6A88_REFERENCED_DATA_NOT_FOUND,
  SW_9000_OK,
} from '../../apdu/status-words.ts';
import type { CommandContext, CommandHandler } from '../../card/application.ts';
import { CardError } from '../../card/card-error.ts';
import { byteLength } from '../../crypto/rsa.ts';
import { dhSharedSecret, deriveSessionKeys, iasSmSession } from './dh.ts';
import {
  GET_DATA_P1P2_3FFF,
  TAG_4D_EXTENDED_HEADER_LIST,
  TAG_5F20_CHR,
  TAG_5F4C_CHA,
  TAG_70_TEMPLATE,
  TAG_7F49_PUBLIC_KEY,
  TAG_81_MODULUS,
  TAG_82_EXPONENT,
  TAG_91_EPHEMERAL_KEY,
  TAG_97_DH_G,
  TAG_98_DH_P,
  TAG_99_DH_Q,
  TAG_A3_DH_PARAMETERS,
  TAG_A6_KAT,
  TAG_BFA004_SDO_CA_PUBLIC,
  TAG_BFA101_SDO_DH,
} from './ias-constants.ts';
import type { IasCard } from './ias-card.ts';

/** One entry of an extended header list. `children` for constructed tags with a nested list. */
export interface HeaderEntry {
  readonly tag: number;
  readonly length: number;
  readonly children?: readonly HeaderEntry[];
}

const WHOLE = 0x80;

function readTag(r: ByteReader): number {
  const first = r.u8('tag');
  let tag = first;
  if ((first & 0x1f) !== 0x1f) return tag;
  for (let n = 0; n < 2; n++) {
    const b = r.u8('tag');
    tag = tag * 256 + b;
    if ((b & 0x80) === 0) return tag;
  }
  throw new CardError(SW_6A80_INCORRECT_DATA, 'tag longer than 3 bytes in header list');
}

function isConstructed(tag: number): boolean {
  let t = tag;
  while (t > 0xff) t = Math.floor(t / 256);
  return (t & 0x20) !== 0;
}

/** Parses an extended header list; throws `6A80` on malformed input. */
export function parseHeaderList(bytes: Uint8Array): HeaderEntry[] {
  const r = new ByteReader(bytes);
  const out: HeaderEntry[] = [];
  try {
    while (!r.atEnd) {
      const tag = readTag(r);
      const length = r.u8('length');
      // 4D is primitive by its tag bits but its value is itself a header list (§8.5.1).
      const nested = isConstructed(tag) || tag === TAG_4D_EXTENDED_HEADER_LIST;
      if (nested && length !== WHOLE && length > 0)
        out.push({ tag, length, children: parseHeaderList(r.bytes(length, 'nested list')) });
      else out.push({ tag, length });
    }
  } catch (e) {
    if (e instanceof CardError) throw e;
    throw new CardError(SW_6A80_INCORRECT_DATA, `header list: ${(e as Error).message}`);
  }
  return out;
}

const notFound = (what: string): CardError =>
  new CardError(SW_6A88_REFERENCED_DATA_NOT_FOUND, what);

function only(list: readonly HeaderEntry[] | undefined, tag: number, what: string): HeaderEntry {
  const e = list?.[0];
  if (!list || list.length !== 1 || !e || e.tag !== tag) throw notFound(`${what} expected`);
  return e;
}

function dhParameters(ias: IasCard, sdo: HeaderEntry): Uint8Array {
  const a3 = only(sdo.children, TAG_A3_DH_PARAMETERS, 'A3 (DH parameters)');
  const values: Record<number, Uint8Array> = {
    [TAG_97_DH_G]: ias.dh.g,
    [TAG_98_DH_P]: ias.dh.p,
    [TAG_99_DH_Q]: ias.dh.q,
  };
  let wanted: readonly number[];
  if (a3.length === WHOLE || !a3.children) {
    if (!ias.options.getDataTemplate)
      throw notFound('whole DH template not served by this personality');
    wanted = [TAG_97_DH_G, TAG_98_DH_P, TAG_99_DH_Q];
  } else {
    if (!ias.options.getDataSeparate)
      throw notFound('single DH parameters not served by this personality');
    wanted = a3.children.map((c) => c.tag);
  }
  const parts = wanted.map((t) => {
    const v = values[t];
    if (!v) throw notFound(`DH parameter ${t.toString(16)}`);
    return tlv(t, v);
  });
  return tlv(TAG_70_TEMPLATE, tlv(TAG_BFA101_SDO_DH, tlv(TAG_A3_DH_PARAMETERS, ...parts)));
}

function caPublicKey(ias: IasCard, sdo: HeaderEntry): Uint8Array {
  const key = only(sdo.children, TAG_7F49_PUBLIC_KEY, '7F49 (public key)');
  if (key.length !== WHOLE && key.children) throw notFound('only the whole 7F49 object is served');
  const { n, e } = ias.keys.caPublic;
  // §2.4: order 81, 82, 5F20, 5F4C (CIDA reads n and e by position).
  const body = [
    tlv(TAG_81_MODULUS, bigIntToBytes(n, byteLength(n))),
    tlv(TAG_82_EXPONENT, bigIntToMinimalBytes(e)),
    tlv(TAG_5F20_CHR, ias.caChr),
    tlv(TAG_5F4C_CHA, ias.caCha),
  ];
  return tlv(TAG_70_TEMPLATE, tlv(TAG_BFA004_SDO_CA_PUBLIC, tlv(TAG_7F49_PUBLIC_KEY, ...body)));
}

/** `A6 91`: hand out PuK.ICC.DH and switch to SM after the response (§4.1 step 5). */
function cardDhPublic(ias: IasCard, ctx: CommandContext): Uint8Array {
  const kat = ias.state.kat;
  if (!kat)
    throw new CardError(
      SW_6985_CONDITIONS_NOT_SATISFIED,
      'GET DATA A6 91 without a preceding MSE SET KAT',
    );
  ias.state.kat = undefined;
  const keys = deriveSessionKeys(dhSharedSecret(ias.dh, kat.icc.privateExponent, kat.ifdPublic));
  const session = iasSmSession(keys);
  ctx.setSmSessionAfterResponse(session);
  ias.state.channel = {
    transcript: { group: ias.dh, ifdPublic: kat.ifdPublic, iccPublic: kat.icc.publicKey },
    phase: { step: 'keys-agreed' },
  };
  ctx.note('IAS DH key agreement done: SM active from the next command (SSC = 1)');
  return tlv(TAG_A6_KAT, tlv(TAG_91_EPHEMERAL_KEY, kat.icc.publicKey));
}

export function getDataHandler(ias: IasCard): CommandHandler {
  return (ctx: CommandContext, apdu: CommandApdu): ResponseApdu => {
    if (((apdu.p1 << 8) | apdu.p2) !== GET_DATA_P1P2_3FFF)
      throw new CardError(SW_6A86_INCORRECT_P1P2, 'GET DATA odd needs P1P2 3FFF (current DF)');
    const top = only(
      parseHeaderList(apdu.data),
      TAG_4D_EXTENDED_HEADER_LIST,
      '4D (extended header list)',
    );
    const inner = top.children?.[0];
    if (!top.children || top.children.length !== 1 || !inner)
      throw notFound('one object per GET DATA');
    if (inner.tag === TAG_A6_KAT) {
      only(inner.children, TAG_91_EPHEMERAL_KEY, '91 (ephemeral public key)');
      return responseApdu(SW_9000_OK, cardDhPublic(ias, ctx));
    }
    if (inner.tag !== TAG_70_TEMPLATE) throw notFound(`object ${inner.tag.toString(16)}`);
    const sdo = only(inner.children, inner.children?.[0]?.tag ?? -1, 'SDO');
    if (sdo.tag === TAG_BFA101_SDO_DH) return responseApdu(SW_9000_OK, dhParameters(ias, sdo));
    if (sdo.tag === TAG_BFA004_SDO_CA_PUBLIC)
      return responseApdu(SW_9000_OK, caPublicKey(ias, sdo));
    throw notFound(`SDO ${sdo.tag.toString(16)}`);
  };
}
