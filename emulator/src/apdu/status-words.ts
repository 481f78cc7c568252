/**
 * The one status-word table (DESIGN.md §3). Every SW the emulator can return is a constant
 * whose name carries its hex value, registered here with its meaning and the clause that defines
 * it. Parametric families (`61xx`, `6Cxx`, `63Cx`) have builders. No other file writes SW
 * literals.
 *
 * References: ISO/IEC 7816-4:2020 §5.6 Tables 5-6 (SW1-SW2 values, "ISO 7816-4 T6" below);
 * ICAO Doc 9303-11 §9.8 for SM errors; ias/README.md §11 for what the CIE clients check.
 */

export type StatusWord = number & { readonly __brand: 'StatusWord' };

export interface SwInfo {
  readonly sw: StatusWord;
  readonly name: string;
  readonly text: string;
  readonly ref: string;
}

const TABLE = new Map<number, SwInfo>();

function define(sw: number, name: string, text: string, ref: string): StatusWord {
  const value = sw as StatusWord;
  TABLE.set(sw, { sw: value, name, text, ref });
  return value;
}

const T6 = 'ISO/IEC 7816-4:2020 §5.6 Table 6';

// Normal processing
export const SW_9000_OK = define(
  0x9000,
  'SW_9000_OK',
  'Normal processing',
  'ISO/IEC 7816-4:2020 §5.6 Table 5',
);
// Warning processing (state of non-volatile memory unchanged)
export const SW_6281_DATA_CORRUPTED = define(
  0x6281,
  'SW_6281_DATA_CORRUPTED',
  'Part of returned data may be corrupted',
  T6,
);
export const SW_6282_END_OF_FILE = define(
  0x6282,
  'SW_6282_END_OF_FILE',
  'End of file or record reached before reading Ne bytes',
  T6,
);
export const SW_6283_FILE_DEACTIVATED = define(
  0x6283,
  'SW_6283_FILE_DEACTIVATED',
  'Selected file deactivated',
  T6,
);
export const SW_6284_FCI_NOT_FORMATTED = define(
  0x6284,
  'SW_6284_FCI_NOT_FORMATTED',
  'File control information not formatted according to 5.3.3',
  T6,
);
export const SW_6285_FILE_TERMINATED = define(
  0x6285,
  'SW_6285_FILE_TERMINATED',
  'Selected file in termination state',
  T6,
);
// Warning processing (state of non-volatile memory changed)
export const SW_6300_VERIFICATION_FAILED = define(
  0x6300,
  'SW_6300_VERIFICATION_FAILED',
  'Verification or authentication failed (no information given)',
  T6,
);
// Execution errors
export const SW_6400_EXECUTION_ERROR = define(
  0x6400,
  'SW_6400_EXECUTION_ERROR',
  'Execution error, state of non-volatile memory unchanged',
  T6,
);
export const SW_6581_MEMORY_FAILURE = define(
  0x6581,
  'SW_6581_MEMORY_FAILURE',
  'Memory failure',
  T6,
);
// Checking errors
export const SW_6700_WRONG_LENGTH = define(
  0x6700,
  'SW_6700_WRONG_LENGTH',
  'Wrong length (Lc/Le or data field length)',
  T6,
);
export const SW_6800_CLA_FUNCTION_NOT_SUPPORTED = define(
  0x6800,
  'SW_6800_CLA_FUNCTION_NOT_SUPPORTED',
  'Functions in CLA not supported',
  T6,
);
export const SW_6881_LOGICAL_CHANNEL_NOT_SUPPORTED = define(
  0x6881,
  'SW_6881_LOGICAL_CHANNEL_NOT_SUPPORTED',
  'Logical channel not supported',
  T6,
);
export const SW_6882_SM_NOT_SUPPORTED = define(
  0x6882,
  'SW_6882_SM_NOT_SUPPORTED',
  'Secure messaging not supported',
  T6,
);
export const SW_6883_LAST_COMMAND_OF_CHAIN_EXPECTED = define(
  0x6883,
  'SW_6883_LAST_COMMAND_OF_CHAIN_EXPECTED',
  'Last command of the chain expected',
  T6,
);
export const SW_6884_CHAINING_NOT_SUPPORTED = define(
  0x6884,
  'SW_6884_CHAINING_NOT_SUPPORTED',
  'Command chaining not supported',
  T6,
);
export const SW_6900_COMMAND_NOT_ALLOWED = define(
  0x6900,
  'SW_6900_COMMAND_NOT_ALLOWED',
  'Command not allowed (no information given)',
  T6,
);
export const SW_6981_INCOMPATIBLE_FILE_STRUCTURE = define(
  0x6981,
  'SW_6981_INCOMPATIBLE_FILE_STRUCTURE',
  'Command incompatible with file structure',
  T6,
);
export const SW_6982_SECURITY_STATUS_NOT_SATISFIED = define(
  0x6982,
  'SW_6982_SECURITY_STATUS_NOT_SATISFIED',
  'Security status not satisfied',
  T6,
);
export const SW_6983_AUTH_METHOD_BLOCKED = define(
  0x6983,
  'SW_6983_AUTH_METHOD_BLOCKED',
  'Authentication method blocked',
  T6,
);
export const SW_6984_REFERENCE_DATA_NOT_USABLE = define(
  0x6984,
  'SW_6984_REFERENCE_DATA_NOT_USABLE',
  'Reference data not usable',
  T6,
);
export const SW_6985_CONDITIONS_NOT_SATISFIED = define(
  0x6985,
  'SW_6985_CONDITIONS_NOT_SATISFIED',
  'Conditions of use not satisfied',
  T6,
);
export const SW_6986_NO_CURRENT_EF = define(
  0x6986,
  'SW_6986_NO_CURRENT_EF',
  'Command not allowed (no current EF)',
  T6,
);
export const SW_6987_SM_DATA_OBJECTS_MISSING = define(
  0x6987,
  'SW_6987_SM_DATA_OBJECTS_MISSING',
  'Expected secure messaging data objects missing',
  `${T6}; ICAO 9303-11 §9.8`,
);
export const SW_6988_SM_DATA_OBJECTS_INCORRECT = define(
  0x6988,
  'SW_6988_SM_DATA_OBJECTS_INCORRECT',
  'Incorrect secure messaging data objects',
  `${T6}; ICAO 9303-11 §9.8`,
);
export const SW_6A80_INCORRECT_DATA = define(
  0x6a80,
  'SW_6A80_INCORRECT_DATA',
  'Incorrect parameters in the command data field',
  T6,
);
export const SW_6A81_FUNCTION_NOT_SUPPORTED = define(
  0x6a81,
  'SW_6A81_FUNCTION_NOT_SUPPORTED',
  'Function not supported',
  T6,
);
export const SW_6A82_FILE_NOT_FOUND = define(
  0x6a82,
  'SW_6A82_FILE_NOT_FOUND',
  'File or application not found',
  T6,
);
export const SW_6A83_RECORD_NOT_FOUND = define(
  0x6a83,
  'SW_6A83_RECORD_NOT_FOUND',
  'Record not found',
  T6,
);
export const SW_6A84_NOT_ENOUGH_MEMORY = define(
  0x6a84,
  'SW_6A84_NOT_ENOUGH_MEMORY',
  'Not enough memory space in the file',
  T6,
);
export const SW_6A85_NC_INCONSISTENT_WITH_TLV = define(
  0x6a85,
  'SW_6A85_NC_INCONSISTENT_WITH_TLV',
  'Nc inconsistent with TLV structure',
  T6,
);
export const SW_6A86_INCORRECT_P1P2 = define(
  0x6a86,
  'SW_6A86_INCORRECT_P1P2',
  'Incorrect parameters P1-P2',
  T6,
);
export const SW_6A87_NC_INCONSISTENT_WITH_P1P2 = define(
  0x6a87,
  'SW_6A87_NC_INCONSISTENT_WITH_P1P2',
  'Nc inconsistent with parameters P1-P2',
  T6,
);
export const SW_6A88_REFERENCED_DATA_NOT_FOUND = define(
  0x6a88,
  'SW_6A88_REFERENCED_DATA_NOT_FOUND',
  'Referenced data or reference data not found',
  T6,
);
export const SW_6A89_FILE_EXISTS = define(0x6a89, 'SW_6A89_FILE_EXISTS', 'File already exists', T6);
export const SW_6A8A_DF_NAME_EXISTS = define(
  0x6a8a,
  'SW_6A8A_DF_NAME_EXISTS',
  'DF name already exists',
  T6,
);
export const SW_6B00_WRONG_P1P2 = define(
  0x6b00,
  'SW_6B00_WRONG_P1P2',
  'Wrong parameters P1-P2 (offset outside the EF)',
  T6,
);
export const SW_6D00_INS_NOT_SUPPORTED = define(
  0x6d00,
  'SW_6D00_INS_NOT_SUPPORTED',
  'Instruction code not supported or invalid',
  T6,
);
export const SW_6E00_CLA_NOT_SUPPORTED = define(
  0x6e00,
  'SW_6E00_CLA_NOT_SUPPORTED',
  'Class not supported',
  T6,
);
export const SW_6F00_NO_PRECISE_DIAGNOSIS = define(
  0x6f00,
  'SW_6F00_NO_PRECISE_DIAGNOSIS',
  'No precise diagnosis',
  T6,
);

