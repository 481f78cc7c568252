/**
 * MANAGE SECURITY ENVIRONMENT, generic behaviour (ISO/IEC 7816-4:2020 §7.5.11): SET stores the
 * CRT in the current security environment, RESTORE/ERASE clear it, STORE is not supported.
 * Applications override this entry to check key references and algorithms.
 */
import type { CommandApdu } from '../../apdu/command-apdu.ts';
import { responseApdu, type ResponseApdu } from '../../apdu/response-apdu.ts';
import { SW_6A81_FUNCTION_NOT_SUPPORTED, SW_9000_OK } from '../../apdu/status-words.ts';
import type { CommandContext } from '../../card/application.ts';
import { CardError } from '../../card/card-error.ts';
import { parseMse } from '../../security/security-environment.ts';

export function mseHandler(ctx: CommandContext, apdu: CommandApdu): ResponseApdu {
  const mse = parseMse(apdu);
  switch (mse.operation) {
    case 'set':
      ctx.se.set(mse.p2, { p1: mse.p1, dos: mse.dos });
      break;
    case 'restore':
    case 'erase':
      ctx.se.clear();
      break;
    case 'store':
      throw new CardError(SW_6A81_FUNCTION_NOT_SUPPORTED, 'MSE STORE');
  }
  return responseApdu(SW_9000_OK);
}
