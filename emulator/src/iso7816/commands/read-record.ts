/**
 * READ RECORD (ISO/IEC 7816-4:2020 §7.3.3), absolute addressing only:
 *
 * ```
 * P1 = record number (01..FE)      P2 = sssss 100: record P1 of the EF with SFI s (s = 0: current EF)
 * ```
 * Other P2 modes (first/last/next/previous, "P1 and following") are not supported here: `6A86`.
 * Unknown record: `6A83`. A record shorter than Ne: data with the EOF status of the personality.
 */
import type { CommandApdu } from '../../apdu/command-apdu.ts';
import { responseApdu, type ResponseApdu } from '../../apdu/response-apdu.ts';
import {
  SW_6282_END_OF_FILE,
  SW_6700_WRONG_LENGTH,
  SW_6981_INCOMPATIBLE_FILE_STRUCTURE,
  SW_6986_NO_CURRENT_EF,
  SW_6A82_FILE_NOT_FOUND,
  SW_6A83_RECORD_NOT_FOUND,
  SW_6A86_INCORRECT_P1P2,
  SW_9000_OK,
  sw6C,
} from '../../apdu/status-words.ts';
import type { CommandContext } from '../../card/application.ts';
import { CardError } from '../../card/card-error.ts';
import type { EfNode } from '../fs/nodes.ts';
import { checkReadable } from './read-binary.ts';

export function readRecordHandler(ctx: CommandContext, apdu: CommandApdu): ResponseApdu {
  if (apdu.data.length > 0)
    throw new CardError(SW_6700_WRONG_LENGTH, 'READ RECORD with a data field');
  if ((apdu.p2 & 0x07) !== 0x04 || apdu.p1 === 0x00 || apdu.p1 === 0xff) {
    throw new CardError(
      SW_6A86_INCORRECT_P1P2,
      'only absolute record addressing (P2 b3-b1 = 100) is supported',
    );
  }
  const sfi = apdu.p2 >> 3;
  let ef: EfNode | undefined;
  if (sfi === 0) {
    ef = ctx.currentEf;
    if (!ef) throw new CardError(SW_6986_NO_CURRENT_EF);
  } else {
    ef = ctx.fs.childBySfi(ctx.currentDf, sfi);
    if (!ef) throw new CardError(SW_6A82_FILE_NOT_FOUND, `no EF with SFI ${sfi}`);
    ctx.select(ef);
  }
  if (ef.kind !== 'EF-record')
    throw new CardError(SW_6981_INCOMPATIBLE_FILE_STRUCTURE, 'not a record EF');
  checkReadable(ctx, ef);
  const record = ef.records[apdu.p1 - 1];
  if (record === undefined) throw new CardError(SW_6A83_RECORD_NOT_FOUND, `record ${apdu.p1}`);
  const want = apdu.ne === 0 ? 256 : apdu.ne;
  if (record.length >= want) return responseApdu(SW_9000_OK, record.subarray(0, want));
  switch (ctx.options.readBeyondEof) {
    case '6282':
      return responseApdu(SW_6282_END_OF_FILE, record);
    case '9000':
      return responseApdu(SW_9000_OK, record);
    case '6Cxx':
      return record.length === 0
        ? responseApdu(SW_6282_END_OF_FILE)
        : responseApdu(sw6C(record.length));
  }
}
