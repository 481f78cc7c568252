/**
 * READ BINARY, even (`B0`) and odd (`B1`) instruction (ISO/IEC 7816-4:2020 §7.2.3).
 *
 * ```
 * B0  P1 b8=1: P1 = 100s ssss (SFI), P2 = offset 0..255; the EF becomes current
 *     P1 b8=0: P1P2 = 15-bit offset in the current EF
 * B1  P1P2 = 0000 current EF | 00 0s ssss SFI | FID;  data = 54 L offset;  response = 53 L data
 * ```
 * Offset at or beyond the end: `6B00`. Fewer than Ne bytes left: per personality and per
 * instruction (`readBeyondEof` for B0, `readBeyondEofOdd` for B1), data with `6282` (ISO), data
 * with `9000` (ICAO Part 3 ISO7816_E_4; the CIE's B0) or `6Cxx` (emrtd/README.md §2.1). Each
 * response is capped at `readBinaryMax` bytes (231 on the CIE, ias/README.md §2.2) with `9000`.
 */
import { findTlv, parseTlvs, tlv, TlvFormatError } from '../../bytes/ber-tlv.ts';
import type { CommandApdu } from '../../apdu/command-apdu.ts';
import { responseApdu, type ResponseApdu } from '../../apdu/response-apdu.ts';
import {
  sw6C,
  SW_6282_END_OF_FILE,
  SW_6700_WRONG_LENGTH,
  SW_6981_INCOMPATIBLE_FILE_STRUCTURE,
  SW_6982_SECURITY_STATUS_NOT_SATISFIED,
  SW_6985_CONDITIONS_NOT_SATISFIED,
  SW_6986_NO_CURRENT_EF,
  SW_6A80_INCORRECT_DATA,
  SW_6A82_FILE_NOT_FOUND,
  SW_6A86_INCORRECT_P1P2,
  SW_6B00_WRONG_P1P2,
  SW_9000_OK,
  type StatusWord,
} from '../../apdu/status-words.ts';
import type { CommandContext } from '../../card/application.ts';
import type { CardOptions } from '../../card/card-options.ts';
import { CardError } from '../../card/card-error.ts';
import { satisfies } from '../access.ts';
import { isDf, type EfNode, type TransparentEfNode } from '../fs/nodes.ts';

export const DO_53_DISCRETIONARY_DATA = 0x53;
export const DO_54_OFFSET = 0x54;

/** Checks that `ef` may be read now; throws the precise status otherwise. */
export function checkReadable(ctx: CommandContext, ef: EfNode): void {
  if (ef.lifeCycle === 'deactivated' || ef.lifeCycle === 'terminated') {
    throw new CardError(SW_6985_CONDITIONS_NOT_SATISFIED, `${ef.lifeCycle} file`);
  }
  if (!satisfies(ef.access.read ?? 'always', ctx.security)) {
    throw new CardError(SW_6982_SECURITY_STATUS_NOT_SATISFIED, 'read access condition not met');
  }
}

function transparent(ef: EfNode): TransparentEfNode {
  if (ef.kind !== 'EF-transparent')
    throw new CardError(SW_6981_INCOMPATIBLE_FILE_STRUCTURE, 'not a transparent EF');
  return ef;
}

function efBySfi(ctx: CommandContext, sfi: number): EfNode {
  const ef = ctx.fs.childBySfi(ctx.currentDf, sfi);
  if (!ef) throw new CardError(SW_6A82_FILE_NOT_FOUND, `no EF with SFI ${sfi}`);
  return ef;
}

interface Slice {
  readonly data: Uint8Array;
  readonly sw: StatusWord;
  /** Bytes left from the offset to the end of the file. */
  readonly available: number;
}

/**
 * `want` bytes from `offset`, where `room` is how many bytes the response can carry.
 * Shared by both instructions so EOF behaviour is decided in one place.
 */
function slice(
  eof: CardOptions['readBeyondEof'],
  ef: TransparentEfNode,
  offset: number,
  want: number,
  room: number,
): Slice {
  const size = ef.content.length;
  if (offset >= size)
    throw new CardError(SW_6B00_WRONG_P1P2, `offset ${offset} at or beyond end of file (${size})`);
  const available = size - offset;
  if (available >= want || available > room) {
    return {
      data: ef.content.subarray(offset, offset + Math.min(want, room)),
      sw: SW_9000_OK,
      available,
    };
  }
  const data = ef.content.subarray(offset, size);
  switch (eof) {
    case '6282':
      return { data, sw: SW_6282_END_OF_FILE, available };
    case '9000':
      return { data, sw: SW_9000_OK, available };
    case '6Cxx':
      return { data: new Uint8Array(0), sw: sw6C(Math.min(available, 256)), available };
  }
}

