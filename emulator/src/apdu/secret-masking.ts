/**
 * Secret masking for traces and logs. PIN and PUK bytes travel in the data field of VERIFY,
 * CHANGE REFERENCE DATA and RESET RETRY COUNTER (ISO/IEC 7816-4:2020 §7.5.6–7.5.10; ias/README.md
 * §3 rows 18–21); they are replaced by `2A` ('*') unless the user opts in. Protected commands
 * carry only cryptograms on the wire, so there the plain form is masked. PACE never sends the
 * CAN or MRZ password (ICAO 9303-11 §4.4), so PACE APDUs carry nothing to mask; CAN/PIN/PUK
 * values written in free text (notes, terminal logs) are masked by {@link maskSecretsInText}.
 */
import { decodeCla } from './cla.ts';
import { parseCommandApdu } from './command-apdu.ts';
import { INS_20_VERIFY, INS_24_CHANGE_REFERENCE_DATA, INS_2C_RESET_RETRY_COUNTER } from './ins.ts';

export const MASK_BYTE = 0x2a;

export interface SecretRange {
  readonly offset: number;
  readonly length: number;
  readonly reason: string;
}

const SECRET_INS: ReadonlyMap<number, string> = new Map([
  [INS_20_VERIFY, 'VERIFY reference data (PIN/PUK)'],
  [INS_24_CHANGE_REFERENCE_DATA, 'CHANGE REFERENCE DATA (old/new PIN)'],
  [INS_2C_RESET_RETRY_COUNTER, 'RESET RETRY COUNTER (PUK/new PIN)'],
]);

/** Secret byte ranges of an unprotected command APDU (none for protected or unparsable ones). */
export function secretRanges(command: Uint8Array): SecretRange[] {
  let apdu;
  try {
    apdu = parseCommandApdu(command);
  } catch {
    return [];
  }
  const reason = SECRET_INS.get(apdu.ins);
  if (reason === undefined || apdu.data.length === 0 || decodeCla(apdu.cla).sm !== 'none')
    return [];
  return [{ offset: apdu.form === 'extended' ? 7 : 5, length: apdu.data.length, reason }];
}

export function maskBytes(bytes: Uint8Array, ranges: readonly SecretRange[]): Uint8Array {
  if (ranges.length === 0) return bytes;
  const out = bytes.slice();
  for (const r of ranges) out.fill(MASK_BYTE, r.offset, r.offset + r.length);
  return out;
}

/** `pin=12345678`, `CAN: 123456`, `--puk 87654321` → digits replaced by '*'. */
export function maskSecretsInText(text: string): string {
  return text.replace(
    /\b(pin|puk|can)(\s*[=:]\s*|\s+)(\d{4,})/gi,
    (_m, k: string, sep: string, digits: string) => `${k}${sep}${'*'.repeat(digits.length)}`,
  );
}
