/**
 * The eMRTD (ICAO LDS1) application's command table and the MF-level fragment for PACE. Built by
 * spreading the generic ISO table and overriding entries (DESIGN.md rule 2):
 *
 * | INS | override | why |
 * |---|---|---|
 * | 22 MSE | `C1 A4` PACE, `41 A6` CA KAT, `41 A4` CA AT, `81 B6` TA DST, `81 A4` TA AT; other forms: ISO | 9303-11 §4.4.4, §6.2.4, §7.1.3 |
 * | 86 GENERAL AUTHENTICATE | PACE steps (per-segment chaining) or CA | 9303-11 §4.4.4.2, §6.2.4.2 |
 * | 84 GET CHALLENGE | exactly 8 bytes | 9303-11 §4.3.4.1 |
 * | 82 MUTUAL / EXTERNAL AUTHENTICATE | plain: BAC; protected: TA | 9303-11 §4.3.4.2, §7.1.3 |
 * | 2A PSO | `00 BE` VERIFY CERTIFICATE | 9303-11 §7.1.3 |
 * | A4 SELECT | a data group before BAC/PACE: `6982` (option `dgSelectBeforeAccess`) | ICAO Part 3 ISO7816_B_3 |
 *
 * No entry is wrapped: the session's rights follow the pipeline's session event
 * (`EmrtdState.sessionChanged`), and PACE notices an interleaved command by its command number
 * when its next GENERAL AUTHENTICATE arrives (`EmrtdState.pace`; ICAO Part 3 P_59..P_61). At MF
 * level the module adds two entries (MSE, GENERAL AUTHENTICATE) to the composer's table and
 * leaves every other entry — every IAS command — as it is.
 */
import type { CommandApdu } from '../../apdu/command-apdu.ts';
import {
  INS_22_MSE,
  INS_2A_PSO,
  INS_82_EXTERNAL_AUTHENTICATE,
  INS_84_GET_CHALLENGE,
  INS_86_GENERAL_AUTHENTICATE,
  INS_A4_SELECT,
} from '../../apdu/ins.ts';
import type { ResponseApdu } from '../../apdu/response-apdu.ts';
import {
  SW_6982_SECURITY_STATUS_NOT_SATISFIED,
  SW_6A86_INCORRECT_P1P2,
} from '../../apdu/status-words.ts';
import type { Tlv } from '../../bytes/ber-tlv.ts';
import type {
  Application,
  CommandContext,
  CommandHandler,
  HandlerEntry,
  HandlerTable,
} from '../../card/application.ts';
import { CardError } from '../../card/card-error.ts';
import { satisfies } from '../../iso7816/access.ts';
import { mseHandler } from '../../iso7816/commands/mse.ts';
import { selectHandler } from '../../iso7816/commands/select.ts';
import { ISO_HANDLERS } from '../../iso7816/iso-application.ts';
import { parseMse } from '../../security/security-environment.ts';
import type { EmrtdRuntime } from './emrtd-runtime.ts';
import { FLAG_ACCESS } from './emrtd-state.ts';
import { getChallenge, mutualAuthenticate } from './handlers/bac-handlers.ts';
import {
  caGaHandler,
  caKatHandler,
  caSetAtHandler,
  taExternalAuthenticateHandler,
  taSetAtHandler,
  taSetDstHandler,
  taVerifyCertificateHandler,
} from './handlers/eac-handlers.ts';
import { paceGaHandler, paceSetAtHandler } from './handlers/pace-handlers.ts';

export const EMRTD_APPLICATION_ID = 'emrtd';

type MseRoute = (rt: EmrtdRuntime, ctx: CommandContext, dos: readonly Tlv[]) => ResponseApdu;

/** MSE:Set forms by P1P2 (9303-11 §4.4.4.1, §6.2.4, §7.1.3). */
const MSE_ROUTES: ReadonlyMap<number, MseRoute> = new Map<number, MseRoute>([
  [0xc1a4, paceSetAtHandler],
  [0x41a6, caKatHandler],
  [0x41a4, caSetAtHandler],
  [0x81b6, taSetDstHandler],
  [0x81a4, taSetAtHandler],
]);

const MF_MSE_ROUTES: ReadonlyMap<number, MseRoute> = new Map([[0xc1a4, paceSetAtHandler]]);

function mseRouter(
  rt: EmrtdRuntime,
  routes: ReadonlyMap<number, MseRoute>,
  fallback: CommandHandler,
): CommandHandler {
  return (ctx, apdu) => {
    const route = routes.get((apdu.p1 << 8) | apdu.p2);
    if (!route) return fallback(ctx, apdu);
    return route(rt, ctx, parseMse(apdu).dos);
  };
}

