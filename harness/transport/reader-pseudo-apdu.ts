/**
 * The reader pseudo-APDUs a PC/SC contactless reader answers itself (PC/SC part 3 v2.01.09
 * §3.2.2.1.3 GET DATA; nfc/README.md §2). They never reach the card: a real reader
 * intercepts them, so the virtual reader does too. The reader owns `FF CA` (GET DATA) and knows:
 *
 * ```
 * FF CA 00 00 Le   UID of the card in the field
 * FF CA 01 00 Le   historical bytes of the ATS (ISO 14443-4 type A)
 * ```
 * Le = 00 returns everything. Le larger than the data → data + 6282; smaller → 6Cxx (exact
 * length); other P1/P2 → 6A81; not a 5-byte case-2 command → 6700 (all per §3.2.2.1.3 Table 3-7).
 * Every other command, including other CLA=FF instructions, goes to the card untouched.
 */
import { encodeResponseApdu, responseApdu } from '../../emulator/src/apdu/response-apdu.ts';
import {
  SW_6282_END_OF_FILE,
  SW_6700_WRONG_LENGTH,
  SW_6A81_FUNCTION_NOT_SUPPORTED,
  SW_9000_OK,
  sw6C,
} from '../../emulator/src/apdu/status-words.ts';

export const PSEUDO_CLA = 0xff;
export const PSEUDO_INS_GET_DATA = 0xca;

export interface ContactlessIdentity {
  /** UID of the current activation. */
  readonly uid: Uint8Array;
  /** ATS historical bytes. */
  readonly historicalBytes: Uint8Array;
}

/** True for `FF CA ...`: the command is the reader's to answer. */
export function isReaderPseudoApdu(command: Uint8Array): boolean {
  return command.length >= 2 && command[0] === PSEUDO_CLA && command[1] === PSEUDO_INS_GET_DATA;
}

function getData(data: Uint8Array, le: number): Uint8Array {
  const ne = le === 0 ? data.length : le;
  if (ne > data.length) return encodeResponseApdu(responseApdu(SW_6282_END_OF_FILE, data));
  if (ne < data.length) return encodeResponseApdu(responseApdu(sw6C(Math.min(data.length, 256))));
  return encodeResponseApdu(responseApdu(SW_9000_OK, data));
}

/** The reader's answer to a `FF CA` command, or `undefined` when the command is for the card. */
export function answerReaderPseudoApdu(
  command: Uint8Array,
  identity: ContactlessIdentity,
): Uint8Array | undefined {
  if (!isReaderPseudoApdu(command)) return undefined;
  if (command.length !== 5) return encodeResponseApdu(responseApdu(SW_6700_WRONG_LENGTH));
  const p1 = command[2] as number;
  const p2 = command[3] as number;
  const le = command[4] as number;
  if (p2 !== 0x00) return encodeResponseApdu(responseApdu(SW_6A81_FUNCTION_NOT_SUPPORTED));
  if (p1 === 0x00) return getData(identity.uid, le);
  if (p1 === 0x01) return getData(identity.historicalBytes, le);
  return encodeResponseApdu(responseApdu(SW_6A81_FUNCTION_NOT_SUPPORTED));
}
