/**
 * Extended Access Control of the eMRTD application: Chip Authentication v1 (MSE:Set KAT, or
 * MSE:Set AT + GENERAL AUTHENTICATE) and Terminal Authentication v1 (MSE:Set DST, PSO:VERIFY
 * CERTIFICATE, MSE:Set AT, EXTERNAL AUTHENTICATE). ICAO 9303-11 §6.2 and §7.1; README.md §2.6–2.7.
 * Protocol logic: `protocols/chip-auth`, `protocols/terminal-auth`.
 */
import type { CommandApdu } from '../../../apdu/command-apdu.ts';
import { responseApdu, type ResponseApdu } from '../../../apdu/response-apdu.ts';
import { SW_6982_SECURITY_STATUS_NOT_SATISFIED, SW_9000_OK } from '../../../apdu/status-words.ts';
import type { Tlv } from '../../../bytes/ber-tlv.ts';
import type { CommandContext } from '../../../card/application.ts';
import { CardError } from '../../../card/card-error.ts';
import {
  CA_ERRORS,
  CA_IDLE,
  caGeneralAuthenticate,
  caSetAt,
  caSetKat,
  type CaResult,
} from '../../../protocols/chip-auth/ca-card.ts';
import { RIGHT_READ_DG3, RIGHT_READ_DG4 } from '../../../protocols/terminal-auth/cv-certificate.ts';
import {
  TA_IDLE,
  taExternalAuthenticate,
  taSetAt,
  taSetDst,
  taVerifyCertificate,
} from '../../../protocols/terminal-auth/ta-card.ts';
import {
  FLAG_ACCESS,
  FLAG_CA,
  FLAG_TA_DG3,
  FLAG_TA_DG4,
  type AccessRecord,
} from '../emrtd-state.ts';
import type { EmrtdRuntime } from '../emrtd-runtime.ts';

/** EAC needs basic access (BAC/PACE) under secure messaging. */
function access(ctx: CommandContext, rt: EmrtdRuntime, what: string): AccessRecord {
  const record = rt.state.volatile.access;
  if (!ctx.smProtected || !record || !ctx.security.has(FLAG_ACCESS)) {
    throw new CardError(
      SW_6982_SECURITY_STATUS_NOT_SATISFIED,
      `${what} needs BAC or PACE and secure messaging`,
    );
  }
  return record;
}

function rekey(
  rt: EmrtdRuntime,
  ctx: CommandContext,
  record: AccessRecord,
  r: CaResult,
): ResponseApdu {
  // The new keys keep the PACE/BAC access rights (ICAO 9303-11 §6.2); TA rights must be earned again.
  ctx.setSmSessionAfterResponse(r.session, { keepFlags: true });
  ctx.security.revoke(FLAG_TA_DG3);
  ctx.security.revoke(FLAG_TA_DG4);
  rt.state.volatile.ca = CA_IDLE;
  rt.state.volatile.ta = TA_IDLE;
  rt.state.establish(ctx, {
    ...record,
    flags: [
      ...record.flags.filter((f) => f !== FLAG_TA_DG3 && f !== FLAG_TA_DG4),
      ...(record.flags.includes(FLAG_CA) ? [] : [FLAG_CA]),
    ],
    caCompPkPcd: r.key.domain.compress(r.pkPcd),
  });
  ctx.note(
    `Chip Authentication (${r.key.protocol.oid}): new session keys from the next command, SSC 0`,
  );
  return responseApdu(SW_9000_OK, r.data);
}

export function caKatHandler(
  rt: EmrtdRuntime,
  ctx: CommandContext,
  dos: readonly Tlv[],
): ResponseApdu {
  const record = access(ctx, rt, 'Chip Authentication');
  return rekey(rt, ctx, record, caSetKat(rt.caKeys, dos, ctx.smProtected));
}

/**
 * MSE:Set AT for CA only selects protocol and key, so it needs no access rights (the GENERAL
 * AUTHENTICATE that follows does); an unknown key reference leaves the state `refused`.
 */