/** `61xx`: xx more response bytes available (xx = 00 means 256 or more). ISO/IEC 7816-4 §5.6 Table 5. */
export function sw61(remaining: number): StatusWord {
  return (0x6100 | (remaining >= 256 ? 0 : Math.max(0, remaining))) as StatusWord;
}

/** `6Cxx`: wrong Le; xx is the exact number of available bytes (00 = 256). ISO/IEC 7816-4 §5.6 Table 6. */
export function sw6C(exactNe: number): StatusWord {
  if (exactNe < 1 || exactNe > 256) throw new RangeError(`6Cxx needs 1..256, got ${exactNe}`);
  return (0x6c00 | (exactNe & 0xff)) as StatusWord;
}

/** `63Cx`: verification failed, x retries left (0..15). ISO/IEC 7816-4 §5.6 Table 6. */
export function sw63C(retries: number): StatusWord {
  if (retries < 0 || retries > 15) throw new RangeError(`63Cx needs 0..15, got ${retries}`);
  return (0x63c0 | retries) as StatusWord;
}

/** x of a `63Cx` status word (verification failed, x retries left), undefined for any other. */
export function retriesOf63C(sw: number): number | undefined {
  return (sw & 0xfff0) === 0x63c0 ? sw & 0x0f : undefined;
}

