/**
 * Instruction bytes named with their hex value (DESIGN.md rule 12), with a name table for
 * trace annotation. ISO/IEC 7816-4:2020 §5.4 Table 4 and ICAO 9303-11 (GENERAL AUTHENTICATE,
 * MUTUAL AUTHENTICATE). Application-specific meanings are added by the applications.
 */

export const INS_0E_ERASE_BINARY = 0x0e;
export const INS_20_VERIFY = 0x20;
export const INS_22_MSE = 0x22;
export const INS_24_CHANGE_REFERENCE_DATA = 0x24;
export const INS_2A_PSO = 0x2a;
export const INS_2C_RESET_RETRY_COUNTER = 0x2c;
export const INS_44_ACTIVATE_FILE = 0x44;
export const INS_70_MANAGE_CHANNEL = 0x70;
export const INS_82_EXTERNAL_AUTHENTICATE = 0x82;
export const INS_84_GET_CHALLENGE = 0x84;
export const INS_86_GENERAL_AUTHENTICATE = 0x86;
export const INS_87_GENERAL_AUTHENTICATE_ODD = 0x87;
export const INS_88_INTERNAL_AUTHENTICATE = 0x88;
export const INS_A4_SELECT = 0xa4;
export const INS_B0_READ_BINARY = 0xb0;
export const INS_B1_READ_BINARY_ODD = 0xb1;
export const INS_B2_READ_RECORD = 0xb2;
export const INS_B3_READ_RECORD_ODD = 0xb3;
export const INS_C0_GET_RESPONSE = 0xc0;
export const INS_CA_GET_DATA = 0xca;
export const INS_CB_GET_DATA_ODD = 0xcb;
export const INS_D6_UPDATE_BINARY = 0xd6;
export const INS_DC_UPDATE_RECORD = 0xdc;
export const INS_E2_APPEND_RECORD = 0xe2;

const NAMES: ReadonlyMap<number, string> = new Map([
  [INS_0E_ERASE_BINARY, 'ERASE BINARY'],
  [INS_20_VERIFY, 'VERIFY'],
  [INS_22_MSE, 'MANAGE SECURITY ENVIRONMENT'],
  [INS_24_CHANGE_REFERENCE_DATA, 'CHANGE REFERENCE DATA'],
  [INS_2A_PSO, 'PERFORM SECURITY OPERATION'],
  [INS_2C_RESET_RETRY_COUNTER, 'RESET RETRY COUNTER'],
  [INS_44_ACTIVATE_FILE, 'ACTIVATE FILE'],
  [INS_70_MANAGE_CHANNEL, 'MANAGE CHANNEL'],
  [INS_82_EXTERNAL_AUTHENTICATE, 'EXTERNAL/MUTUAL AUTHENTICATE'],
  [INS_84_GET_CHALLENGE, 'GET CHALLENGE'],
  [INS_86_GENERAL_AUTHENTICATE, 'GENERAL AUTHENTICATE'],
  [INS_87_GENERAL_AUTHENTICATE_ODD, 'GENERAL AUTHENTICATE (odd)'],
  [INS_88_INTERNAL_AUTHENTICATE, 'INTERNAL AUTHENTICATE'],
  [INS_A4_SELECT, 'SELECT'],
  [INS_B0_READ_BINARY, 'READ BINARY'],
  [INS_B1_READ_BINARY_ODD, 'READ BINARY (odd)'],
  [INS_B2_READ_RECORD, 'READ RECORD'],
  [INS_B3_READ_RECORD_ODD, 'READ RECORD (odd)'],
  [INS_C0_GET_RESPONSE, 'GET RESPONSE'],
  [INS_CA_GET_DATA, 'GET DATA'],
  [INS_CB_GET_DATA_ODD, 'GET DATA (odd)'],
  [INS_D6_UPDATE_BINARY, 'UPDATE BINARY'],
  [INS_DC_UPDATE_RECORD, 'UPDATE RECORD'],
  [INS_E2_APPEND_RECORD, 'APPEND RECORD'],
]);

export function insName(ins: number): string {
  return NAMES.get(ins) ?? `INS ${ins.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** ISO/IEC 7816-4 §5.4: INS values `6x` and `9x` are invalid (they would be procedure bytes in T=0). */
export function isInvalidIns(ins: number): boolean {
  const hi = ins & 0xf0;
  return hi === 0x60 || hi === 0x90;
}
