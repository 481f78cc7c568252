/** Command APDU encodings (ISO/IEC 7816-3:2006 §12.1.3, ISO/IEC 7816-4:2020 §5.1); sources in README.md. */
import { describe, expect, it } from 'vitest';
import {
  ApduFormatError,
  encodeCommandApdu,
  parseCommandApdu,
} from '../../../emulator/src/apdu/command-apdu.ts';
import { SW_6700_WRONG_LENGTH } from '../../../emulator/src/apdu/status-words.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import cases from './cases.json' with { type: 'json' };

/** `{264}` in a fixture stands for 264 bytes 5A. */
function bytesOf(hex: string): Uint8Array {
  return fromHex(hex.replace(/\{(\d+)\}/g, (_m, n: string) => '5A'.repeat(Number(n))));
}

describe('command APDU cases', () => {
  for (const c of cases.valid) {
    it(`ISO/IEC 7816-3 §12.1.3 ${c.name}: parses`, () => {
      const a = parseCommandApdu(bytesOf(c.hex));
      expect({ case: a.case, form: a.form, nc: a.data.length, ne: a.ne }).toEqual({
        case: c.case,
        form: c.form,
        nc: c.nc,
        ne: c.ne,
      });
    });
    it(`ISO/IEC 7816-3 §12.1.3 ${c.name}: encodes back byte for byte`, () => {
      const bytes = bytesOf(c.hex);
      expect(toHex(encodeCommandApdu(parseCommandApdu(bytes)))).toBe(toHex(bytes));
    });
  }
  for (const c of cases.invalid) {
    it(`rejects ${c.name} with 6700`, () => {
      let error: unknown;
      try {
        parseCommandApdu(bytesOf(c.hex));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ApduFormatError);
      expect((error as ApduFormatError).sw).toBe(SW_6700_WRONG_LENGTH);
    });
  }
});
