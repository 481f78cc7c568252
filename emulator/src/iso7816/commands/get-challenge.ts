/**
 * GET CHALLENGE (ISO/IEC 7816-4:2020 §7.5.3): Ne random bytes, kept as the challenge the next
 * authentication command may consume once.
 */
import type { CommandApdu } from '../../apdu/command-apdu.ts';
import { responseApdu, type ResponseApdu } from '../../apdu/response-apdu.ts';
import {
  SW_6700_WRONG_LENGTH,
  SW_6A86_INCORRECT_P1P2,
  SW_9000_OK,
} from '../../apdu/status-words.ts';
import type { CommandContext } from '../../card/application.ts';
import { CardError } from '../../card/card-error.ts';

export function getChallengeHandler(ctx: CommandContext, apdu: CommandApdu): ResponseApdu {
  if (apdu.p1 !== 0 || apdu.p2 !== 0) throw new CardError(SW_6A86_INCORRECT_P1P2);
  if (apdu.data.length > 0 || apdu.ne === 0 || apdu.ne > 256) {
    throw new CardError(SW_6700_WRONG_LENGTH, 'GET CHALLENGE needs Le and no data');
  }
  const challenge = ctx.rng.bytes(apdu.ne);
  ctx.challenge = challenge;
  return responseApdu(SW_9000_OK, challenge);
}
