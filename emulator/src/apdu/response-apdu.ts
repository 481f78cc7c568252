/** Response APDUs: `data ‖ SW1 SW2` (ISO/IEC 7816-4:2020 §5.1). */
import { allocBytes } from '../bytes/bytes.ts';
import { statusWordOf, type StatusWord } from './status-words.ts';

export interface ResponseApdu {
  readonly data: Uint8Array;
  readonly sw: StatusWord;
}

const EMPTY = new Uint8Array(0);

export function responseApdu(sw: StatusWord, data: Uint8Array = EMPTY): ResponseApdu {
  return { data, sw };
}

export function encodeResponseApdu(r: ResponseApdu): Uint8Array {
  const out = allocBytes(r.data.length + 2);
  out.set(r.data);
  out[r.data.length] = r.sw >> 8;
  out[r.data.length + 1] = r.sw & 0xff;
  return out;
}

/** Splits raw response bytes; throws RangeError when fewer than 2 bytes arrive. */
export function parseResponseApdu(bytes: Uint8Array): ResponseApdu {
  const n = bytes.length;
  if (n < 2) throw new RangeError(`response of ${n} byte(s) has no status word`);
  return {
    data: bytes.subarray(0, n - 2),
    sw: statusWordOf(((bytes[n - 2] as number) << 8) | (bytes[n - 1] as number)),
  };
}
