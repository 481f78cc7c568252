/**
 * Just enough ATR handling for the transports: find the historical bytes of a personality's ATR
 * (ISO/IEC 7816-3:2006 §8.2) and build the ATR a PC/SC contactless reader synthesises from ATS
 * historical bytes (PC/SC part 3 v2.01.09 §3.1.3.2.3.1; nfc/README.md §2).
 *
 * ```
 * TS T0 [TAi TBi TCi TDi]... T1..TK [TCK]
 *    T0: high nibble Y1 (which of TA1..TD1 follow), low nibble K (number of historical bytes)
 *    TDi: high nibble Y(i+1), low nibble protocol T; TCK present when any T other than 0 is offered
 * ```
 */
import { HostError } from '../../emulator/src/host-error.ts';
import { ByteReader, ByteUnderflowError } from '../../emulator/src/bytes/byte-reader.ts';

export class AtrFormatError extends HostError {
  readonly code = 'ATR_FORMAT';
}

export interface ParsedAtr {
  readonly historicalBytes: Uint8Array;
  /** Protocols offered by the TDi bytes (T=0 when none is named). */
  readonly protocols: readonly number[];
  readonly tck: number | undefined;
}

const INTERFACE_BITS = [0x10, 0x20, 0x40, 0x80] as const;

/** Parses an ATR; throws {@link AtrFormatError} when it is truncated or has trailing bytes. */
export function parseAtr(atr: Uint8Array): ParsedAtr {
  const r = new ByteReader(atr);
  try {
    const ts = r.u8('TS');
    if (ts !== 0x3b && ts !== 0x3f)
      throw new AtrFormatError(`TS must be 3B or 3F, got ${ts.toString(16)}`);
    const t0 = r.u8('T0');
    const k = t0 & 0x0f;
    const protocols: number[] = [];
    let y = t0 & 0xf0;
    while (y !== 0) {
      let td: number | undefined;
      for (const bit of INTERFACE_BITS) {
        if ((y & bit) === 0) continue;
        const b = r.u8('interface byte');
        if (bit === 0x80) td = b;
      }
      if (td === undefined) break;
      protocols.push(td & 0x0f);
      y = td & 0xf0;
    }
    const historicalBytes = r.bytes(k, 'historical bytes').slice();
    const needsTck = protocols.some((p) => p !== 0);
    const tck = needsTck ? r.u8('TCK') : undefined;
    if (!r.atEnd) throw new AtrFormatError(`${r.remaining} byte(s) after the ATR`);
    return { historicalBytes, protocols: protocols.length > 0 ? protocols : [0], tck };
  } catch (e) {
    if (e instanceof ByteUnderflowError) throw new AtrFormatError(`truncated ATR: ${e.message}`);
    throw e;
  }
}

/** The historical bytes of an ATR, or none when the ATR cannot be parsed. */
export function historicalBytesOf(atr: Uint8Array): Uint8Array {
  try {
    return parseAtr(atr).historicalBytes;
  } catch (e) {
    if (e instanceof AtrFormatError) return new Uint8Array(0);
    throw e;
  }
}

/**
 * `3B 8n 80 01 <historical bytes> TCK` (PC/SC part 3 §3.1.3.2.3.1, ISO 14443-4 type A card):
 * T0 = 8n (TD1 present, n historical bytes), TD1 = 80 (TD2 present, T=0), TD2 = 01 (T=1),
 * TCK = XOR of T0 up to the last historical byte.
 */
export function contactlessAtr(historicalBytes: Uint8Array): Uint8Array {
  if (historicalBytes.length > 15)
    throw new AtrFormatError('at most 15 historical bytes fit in an ATR');
  const out = new Uint8Array(historicalBytes.length + 5);
  out.set([0x3b, 0x80 | historicalBytes.length, 0x80, 0x01]);
  out.set(historicalBytes, 4);
  let tck = 0;
  for (let i = 1; i < out.length - 1; i++) tck ^= out[i] as number;
  out[out.length - 1] = tck;
  return out;
}