export function caSetAtHandler(
  rt: EmrtdRuntime,
  _ctx: CommandContext,
  dos: readonly Tlv[],
): ResponseApdu {
  try {
    rt.state.volatile.ca = caSetAt(rt.caKeys, dos);
  } catch (e) {
    rt.state.volatile.ca =
      e instanceof CardError && e.sw === CA_ERRORS.unknownKey ? { step: 'refused' } : CA_IDLE;
    throw e;
  }
  return responseApdu(SW_9000_OK);
}

export function caGaHandler(
  rt: EmrtdRuntime,
  ctx: CommandContext,
  apdu: CommandApdu,
): ResponseApdu {
  const record = access(ctx, rt, 'Chip Authentication');
  const state = rt.state.volatile.ca;
  rt.state.volatile.ca = CA_IDLE;
  return rekey(rt, ctx, record, caGeneralAuthenticate(state, apdu.data, ctx.smProtected));
}

export function taSetDstHandler(
  rt: EmrtdRuntime,
  ctx: CommandContext,
  dos: readonly Tlv[],
): ResponseApdu {
  access(ctx, rt, 'Terminal Authentication');
  rt.state.volatile.ta = taSetDst(rt.state.volatile.ta, rt.state.persistent, dos);
  return responseApdu(SW_9000_OK);
}

export function taVerifyCertificateHandler(
  rt: EmrtdRuntime,
  ctx: CommandContext,
  apdu: CommandApdu,
): ResponseApdu {
  access(ctx, rt, 'PSO:VERIFY CERTIFICATE');
  const v = rt.state.volatile;
  try {
    v.ta = taVerifyCertificate(v.ta, rt.state.persistent, apdu.data);
  } catch (e) {
    v.ta = v.ta.step === 'authenticated' ? TA_IDLE : { step: 'idle', keys: v.ta.keys };
    throw e;
  }
  return responseApdu(SW_9000_OK);
}

export function taSetAtHandler(
  rt: EmrtdRuntime,
  ctx: CommandContext,
  dos: readonly Tlv[],
): ResponseApdu {
  const record = access(ctx, rt, 'Terminal Authentication');
  rt.state.volatile.ta = taSetAt(rt.state.volatile.ta, dos, record.caCompPkPcd !== undefined);
  return responseApdu(SW_9000_OK);
}

export function taExternalAuthenticateHandler(
  rt: EmrtdRuntime,
  ctx: CommandContext,
  apdu: CommandApdu,
): ResponseApdu {
  const record = access(ctx, rt, 'EXTERNAL AUTHENTICATE');
  const challenge = ctx.challenge;
  ctx.challenge = undefined;
  const v = rt.state.volatile;
  const binding = { idPicc: record.idPicc, compPkPcd: record.caCompPkPcd ?? new Uint8Array(0) };
  let state;
  try {
    state = taExternalAuthenticate(v.ta, challenge, apdu.data, binding);
  } catch (e) {
    // The terminal must select its key again (MSE:Set AT) and fetch a new challenge; imported keys stay.
    v.ta = v.ta.step === 'authenticated' ? TA_IDLE : { step: 'idle', keys: v.ta.keys };
    throw e;
  }
  v.ta = state;
  const rights = state.step === 'authenticated' ? state.rights : 0;
  const flags = [
    ...((rights & RIGHT_READ_DG3) !== 0 ? [FLAG_TA_DG3] : []),
    ...((rights & RIGHT_READ_DG4) !== 0 ? [FLAG_TA_DG4] : []),
  ];
  rt.state.establish(ctx, {
    ...record,
    flags: [...record.flags, ...flags.filter((f) => !record.flags.includes(f))],
  });
  ctx.note(`Terminal Authentication: rights ${flags.length > 0 ? flags.join(', ') : 'none'}`);
  return responseApdu(SW_9000_OK);
}
