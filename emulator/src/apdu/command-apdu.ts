/**
 * Command APDU parsing and encoding, ISO/IEC 7816-3:2006 §12.1 / ISO/IEC 7816-4:2020 §5.2.
 * Case classification happens here and nowhere else (the jcardsim `ApduCase` rule).
 *
 * ```
 * case 1    CLA INS P1 P2
 * case 2S   CLA INS P1 P2 Le                      Le 00 -> Ne 256
 * case 3S   CLA INS P1 P2 Lc data                 Lc 01..FF
 * case 4S   CLA INS P1 P2 Lc data Le
 * case 2E   CLA INS P1 P2 00 Le1 Le2              Le 0000 -> Ne 65536
 * case 3E   CLA INS P1 P2 00 Lc1 Lc2 data         Lc 0001..FFFF
 * case 4E   CLA INS P1 P2 00 Lc1 Lc2 data Le1 Le2
 * ```
 * Every malformed input becomes an {@link ApduFormatError} carrying `6700` (wrong length).
 */
import { HostError } from '../host-error.ts';
import { allocBytes } from '../bytes/bytes.ts';
import { SW_6700_WRONG_LENGTH, type StatusWord } from './status-words.ts';

export type ApduCase = 1 | 2 | 3 | 4;
export type ApduForm = 'short' | 'extended';

export interface CommandApdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly data: Uint8Array;
  /** Maximum number of response bytes expected; 0 when Le is absent (ISO/IEC 7816-4 §5.1). */
  readonly ne: number;
  readonly form: ApduForm;
  readonly case: ApduCase;
}

export class ApduFormatError extends HostError {
  readonly code = 'APDU_FORMAT';
  readonly sw: StatusWord;
  constructor(message: string, sw: StatusWord = SW_6700_WRONG_LENGTH) {
    super(message);
    this.sw = sw;
  }
}

const EMPTY = new Uint8Array(0);

function build(b: Uint8Array, data: Uint8Array, ne: number, form: ApduForm): CommandApdu {
  const c: ApduCase = data.length === 0 ? (ne === 0 ? 1 : 2) : ne === 0 ? 3 : 4;
  return {
    cla: b[0] as number,
    ins: b[1] as number,
    p1: b[2] as number,
    p2: b[3] as number,
    data,
    ne,
    form,
    case: c,
  };
}

/** Parses raw bytes; throws {@link ApduFormatError} for anything that is not one of the seven forms. */
export function parseCommandApdu(b: Uint8Array): CommandApdu {
  const n = b.length;
  if (n < 4) throw new ApduFormatError(`command of ${n} byte(s) is shorter than the 4-byte header`);
  if (n === 4) return build(b, EMPTY, 0, 'short');
  const b4 = b[4] as number;
  if (n === 5) return build(b, EMPTY, b4 === 0 ? 256 : b4, 'short');
  if (b4 !== 0) {
    if (n === 5 + b4) return build(b, b.subarray(5, n), 0, 'short');
    if (n === 6 + b4) {
      const le = b[n - 1] as number;
      return build(b, b.subarray(5, n - 1), le === 0 ? 256 : le, 'short');
    }
    throw new ApduFormatError(`Lc=${b4} is inconsistent with a command of ${n} bytes`);
  }
  // b4 = 00 and more bytes follow: extended length.
  if (n === 6)
    throw new ApduFormatError('6-byte command with a 00 length byte is not a valid case');
  const x = ((b[5] as number) << 8) | (b[6] as number);
  if (n === 7) return build(b, EMPTY, x === 0 ? 65536 : x, 'extended');
  if (x === 0) throw new ApduFormatError('extended Lc of 0000 is invalid');
  if (n === 7 + x) return build(b, b.subarray(7, n), 0, 'extended');
  if (n === 9 + x) {
    const le = ((b[n - 2] as number) << 8) | (b[n - 1] as number);
    return build(b, b.subarray(7, n - 2), le === 0 ? 65536 : le, 'extended');
  }
  throw new ApduFormatError(`extended Lc=${x} is inconsistent with a command of ${n} bytes`);
}

export interface CommandApduInit {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly data?: Uint8Array;
  readonly ne?: number;
  /** Chosen automatically (short when it fits) unless given. */
  readonly form?: ApduForm;
}

/** Builds a {@link CommandApdu}, choosing the short form whenever Nc ≤ 255 and Ne ≤ 256. */
export function commandApdu(init: CommandApduInit): CommandApdu {
  const data = init.data ?? EMPTY;
  const ne = init.ne ?? 0;
  for (const [k, v] of [
    ['cla', init.cla],
    ['ins', init.ins],
    ['p1', init.p1],
    ['p2', init.p2],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`${k} out of range: ${v}`);
  }
  if (!Number.isInteger(ne) || ne < 0 || ne > 65536) throw new RangeError(`Ne out of range: ${ne}`);
  if (data.length > 65535) throw new RangeError(`Nc out of range: ${data.length}`);
  const fitsShort = data.length <= 255 && ne <= 256;
  const c: ApduCase = data.length === 0 ? (ne === 0 ? 1 : 2) : ne === 0 ? 3 : 4;
  // A case-1 command has no length field, so nothing on the wire tells its form: always short.
  const form = c === 1 ? 'short' : (init.form ?? (fitsShort ? 'short' : 'extended'));
  if (form === 'short' && !fitsShort) throw new RangeError('data or Ne too large for a short APDU');
  return { cla: init.cla, ins: init.ins, p1: init.p1, p2: init.p2, data, ne, form, case: c };
}

/** Exact inverse of {@link parseCommandApdu}. */
export function encodeCommandApdu(a: CommandApdu): Uint8Array {
  const nc = a.data.length;
  const ext = a.form === 'extended';
  // Case 1 has no length fields, so its form cannot be told on the wire; it encodes as 4 bytes.
  const size =
    4 + (nc > 0 ? (ext ? 3 : 1) + nc : 0) + (a.ne > 0 ? (ext ? (nc > 0 ? 2 : 3) : 1) : 0);
  const out = allocBytes(size);
  out[0] = a.cla;
  out[1] = a.ins;
  out[2] = a.p1;
  out[3] = a.p2;
  let o = 4;
  if (nc > 0) {
    if (ext) {
      out[o++] = 0;
      out[o++] = nc >> 8;
      out[o++] = nc & 0xff;
    } else {
      if (nc > 255) throw new RangeError('short APDU with more than 255 data bytes');
      out[o++] = nc;
    }
    out.set(a.data, o);
    o += nc;
  }
  if (a.ne > 0) {
    if (ext) {
      if (nc === 0) out[o++] = 0;
      const le = a.ne === 65536 ? 0 : a.ne;
      out[o++] = le >> 8;
      out[o++] = le & 0xff;
    } else {
      if (a.ne > 256) throw new RangeError('short APDU with Ne above 256');
      out[o++] = a.ne === 256 ? 0 : a.ne;
    }
  }
  return out;
}
