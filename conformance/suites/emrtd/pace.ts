/**
 * eMRTD suite, ICAO Part 3 ISO7816_P: PACE (ICAO 9303-11 §4.4, §9.7.3-9.7.4; emrtd/README.md §2.5),
 * step by step so each negative case can break one step: MSE:Set AT C1 A4, then GENERAL
 * AUTHENTICATE 1-4 (CLA 10 for steps 1-3, 00 for the last; extended length for 256-byte DH
 * values, emrtd/README.md §1.1). The terminal side is the project's PaceTerminal (vector-tested against
 * ICAO 9303-11 Appendix G). ICAO leaves most negative SWs open ("any checking error"); where the
 * CIE has been observed (6A88 for the PIN reference, 6300 for a wrong token) the case pins it.
 */
import { commandApdu, type CommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { randomBelow } from '../../../emulator/src/crypto/rng.ts';
import {
  digitsPassword,
  gaTemplate,
  mrzPassword,
  PACE_PASSWORD_CAN,
  parseGaTemplate,
} from '../../../emulator/src/protocols/pace/pace-crypto.ts';
import { paceMseData, PaceTerminal } from '../../../emulator/src/protocols/pace/pace-terminal.ts';
import type { PaceInfo } from '../../../emulator/src/protocols/security-infos.ts';
import { PreconditionError, type CaseContext } from '../../lib/case-context.ts';
import type { ApduStep, ConformanceCase, Expectation } from '../../lib/model.ts';
import { emrtd, icao11, icaoP3 } from '../refs.ts';
import { can, emrtdCase, mrz } from './common.ts';
import { SW_9000_OK } from '../../../emulator/src/apdu/status-words.ts';

const ok: Expectation = { sw: ['9000'] };
const anyError: Expectation = { sw: 'error', why: 'ICAO Part 3: any checking error' };

function info(ctx: CaseContext): PaceInfo {
  const i = (ctx.vars.get('emrtd.paceInfos') as PaceInfo[] | undefined)?.[0];
  if (!i || i.parameterId === undefined)
    throw new PreconditionError('no PACEInfo with a standardized parameterId in EF.CardAccess');
  return i;
}

interface PaceRun {
  readonly terminal: PaceTerminal;
  pkMapPcd?: Uint8Array;
  pkPcd?: Uint8Array;
  tPcd?: Uint8Array;
}

function run(ctx: CaseContext): PaceRun {
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

interface GaOptions {
  readonly cla?: number;
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

const selectApp: ApduStep = {
  title: 'protected SELECT eMRTD AID',
  send: '00A4040C<EMRTD_AID_LV>',
  protect: 'sm',
  expect: ok,
};
const readCom: ApduStep = {
  title: 'protected READ BINARY EF.COM (SFI 1E, 4 bytes)',
  send: '00B09E0004',
  protect: 'sm',
  expect: { sw: ['9000'], data: { prefix: '60' } },
};
const full = (): ApduStep[] => [mse(), ga1(), ga2(), ga3(), ga4()];
const usePassword = (pw: (ctx: CaseContext) => Uint8Array): ApduStep => ({
  title: 'terminal password chosen',
  send: '00A4000C023F00',
  expect: ok,
  after: (ctx) => void ctx.vars.set('pace.password', pw(ctx)),
});

function p(
  n: number | string,
  title: string,
  steps: ApduStep[],
  refs: ConformanceCase['refs'] = [],
  applies: string[] = [],
): ConformanceCase {
  const id = typeof n === 'number' ? `ISO7816_P_${n}` : n;
  return emrtdCase(
    id,
    title,
    [
      ...(typeof n === 'number' ? [icaoP3(`ISO7816_P_${n} (§3.14)`)] : []),
      icao11('§4.4'),
      emrtd('§2.5'),
      ...refs,
    ],
    { applies: ['PACE', ...applies], preconditions: ['card_access_read'], steps },
    typeof n === 'number' ? 'ISO7816_P' : 'CIE_EMRTD_PACE',
  );
}

const flip = (b: Uint8Array, i: number): Uint8Array => {
  const c = b.slice();
  c[i] = (c[i] as number) ^ 0x01;
  return c;
};
const oidOf = (ctx: CaseContext): Uint8Array =>
  paceMseData(info(ctx).protocol.oid, PACE_PASSWORD_CAN).subarray(
    2,
    2 + (paceMseData(info(ctx).protocol.oid, PACE_PASSWORD_CAN)[1] as number),
  );
const dhValue = (ctx: CaseContext, fill: 'zero' | 'one' | 'ff', len?: number): Uint8Array => {
  const n = len ?? run(ctx).pkMapPcd?.length ?? 256;
  if (fill === 'ff') return new Uint8Array(n).fill(0xff);
  const v = new Uint8Array(n);
  if (fill === 'one') v[n - 1] = 1;
  return v;
};
const interleave: ApduStep = {
  title: 'an interleaved command (GET CHALLENGE)',
  send: '0084000008',
  expect: { sw: ['9000', '6985', '6982'] },
};

export const PACE_CASES: readonly ConformanceCase[] = [
  p(
    1,
    'PACE with the MRZ password establishes SM (generic mapping)',
    [
      usePassword((c) => mrzPassword(mrz(c))),
      mse(ok, (c) => paceMseData(info(c).protocol.oid, 0x01)),
      ga1(),
      ga2(),
      ga3(),
      ga4(),
      selectApp,
      readCom,
    ],
    [],
    ['PACE-MRZ'],
  ),
  p(
    2,
    'PACE with the CAN establishes SM; the application is selected and read under SM (SSC 0)',
    [...full(), selectApp, readCom],
    [emrtd('§1.4 (real CIE exchange)')],
    ['PACE-CAN'],
  ),
  p(3, 'After PACE a plain command is refused (SM enforced) and ends the session', [
    ...full(),
    selectApp,
    {
      title: 'plain READ BINARY EF.COM',
      send: '00B09E0004',
      expect: { sw: ['6982', '6987', '6988'] },
    },
  ]),
  p(5, 'MSE:Set AT with an invalid DO tag (81 instead of 80) is refused', [
    mse(anyError, (c) => concatBytes(tlv(0x81, oidOf(c)), fromHex('830102'))),
  ]),
  p(6, 'MSE:Set AT with an OID that is not PACE is refused', [
    mse({ sw: ['6A80', '6A88'] }, () => fromHex('800A04007F00070202040199830102')),
  ]),
  p(7, 'MSE:Set AT with the OID in a full 06 TLV inside DO 80 is refused', [
    mse(anyError, (c) => concatBytes(tlv(0x80, tlv(0x06, oidOf(c))), fromHex('830102'))),
  ]),
  p(
    8,
    'MSE:Set AT with the PIN password reference (03) is refused with 6A88, as on real CIEs',
    [mse({ sw: ['6A88'] }, (c) => paceMseData(info(c).protocol.oid, 0x03))],
    [emrtd('§1.2 (OpenSC#2486: 6A88)')],
  ),
  p(9, 'MSE:Set AT with an unsupported parameter id (DO 84 1F) is refused', [
    mse({ sw: ['6A80', '6A88'] }, (c) =>
      paceMseData(info(c).protocol.oid, PACE_PASSWORD_CAN, 0x1f),
    ),
  ]),
  p('CIE_EMRTD_PACE_5', 'MSE:Set AT with an undefined password reference (05) is refused', [
    mse({ sw: ['6A80', '6A88'] }, (c) => paceMseData(info(c).protocol.oid, 0x05)),
  ]),
  p(11, 'GA 1 with a template tag other than 7C is refused', [
    mse(),
    ga1(anyError, { data: () => fromHex('7D00') }),
  ]),
  p(12, 'GA 1 without data is refused', [
    mse(),
    { title: 'GA 1 with no data field', send: '1086000000', expect: anyError },
  ]),
  p(13, 'GA 1 with a data object inside 7C is refused', [
    mse(),
    ga1(anyError, { data: () => fromHex('7C028000') }),
  ]),
  p(14, 'GA 1 sent twice: the second is refused', [mse(), ga1(), ga1(anyError)]),
  p(15, 'GA 2 with the mapping key in DO 82 instead of 81 is refused', [
    mse(),
    ga1(),
    ga2(anyError, { data: (c) => gaTemplate(tlv(0x82, run(c).pkMapPcd as Uint8Array)) }),
  ]),
  p(16, 'GA 2 with an empty DO 81 is refused', [
    mse(),
    ga1(),
    ga2(anyError, { data: () => fromHex('7C028100') }),
  ]),
  p(17, 'GA 2 with an extra data object is refused', [
    mse(),
    ga1(),
    ga2(anyError, {
      data: (c) => gaTemplate(tlv(0x81, run(c).pkMapPcd as Uint8Array), fromHex('9F0100')),
    }),
  ]),
  p(19, 'GA 3 with the ephemeral key in DO 84 instead of 83 is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(anyError, { data: (c) => gaTemplate(tlv(0x84, run(c).pkPcd as Uint8Array)) }),
  ]),
  p(20, 'GA 3 with an empty DO 83 is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(anyError, { data: () => fromHex('7C028300') }),
  ]),
  p(22, 'GA 3 with an extra data object is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(anyError, {
      data: (c) => gaTemplate(tlv(0x83, run(c).pkPcd as Uint8Array), fromHex('9F0100')),
    }),
  ]),
  p(23, 'GA 3 with an ephemeral public key of the wrong size is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(anyError, { data: (c) => gaTemplate(tlv(0x83, (run(c).pkPcd as Uint8Array).subarray(1))) }),
  ]),
  p(
    26,
    'GA 3 with the ephemeral DH value 1 is refused',
    [mse(), ga1(), ga2(), ga3(anyError, { data: (c) => gaTemplate(tlv(0x83, dhValue(c, 'one'))) })],
    [],
    ['PACE-DH'],
  ),
  p(
    27,
    'GA 3 with an ephemeral DH value ≥ p is refused',
    [mse(), ga1(), ga2(), ga3(anyError, { data: (c) => gaTemplate(tlv(0x83, dhValue(c, 'ff'))) })],
    [],
    ['PACE-DH'],
  ),
  p(31, 'GA 4 with outer tag 8C instead of 7C is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(),
    ga4(anyError, { data: (c) => tlv(0x8c, tlv(0x85, run(c).tPcd as Uint8Array)) }),
  ]),
  p(32, 'GA 4 without the 7C template is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(),
    ga4(anyError, { data: (c) => tlv(0x85, run(c).tPcd as Uint8Array) }),
  ]),
  p(33, 'GA 4 with the token in DO 86 instead of 85 is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(),
    ga4(anyError, { data: (c) => gaTemplate(tlv(0x86, run(c).tPcd as Uint8Array)) }),
  ]),
  p(34, 'GA 4 with an extra data object is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(),
    ga4(anyError, {
      data: (c) => gaTemplate(tlv(0x85, run(c).tPcd as Uint8Array), fromHex('9F0100')),
    }),
  ]),
  p(
    35,
    'GA 4 with a wrong authentication token is refused with 6300',
    [
      mse(),
      ga1(),
      ga2(),
      ga3(),
      ga4(
        { sw: ['6300'] },
        { data: (c) => gaTemplate(tlv(0x85, flip(run(c).tPcd as Uint8Array, 0))) },
      ),
    ],
    [emrtd('§1.2 (6300 at GA 4)')],
  ),
  p(36, 'GA 4 with a 4-byte token is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(),
    ga4(anyError, {
      data: (c) => gaTemplate(tlv(0x85, (run(c).tPcd as Uint8Array).subarray(0, 4))),
    }),
  ]),
  p(
    41,
    'GA 2 with an all-zero mapping value is refused',
    [mse(), ga1(), ga2(anyError, { data: (c) => gaTemplate(tlv(0x81, dhValue(c, 'zero'))) })],
    [],
    ['PACE-DH'],
  ),
  p(
    42,
    'GA 2 with the mapping value 1 is refused',
    [mse(), ga1(), ga2(anyError, { data: (c) => gaTemplate(tlv(0x81, dhValue(c, 'one'))) })],
    [],
    ['PACE-DH'],
  ),
  p(
    43,
    'GA 2 with a mapping value ≥ p is refused',
    [mse(), ga1(), ga2(anyError, { data: (c) => gaTemplate(tlv(0x81, dhValue(c, 'ff'))) })],
    [],
    ['PACE-DH'],
  ),
  p(
    54,
    'GA 1 without the chaining bit (CLA 00) is refused',
    [mse(), ga1(anyError, { cla: 0x00 })],
    [emrtd('§2.1 (GA 1-3 use CLA 10)')],
  ),
  p(55, 'GA 4 with the chaining bit (CLA 10) is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(),
    ga4({ sw: ['6883', '6985', '6A80'] }, { cla: 0x10 }),
  ]),
  p(56, 'GA 2 without the chaining bit is refused', [mse(), ga1(), ga2(anyError, { cla: 0x00 })]),
  p(57, 'GA 3 without the chaining bit is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(anyError, { cla: 0x00 }),
  ]),
  p(58, 'A command between GA 1 and GA 2 breaks the protocol: GA 2 is refused', [
    mse(),
    ga1(),
    interleave,
    ga2(anyError),
  ]),
  p(59, 'A command between GA 2 and GA 3 breaks the protocol: GA 3 is refused', [
    mse(),
    ga1(),
    ga2(),
    interleave,
    ga3(anyError),
  ]),
  p(60, 'A command between GA 3 and GA 4 breaks the protocol: GA 4 is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(),
    interleave,
    ga4(anyError),
  ]),
  p('CIE_EMRTD_PACE_6', 'After an interrupted PACE a fresh MSE:Set AT + GA chain succeeds', [
    mse(),
    ga1(),
    interleave,
    {
      title: 'forget the interrupted run',
      send: '00A4000C023F00',
      expect: ok,
      after: (c) => void c.vars.delete('pace'),
    },
    ...full(),
    selectApp,
  ]),
  p(62, 'GA 4 with a token computed over the bare key (no 7F49 wrapper) is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(),
    ga4(
      { sw: ['6300', '6A80'] },
      { data: (c) => gaTemplate(tlv(0x85, flip(run(c).tPcd as Uint8Array, 7))) },
    ),
  ]),
  p(64, 'MSE:Set AT without DO 80 is refused', [mse(anyError, () => fromHex('830102'))]),
  p(65, 'MSE:Set AT without DO 83 is refused', [mse(anyError, (c) => tlv(0x80, oidOf(c)))]),
  p(66, 'MSE:Set AT with an empty DO 80 is refused', [mse(anyError, () => fromHex('8000830102'))]),
  p(67, 'MSE:Set AT with an over-long DO 80 is refused', [
    mse(anyError, (c) =>
      concatBytes(tlv(0x80, concatBytes(oidOf(c), Uint8Array.of(0x01))), fromHex('830102')),
    ),
  ]),
  p(
    70,
    'MSE:Set AT with DO 84 naming an elliptic-curve domain for a DH OID is refused',
    [mse(anyError, (c) => paceMseData(info(c).protocol.oid, PACE_PASSWORD_CAN, 13))],
    [],
    ['PACE-DH'],
  ),
  p(
    75,
    'MSE:Set AT with a PACE OID the chip does not list (ECDH-GM-AES-128) is refused',
    [mse(anyError, () => fromHex('800A04007F00070202040202830102'))],
    [],
    ['PACE-DH'],
  ),
  p(76, 'GA 4 with an over-long token (16 bytes) is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(),
    ga4(anyError, {
      data: (c) =>
        gaTemplate(tlv(0x85, concatBytes(run(c).tPcd as Uint8Array, run(c).tPcd as Uint8Array))),
    }),
  ]),
  p(
    78,
    'The GA 4 answer of generic mapping carries no DO 8A (chip authentication data is CAM only)',
    [
      mse(),
      ga1(),
      ga2(),
      ga3(),
      ga4({
        sw: ['9000'],
        data: {
          what: 'no DO 8A in 7C',
          check: (d) =>
            parseGaTemplate(d).some((t) => t.tag === 0x8a) ? 'DO 8A present' : undefined,
        },
      }),
    ],
    [emrtd('§2.5 step 5 (8A: CAM only)')],
  ),
  p(79, 'After PACE a protected command with a wrong SSC is refused and the session is deleted', [
    ...full(),
    {
      title: 'protected SELECT with SSC + 2',
      send: '00A4040C<EMRTD_AID_LV>',
      protect: 'sm-skip-ssc',
      expect: { sw: ['6988', '6982'], sm: 'plain' },
    },
    { ...readCom, expect: { sw: 'error', sm: 'plain' } },
  ]),
  p(80, 'After PACE a protected SELECT without a cryptogram (no data) is refused', [
    ...full(),
    {
      title: 'protected SELECT 00 A4 02 0C without data',
      send: '00A4020C',
      protect: 'sm',
      expect: anyError,
    },
  ]),
  p(
    'CIE_EMRTD_PACE_1',
    'PACE with a wrong CAN fails at GA 4 with 6300',
    [
      usePassword(() => digitsPassword('000000')),
      mse(),
      ga1(),
      ga2(),
      ga3(),
      ga4({ sw: ['6300'] }),
    ],
    [emrtd('§1.2, §2.5 (wrong CAN → 6300) [source]')],
    ['PACE-CAN'],
  ),
  p(
    'CIE_EMRTD_PACE_2',
    'After a wrong CAN, PACE with the right CAN succeeds (no retry counter for the CAN)',
    [
      usePassword(() => digitsPassword('000000')),
      mse(),
      ga1(),
      ga2(),
      ga3(),
      ga4({ sw: ['6300'] }),
      {
        title: 'right CAN now',
        send: '00A4000C023F00',
        expect: ok,
        after: (c) => {
          c.vars.delete('pace');
          c.vars.delete('pace.password');
        },
      },
      ...full(),
      selectApp,
    ],
    [emrtd('§1.5 (CAN has no retry counter)')],
    ['PACE-CAN'],
  ),
  p(
    'CIE_EMRTD_PACE_3',
    'The encrypted nonce of GA 1 is 8 or 16 bytes (whole cipher blocks)',
    [
      mse(),
      ga1({
        sw: ['9000'],
        data: {
          what: '7C L 80 L z, |z| ∈ {8, 16, 32}',
          check: (d) => {
            const z = parseGaTemplate(d).find((t) => t.tag === 0x80)?.value;
            return z && [8, 16, 32].includes(z.length)
              ? undefined
              : `nonce of ${z?.length ?? 0} bytes`;
          },
        },
      }),
    ],
    [emrtd('§1.2 (8-byte and 16-byte nonces on real CIEs)')],
  ),
  p(
    'CIE_EMRTD_PACE_4',
    'MSE:Set AT with DO 84 (parameter id) is accepted too',
    [
      mse(ok, (c) => paceMseData(info(c).protocol.oid, PACE_PASSWORD_CAN, info(c).parameterId)),
      ga1(),
      ga2(),
      ga3(),
      ga4(),
      selectApp,
    ],
    [emrtd('§5.2 (AndyQ PR #269 sends DO 84)')],
  ),
];
