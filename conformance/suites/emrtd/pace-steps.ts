/**
 * The PACE steps of the ICAO Part 3 ISO7816_P cases (ICAO 9303-11 §4.4, §9.7.3-9.7.4;
 * emrtd/README.md §2.5): MSE:Set AT C1 A4, then GENERAL AUTHENTICATE 1-4 (CLA 10 for steps 1-3, 00
 * for the last; extended length for 256-byte DH values, emrtd/README.md §1.1), each with options
 * to break it. The terminal side is the project's PaceTerminal (vector-tested against ICAO
 * 9303-11 Appendix G).
 */
import { commandApdu, type CommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { randomBelow } from '../../../emulator/src/crypto/rng.ts';
import {
  digitsPassword,
  gaTemplate,
  PACE_PASSWORD_CAN,
  parseGaTemplate,
} from '../../../emulator/src/protocols/pace/pace-crypto.ts';
import { paceMseData, PaceTerminal } from '../../../emulator/src/protocols/pace/pace-terminal.ts';
import type { PaceInfo } from '../../../emulator/src/protocols/security-infos.ts';
import { PreconditionError, type CaseContext } from '../../lib/case-context.ts';
import type { ApduStep, ConformanceCase, Expectation, Step } from '../../lib/model.ts';
import { emrtd, icao11, icaoP3 } from '../refs.ts';
import { can, emrtdCase } from './common.ts';
import { SW_9000_OK } from '../../../emulator/src/apdu/status-words.ts';

export const ok: Expectation = { sw: ['9000'] };
export const anyError: Expectation = { sw: 'error', why: 'ICAO Part 3: any checking error' };

export function info(ctx: CaseContext): PaceInfo {
  const i = (ctx.vars.get('emrtd.paceInfos') as PaceInfo[] | undefined)?.[0];
  if (!i || i.parameterId === undefined)
    throw new PreconditionError('no PACEInfo with a standardized parameterId in EF.CardAccess');
  return i;
}

export interface PaceRun {
  readonly terminal: PaceTerminal;
  pkMapPcd?: Uint8Array;
  pkPcd?: Uint8Array;
  tPcd?: Uint8Array;
}

export function run(ctx: CaseContext): PaceRun {
  let r = ctx.vars.get('pace') as PaceRun | undefined;
  if (!r) {
    const i = info(ctx);
    const pw =
      (ctx.vars.get('pace.password') as Uint8Array | undefined) ?? digitsPassword(can(ctx));
    r = {
      terminal: new PaceTerminal(i.protocol, i.parameterId as number, pw, {
        privateKey: (d) => randomBelow(ctx.rng, d.order - 1n) + 1n,
      }),
    };
    ctx.vars.set('pace', r);
  }
  return r;
}

const value = (data: Uint8Array, tag: number): Uint8Array => {
  const v = parseGaTemplate(data).find((d) => d.tag === tag)?.value;
  if (!v) throw new PreconditionError(`GA response without DO ${tag.toString(16)}`);
  return v;
};

function ga(cla: number, data: Uint8Array): CommandApdu {
  return data.length > 255
    ? commandApdu({ cla, ins: 0x86, p1: 0, p2: 0, data, ne: 65536, form: 'extended' })
    : commandApdu({ cla, ins: 0x86, p1: 0, p2: 0, data, ne: 256 });
}

export const mse = (
  expect: Expectation = ok,
  data?: (ctx: CaseContext) => Uint8Array,
): ApduStep => ({
  title: 'MSE:Set AT 00 22 C1 A4 (80 OID, 83 password reference)',
  send: (ctx) => {
    const d = data ? data(ctx) : paceMseData(info(ctx).protocol.oid, PACE_PASSWORD_CAN);
    return commandApdu({ cla: 0, ins: 0x22, p1: 0xc1, p2: 0xa4, data: d });
  },
  expect,
});

export interface GaOptions {
  readonly cla?: number;
  /** GA 1 only: start a new terminal run (the chip answers a repeated GA 1 with a fresh nonce). */
  readonly fresh?: boolean;
  /** Replaces the command data (gets the correct data to start from). */
  readonly data?: (ctx: CaseContext, correct: Uint8Array) => Uint8Array;
}

function gaStep(
  step: 1 | 2 | 3 | 4,
  title: string,
  expect: Expectation,
  o: GaOptions,
  correct: (ctx: CaseContext) => Uint8Array,
  after: (ctx: CaseContext, data: Uint8Array) => void,
): ApduStep {
  return {
    title: `GA ${step}: ${title}`,
    send: (ctx) => {
      const c = correct(ctx);
      return ga(o.cla ?? (step === 4 ? 0x00 : 0x10), o.data ? o.data(ctx, c) : c);
    },
    expect,
    after: (ctx, r) => {
      if (r.sw === SW_9000_OK) after(ctx, r.data);
    },
  };
}

export const ga1 = (
  expect: Expectation = { sw: ['9000'], data: { prefix: '7C' } },
  o: GaOptions = {},
): ApduStep =>
  gaStep(
    1,
    'encrypted nonce (7C 00)',
    expect,
    o,
    () => gaTemplate(),
    (ctx, d) => {
      if (o.fresh) ctx.vars.delete('pace');
      const r = run(ctx);
      r.pkMapPcd = r.terminal.mappingKey(value(d, 0x80));
    },
  );

export const ga2 = (expect: Expectation = ok, o: GaOptions = {}): ApduStep =>
  gaStep(
    2,
    'map nonce (81 PK_map,PCD)',
    expect,
    o,
    (ctx) => gaTemplate(tlv(0x81, run(ctx).pkMapPcd ?? new Uint8Array(0))),
    (ctx, d) => {
      const r = run(ctx);
      r.pkPcd = r.terminal.ephemeralKey(value(d, 0x82));
    },
  );

export const ga3 = (expect: Expectation = ok, o: GaOptions = {}): ApduStep =>
  gaStep(
    3,
    'key agreement (83 PK_PCD)',
    expect,
    o,
    (ctx) => gaTemplate(tlv(0x83, run(ctx).pkPcd ?? new Uint8Array(0))),
    (ctx, d) => {
      const r = run(ctx);
      r.tPcd = r.terminal.token(value(d, 0x84));
    },
  );

export const ga4 = (expect: Expectation = ok, o: GaOptions = {}): ApduStep =>
  gaStep(
    4,
    'mutual authentication (85 T_PCD)',
    expect,
    o,
    (ctx) => gaTemplate(tlv(0x85, run(ctx).tPcd ?? new Uint8Array(0))),
    (ctx, d) => {
      ctx.sm = run(ctx).terminal.finish(value(d, 0x86));
    },
  );

export const selectApp: ApduStep = {
  title: 'protected SELECT eMRTD AID',
  send: '00A4040C<EMRTD_AID_LV>',
  protect: 'sm',
  expect: ok,
};
export const readCom: ApduStep = {
  title: 'protected READ BINARY EF.COM (SFI 1E, 4 bytes)',
  send: '00B09E0004',
  protect: 'sm',
  expect: { sw: ['9000'], data: { prefix: '60' } },
};
export const full = (): ApduStep[] => [mse(), ga1(), ga2(), ga3(), ga4()];
export const usePassword = (pw: (ctx: CaseContext) => Uint8Array): ApduStep => ({
  title: 'terminal password chosen',
  send: '00A4000C023F00',
  expect: ok,
  after: (ctx) => void ctx.vars.set('pace.password', pw(ctx)),
});

/** An ICAO Part 3 P case (number) or a project case (`CIE_EMRTD_PACE_<n>`). */
export function p(
  n: number | string,
  title: string,
  steps: Step[],
  refs: ConformanceCase['refs'] = [],
  applies: string[] = [],
): ConformanceCase {
  const id = typeof n === 'number' ? `ISO7816_P_${n}` : n;
  return emrtdCase(
    id,
    title,
    [
      ...(typeof n === 'number' ? [icaoP3(`ISO7816_P_${n}`)] : []),
      icao11('§4.4'),
      emrtd('§2.5'),
      ...refs,
    ],
    { applies: ['PACE', ...applies], preconditions: ['card_access_read'], steps },
    typeof n === 'number' ? 'ISO7816_P' : 'CIE_EMRTD_PACE',
  );
}

export const flip = (b: Uint8Array, i: number): Uint8Array => {
  const c = b.slice();
  c[i] = (c[i] as number) ^ 0x01;
  return c;
};
export const oidOf = (ctx: CaseContext): Uint8Array =>
  paceMseData(info(ctx).protocol.oid, PACE_PASSWORD_CAN).subarray(
    2,
    2 + (paceMseData(info(ctx).protocol.oid, PACE_PASSWORD_CAN)[1] as number),
  );
export const dhValue = (
  ctx: CaseContext,
  fill: 'zero' | 'one' | 'ff',
  len?: number,
): Uint8Array => {
  const n = len ?? run(ctx).pkMapPcd?.length ?? 256;
  if (fill === 'ff') return new Uint8Array(n).fill(0xff);
  const v = new Uint8Array(n);
  if (fill === 'one') v[n - 1] = 1;
  return v;
};
/** The matrix's interleaved command (P_58..P_61): READ BINARY of EF.CardAccess by SFI, 1 byte. */
export const interleave: ApduStep = {
  title: 'an unexpected command: READ BINARY 00 B0 9C 00 01 (EF.CardAccess by SFI)',
  send: '00B09C0001',
  expect: { sw: ['9000', 'error'], why: 'ICAO Part 3 P_58..P_61: any answer' },
};

/** MSE:Set AT with password reference `ref` (01 MRZ, 02 CAN) and, optionally, DO 84. */
export const msePassword = (
  ref: number,
  withParameterId: boolean,
  expect: Expectation = ok,
): ApduStep =>
  mse(expect, (c) =>
    paceMseData(info(c).protocol.oid, ref, withParameterId ? info(c).parameterId : undefined),
  );

/** MSE:Set AT data with DO 80 = the PACE OID, then `rest` (raw DOs). */
export const mseRaw =
  (rest: (ctx: CaseContext) => Uint8Array): ((c: CaseContext) => Uint8Array) =>
  (c) =>
    concatBytes(tlv(0x80, oidOf(c)), rest(c));

/** DO 84 with the PACEInfo's parameter id. */
export const do84 = (c: CaseContext): Uint8Array =>
  tlv(0x84, Uint8Array.of(info(c).parameterId as number));
