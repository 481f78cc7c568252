/**
 * GET RESPONSE when nothing is pending (ISO/IEC 7816-4:2020 §7.6.1). Pending data is served by
 * the pipeline itself (`card/response-buffer.ts`) before secure messaging is looked at, because
 * the CIE desktop middleware sends it as `0C C0 00 00 00` inside an SM session (ias/README.md §3 row 26).
 * Without pending data: `6985` (conditions of use not satisfied).
 */
import type { CommandApdu } from '../../apdu/command-apdu.ts';
import type { ResponseApdu } from '../../apdu/response-apdu.ts';
import { SW_6985_CONDITIONS_NOT_SATISFIED } from '../../apdu/status-words.ts';
import type { CommandContext } from '../../card/application.ts';
import { CardError } from '../../card/card-error.ts';

export function getResponseHandler(_ctx: CommandContext, _apdu: CommandApdu): ResponseApdu {
  throw new CardError(SW_6985_CONDITIONS_NOT_SATISFIED, 'GET RESPONSE without pending data');
}
