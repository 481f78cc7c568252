/**
 * The generic ISO/IEC 7816-4 command table. Applications spread it and override entries
 * (DESIGN.md rule 2).
 */
import {
  INS_22_MSE,
  INS_84_GET_CHALLENGE,
  INS_A4_SELECT,
  INS_B0_READ_BINARY,
  INS_B1_READ_BINARY_ODD,
  INS_B2_READ_RECORD,
  INS_C0_GET_RESPONSE,
} from '../apdu/ins.ts';
import type { Application, HandlerEntry, HandlerTable } from '../card/application.ts';
import { getChallengeHandler } from './commands/get-challenge.ts';
import { getResponseHandler } from './commands/get-response.ts';
import { mseHandler } from './commands/mse.ts';
import { readBinaryHandler, readBinaryOddHandler } from './commands/read-binary.ts';
import { readRecordHandler } from './commands/read-record.ts';
import { selectHandler } from './commands/select.ts';

export const ISO_HANDLERS: HandlerTable = new Map<number, HandlerEntry>([
  [INS_A4_SELECT, { handle: selectHandler }],
  [INS_B0_READ_BINARY, { handle: readBinaryHandler }],
  [INS_B1_READ_BINARY_ODD, { handle: readBinaryOddHandler }],
  [INS_B2_READ_RECORD, { handle: readRecordHandler }],
  [INS_84_GET_CHALLENGE, { handle: getChallengeHandler }],
  [INS_C0_GET_RESPONSE, { handle: getResponseHandler }],
  [INS_22_MSE, { handle: mseHandler, chaining: 'accumulate' }],
]);

/** A plain ISO application (used for the MF of generic cards and the test card). */
export function isoApplication(id = 'iso'): Application {
  return { id, handlers: ISO_HANDLERS };
}