/** Any 16-bit value received from a card (host side) as a StatusWord, described or not. */
export function statusWordOf(value: number): StatusWord {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff)
    throw new RangeError(`not a status word: ${value}`);
  return value as StatusWord;
}

export function swFromResponse(response: Uint8Array): StatusWord {
  const n = response.length;
  if (n < 2) throw new RangeError('response shorter than 2 bytes');
  return statusWordOf(((response[n - 2] as number) << 8) | (response[n - 1] as number));
}

export function swHex(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}

/** Name, text and reference of any status word, including the parametric families. */
export function describeSw(sw: number): SwInfo {
  const known = TABLE.get(sw);
  if (known) return known;
  const s = sw as StatusWord;
  const sw1 = sw >> 8;
  const low = sw & 0xff;
  if (sw1 === 0x61)
    return {
      sw: s,
      name: `SW_61${swHex(sw).slice(2)}_MORE_DATA`,
      text: `${low === 0 ? '256 or more' : low} response bytes still available (GET RESPONSE)`,
      ref: 'ISO/IEC 7816-4:2020 §5.6 Table 5',
    };
  if (sw1 === 0x6c)
    return {
      sw: s,
      name: `SW_6C${swHex(sw).slice(2)}_WRONG_LE`,
      text: `Wrong Le field; ${low === 0 ? 256 : low} data bytes available`,
      ref: T6,
    };
  if ((sw & 0xfff0) === 0x63c0)
    return {
      sw: s,
      name: `SW_63C${(sw & 15).toString(16).toUpperCase()}_RETRIES_LEFT`,
      text: `Verification failed, ${sw & 15} retries left`,
      ref: T6,
    };
  if (sw1 === 0x90 || (sw1 & 0xf0) === 0x90)
    return {
      sw: s,
      name: `SW_${swHex(sw)}`,
      text: 'Proprietary (normal processing class)',
      ref: 'ISO/IEC 7816-4:2020 §5.6',
    };
  return { sw: s, name: `SW_${swHex(sw)}`, text: 'Unknown status word', ref: '—' };
}

/**
 * The jcardsim rule (DESIGN.md §3): response data accompanies only SW1 `61`, `62`, `63`
 * and `9x`; with an error status the card sends the status word alone.
 */
export function swAllowsData(sw: number): boolean {
  const sw1 = sw >> 8;
  return sw1 === 0x61 || sw1 === 0x62 || sw1 === 0x63 || (sw1 & 0xf0) === 0x90;
}

export function isSuccess(sw: number): boolean {
  return sw === SW_9000_OK;
}

/** The whole registered table (for documentation and trace rendering). */
export function allStatusWords(): readonly SwInfo[] {
  return [...TABLE.values()];
}
