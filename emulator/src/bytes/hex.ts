/**
 * Hex encoding for fixtures, traces and the CLI. Input may contain spaces, colons, dashes and
 * newlines between bytes (the forms used by pcsc_scan, OpenSC logs and the READMEs).
 */
import { HostError } from '../host-error.ts';

export class HexFormatError extends HostError {
  readonly code = 'HEX_FORMAT';
}

const HEX_DIGITS = '0123456789ABCDEF';
const BYTE_TO_HEX: readonly string[] = Array.from(
  { length: 256 },
  (_, b) => (HEX_DIGITS[b >> 4] ?? '') + (HEX_DIGITS[b & 15] ?? ''),
);

/** Upper-case hex without separators, or with `sep` between bytes. */
export function toHex(bytes: Uint8Array, sep = ''): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0 && sep !== '') out += sep;
    out += BYTE_TO_HEX[bytes[i] ?? 0];
  }
  return out;
}

/** Parses hex, ignoring whitespace and the separators `:`, `-`, `,`; throws {@link HexFormatError}. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[\s:,-]/g, '');
  if (clean.length % 2 !== 0)
    throw new HexFormatError(`odd number of hex digits (${clean.length})`);
  if (!/^[0-9a-fA-F]*$/.test(clean))
    throw new HexFormatError(`not a hex string: ${text.slice(0, 40)}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Tagged-template shorthand for fixtures: hexBytes`00 A4 04 0C`. */
export function hexBytes(strings: TemplateStringsArray, ...values: unknown[]): Uint8Array {
  return fromHex(String.raw(strings, ...values));
}