export function readBinaryHandler(ctx: CommandContext, apdu: CommandApdu): ResponseApdu {
  if (apdu.data.length > 0)
    throw new CardError(SW_6700_WRONG_LENGTH, 'READ BINARY with a data field');
  let ef: EfNode;
  let offset: number;
  if ((apdu.p1 & 0x80) !== 0) {
    const sfi = apdu.p1 & 0x1f;
    if ((apdu.p1 & 0x60) !== 0 || sfi === 0)
      throw new CardError(SW_6A86_INCORRECT_P1P2, 'invalid SFI encoding');
    ef = efBySfi(ctx, sfi);
    ctx.select(ef);
    offset = apdu.p2;
  } else {
    if (!ctx.currentEf) throw new CardError(SW_6986_NO_CURRENT_EF);
    ef = ctx.currentEf;
    offset = ((apdu.p1 & 0x7f) << 8) | apdu.p2;
  }
  const file = transparent(ef);
  checkReadable(ctx, file);
  const want = apdu.ne === 0 ? 256 : apdu.ne;
  const { data, sw } = slice(
    ctx.options.readBeyondEof,
    file,
    offset,
    want,
    ctx.options.readBinaryMax,
  );
  return responseApdu(sw, data);
}

function decodeOffset(data: Uint8Array): number {
  let dos;
  try {
    dos = parseTlvs(data);
  } catch (e) {
    if (e instanceof TlvFormatError)
      throw new CardError(SW_6A80_INCORRECT_DATA, `offset DO: ${e.message}`);
    throw e;
  }
  const off = findTlv(dos, DO_54_OFFSET);
  if (!off || off.value.length < 1 || off.value.length > 3)
    throw new CardError(SW_6A80_INCORRECT_DATA, 'offset DO 54 missing or malformed');
  let v = 0;
  for (const b of off.value) v = v * 256 + b;
  return v;
}

/** Size of `53 L` for a value of n bytes. */
function wrapperSize(n: number): number {
  return n < 0x80 ? 2 : n <= 0xff ? 3 : n <= 0xffff ? 4 : 5;
}

function oddTarget(ctx: CommandContext, apdu: CommandApdu): EfNode {
  const p1p2 = (apdu.p1 << 8) | apdu.p2;
  if (p1p2 === 0) {
    if (!ctx.currentEf) throw new CardError(SW_6986_NO_CURRENT_EF);
    return ctx.currentEf;
  }
  if (apdu.p1 === 0 && (apdu.p2 & 0xe0) === 0) return efBySfi(ctx, apdu.p2 & 0x1f);
  const node = ctx.fs.child(ctx.currentDf, p1p2);
  if (!node || isDf(node))
    throw new CardError(SW_6A82_FILE_NOT_FOUND, `no EF ${p1p2.toString(16)}`);
  return node;
}

export function readBinaryOddHandler(ctx: CommandContext, apdu: CommandApdu): ResponseApdu {
  const offset = decodeOffset(apdu.data);
  const ef = oddTarget(ctx, apdu);
  ctx.select(ef);
  const file = transparent(ef);
  checkReadable(ctx, file);
  const limit = Math.min(apdu.ne === 0 ? 256 : apdu.ne, ctx.options.readBinaryMax);
  // Largest n whose 53-wrapped form fits in `limit` bytes.
  let n = limit - 2;
  while (n > 0 && n + wrapperSize(n) > limit) n--;
  if (n <= 0) throw new CardError(SW_6700_WRONG_LENGTH, 'Le too small for a DO 53');
  const { data, sw, available } = slice(ctx.options.readBeyondEofOdd, file, offset, n, n);
  // 6Cxx announces the length of the whole response, DO 53 header included.
  if (sw >> 8 === 0x6c)
    return responseApdu(sw6C(Math.min(available + wrapperSize(available), 256)));
  return responseApdu(sw, tlv(DO_53_DISCRETIONARY_DATA, data));
}