function checkP1P2Zero(apdu: CommandApdu): void {
  if (apdu.p1 !== 0 || apdu.p2 !== 0)
    throw new CardError(SW_6A86_INCORRECT_P1P2, 'P1-P2 must be 00 00');
}

function generalAuthenticate(rt: EmrtdRuntime, withCa: boolean): CommandHandler {
  return (ctx, apdu) => {
    checkP1P2Zero(apdu);
    const pace = rt.state.pace(ctx);
    if (withCa && pace.step === 'idle' && rt.state.volatile.ca.step !== 'idle')
      return caGaHandler(rt, ctx, apdu);
    return paceGaHandler(rt, ctx, apdu);
  };
}

/** FIDs of EF.DG1–EF.DG16 (ICAO 9303-10 Table 34). */
const isDataGroupFid = (fid: number | undefined): boolean =>
  fid !== undefined && fid >= 0x0101 && fid <= 0x0110;

/**
 * SELECT, with data groups refused before BAC/PACE when the option says so: the selection is
 * undone and `6982` answered (ICAO Part 3 ISO7816_B_3).
 */
function selectWithAccess(rt: EmrtdRuntime): CommandHandler {
  return (ctx, apdu) => {
    const before = ctx.currentEf ?? ctx.currentDf;
    const response = selectHandler(ctx, apdu);
    const ef = ctx.currentEf;
    if (
      rt.options.dgSelectBeforeAccess === '6982' &&
      ef !== undefined &&
      isDataGroupFid(ef.fid) &&
      !ctx.security.has(FLAG_ACCESS)
    ) {
      ctx.select(before);
      throw new CardError(SW_6982_SECURITY_STATUS_NOT_SATISFIED, 'data group before BAC/PACE');
    }
    return response;
  };
}

export function emrtdHandlers(rt: EmrtdRuntime): HandlerTable {
  const table = new Map<number, HandlerEntry>(ISO_HANDLERS);
  table.set(INS_A4_SELECT, { handle: selectWithAccess(rt) });
  table.set(INS_22_MSE, { handle: mseRouter(rt, MSE_ROUTES, mseHandler), chaining: 'accumulate' });
  table.set(INS_86_GENERAL_AUTHENTICATE, {
    handle: generalAuthenticate(rt, true),
    chaining: 'per-segment',
  });
  table.set(INS_84_GET_CHALLENGE, { handle: (ctx, apdu) => getChallenge(rt, ctx, apdu) });
  table.set(INS_82_EXTERNAL_AUTHENTICATE, {
    handle: (ctx, apdu) =>
      ctx.smProtected
        ? taExternalAuthenticateHandler(rt, ctx, apdu)
        : mutualAuthenticate(rt, ctx, apdu),
    chaining: 'accumulate',
  });
  table.set(INS_2A_PSO, {
    handle: (ctx, apdu) => {
      if (apdu.p1 !== 0x00 || apdu.p2 !== 0xbe)
        throw new CardError(SW_6A86_INCORRECT_P1P2, 'PSO other than VERIFY CERTIFICATE');
      return taVerifyCertificateHandler(rt, ctx, apdu);
    },
    chaining: 'accumulate',
  });
  return table;
}

export function emrtdApplication(rt: EmrtdRuntime): Application {
  return {
    id: EMRTD_APPLICATION_ID,
    handlers: emrtdHandlers(rt),
    powerReset: () => rt.state.powerReset(),
    smSessionChanged: (event) => rt.state.sessionChanged(event),
  };
}

/**
 * The MF-level table: `base` (the composer's MF table) with MSE `C1 A4` and GENERAL AUTHENTICATE
 * routed to PACE; every other MSE form goes to `base`'s MSE entry (or the ISO one). Every other
 * entry of `base` is left untouched.
 */
export function withEmrtdMfHandlers(rt: EmrtdRuntime, base: HandlerTable): HandlerTable {
  const table = new Map<number, HandlerEntry>(base);
  const baseMse = base.get(INS_22_MSE);
  const fallback: CommandHandler = (ctx, apdu) => {
    if (baseMse?.requires && !satisfies(baseMse.requires, ctx.security))
      throw new CardError(SW_6982_SECURITY_STATUS_NOT_SATISFIED);
    return (baseMse?.handle ?? mseHandler)(ctx, apdu);
  };
  table.set(INS_22_MSE, {
    handle: mseRouter(rt, MF_MSE_ROUTES, fallback),
    chaining: baseMse?.chaining ?? 'accumulate',
  });
  table.set(INS_86_GENERAL_AUTHENTICATE, {
    handle: generalAuthenticate(rt, false),
    chaining: 'per-segment',
  });
  return table;
}
