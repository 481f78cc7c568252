/**
 * BAC commands of the eMRTD application (ICAO 9303-11 §4.3): GET CHALLENGE (8 bytes) and MUTUAL
 * AUTHENTICATE in plain. The challenge is kept by the card core and consumed by the next
 * authentication command, successful or not (single use, README.md §4.7).
 */
import type { CommandApdu } from '../../../apdu/command-apdu.ts';
import { responseApdu, type ResponseApdu } from '../../../apdu/response-apdu.ts';
import {
  SW_6700_WRONG_LENGTH,
  SW_6A86_INCORRECT_P1P2,
  SW_9000_OK,
} from '../../../apdu/status-words.ts';
import type { CommandContext } from '../../../card/application.ts';
import { CardError } from '../../../card/card-error.ts';
import { getChallengeHandler } from '../../../iso7816/commands/get-challenge.ts';
import { BAC_ERRORS, bacMutualAuthenticate } from '../../../protocols/bac/bac-card.ts';
import { PACE_IDLE } from '../../../protocols/pace/pace-card.ts';
import { FLAG_ACCESS, FLAG_BAC } from '../emrtd-state.ts';
import type { EmrtdRuntime } from '../emrtd-runtime.ts';

export function getChallenge(
  rt: EmrtdRuntime,
  ctx: CommandContext,
  apdu: CommandApdu,
): ResponseApdu {
  if (rt.options.strictChallengeLength && apdu.ne !== 8)
    throw new CardError(SW_6700_WRONG_LENGTH, `GET CHALLENGE Le ${apdu.ne}, 8 expected`);
  return getChallengeHandler(ctx, apdu);
}

export function mutualAuthenticate(
  rt: EmrtdRuntime,
  ctx: CommandContext,
  apdu: CommandApdu,
): ResponseApdu {
  const rndIc = ctx.challenge;
  ctx.challenge = undefined;
  if (!rt.options.bac)
    throw new CardError(BAC_ERRORS.disabled, 'BAC is switched off in this profile');
  if (apdu.p1 !== 0 || apdu.p2 !== 0) throw new CardError(SW_6A86_INCORRECT_P1P2);
  const r = bacMutualAuthenticate(rt.bacKeys, rndIc, apdu.data, ctx.rng.bytes(16));
  ctx.setSmSessionAfterResponse(r.session);
  rt.state.volatile.pace = PACE_IDLE;
  rt.state.establish(ctx, {
    method: 'bac',
    flags: [FLAG_ACCESS, FLAG_BAC],
    idPicc: rt.documentIdPicc,
  });
  ctx.note('BAC established; SM from the next command');
  return responseApdu(SW_9000_OK, r.data);
}
