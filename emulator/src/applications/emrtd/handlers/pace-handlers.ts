/**
 * PACE commands of the eMRTD application (and of the MF, where real CIE readers run PACE first,
 * README.md §1.4): MSE:Set AT `C1 A4` and the GENERAL AUTHENTICATE chain. Protocol logic lives in
 * `protocols/pace/pace-card.ts`; this file binds it to the card: state, SM session start, rights,
 * anti-hammering delay.
 */
import type { CommandApdu } from '../../../apdu/command-apdu.ts';
import { responseApdu, type ResponseApdu } from '../../../apdu/response-apdu.ts';
import { SW_6985_CONDITIONS_NOT_SATISFIED, SW_9000_OK } from '../../../apdu/status-words.ts';
import type { Tlv } from '../../../bytes/ber-tlv.ts';
import type { CommandContext } from '../../../card/application.ts';
import { CardError } from '../../../card/card-error.ts';
import {
  PACE_ERRORS,
  PACE_IDLE,
  paceGeneralAuthenticate,
  paceSetAt,
} from '../../../protocols/pace/pace-card.ts';
import { CA_IDLE } from '../../../protocols/chip-auth/ca-card.ts';
import { TA_IDLE } from '../../../protocols/terminal-auth/ta-card.ts';
import { FLAG_ACCESS, FLAG_PACE } from '../emrtd-state.ts';
import type { EmrtdRuntime } from '../emrtd-runtime.ts';

/** MSE:Set AT for PACE (9303-11 §4.4.4.1). Starting PACE abandons any protocol in progress. */
export function paceSetAtHandler(
  rt: EmrtdRuntime,
  ctx: CommandContext,
  dos: readonly Tlv[],
): ResponseApdu {
  const v = rt.state.volatile;
  rt.state.setPace(ctx, PACE_IDLE);
  const delay = rt.options.paceFailureDelay;
  if (
    delay.mode === 'refuse' &&
    v.lastPaceFailure !== undefined &&
    ctx.clock.nowMicros() - v.lastPaceFailure < delay.ms * 1000
  ) {
    throw new CardError(
      SW_6985_CONDITIONS_NOT_SATISFIED,
      'PACE refused: anti-hammering delay after a wrong password',
    );
  }
  rt.state.setPace(ctx, paceSetAt(rt.pace, dos));
  return responseApdu(SW_9000_OK);
}

/** One GENERAL AUTHENTICATE step; any error returns PACE to idle (ICAO Part 3 category P). */
export function paceGaHandler(
  rt: EmrtdRuntime,
  ctx: CommandContext,
  apdu: CommandApdu,
): ResponseApdu {
  const v = rt.state.volatile;
  const current = rt.state.pace(ctx);
  let result;
  try {
    result = paceGeneralAuthenticate(current, rt.pace, apdu.data, ctx.chained, rt.paceEntropy(ctx));
  } catch (e) {
    v.pace = PACE_IDLE;
    if (e instanceof CardError && e.sw === PACE_ERRORS.wrongToken) {
      v.lastPaceFailure = ctx.clock.nowMicros();
      if (rt.options.paceFailureDelay.mode === 'stall') rt.stall(rt.options.paceFailureDelay.ms);
    }
    throw e;
  }
  rt.state.setPace(ctx, result.state);
  const est = result.established;
  if (est) {
    ctx.setSmSessionAfterResponse(est.session);
    v.ca = CA_IDLE;
    v.ta = TA_IDLE;
    rt.state.establish(ctx, {
      method: 'pace',
      flags: [FLAG_ACCESS, FLAG_PACE],
      idPicc: est.mapped.compress(est.pkIc),
    });
    ctx.note(
      `PACE established (${est.protocol.oid}, password ${est.passwordRef}); SM from the next command, SSC 0`,
    );
  }
  return responseApdu(SW_9000_OK, result.data);
}
