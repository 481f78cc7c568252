/**
 * eMRTD suite, ICAO Part 3 ISO7816_P: PACE (ICAO 9303-11 §4.4; emrtd/README.md §2.5), step by step
 * so each negative case breaks one step as the matrix's APDUs do (conformance/icao-part3/). ICAO
 * leaves most negative SWs open ("any checking error"); where the CIE has been observed (6A88
 * for the PIN reference, 6300 for a wrong token) the case pins it. The password is the CAN unless
 * the matrix's purpose names the MRZ. Cases for elliptic-curve domains only (P_24..P_28, P_30,
 * P_42..P_46, P_49, P_50, P_52) and for Integrated Mapping (P_51) need a PACE the CIE does not
 * have (conformance/icao-part3/exclusions.ts). `CIE_EMRTD_PACE_<n>` are the project's own cases.
 */
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { oidContent } from '../../../emulator/src/protocols/asn1/der.ts';
import { sessionFromKeys, tokenMac } from '../../../emulator/src/protocols/kdf.ts';
import {
  gaTemplate,
  mrzPassword,
  PACE_PASSWORD_CAN,
  parseGaTemplate,
} from '../../../emulator/src/protocols/pace/pace-crypto.ts';
import { paceMseData } from '../../../emulator/src/protocols/pace/pace-terminal.ts';
import type { CaseContext } from '../../lib/case-context.ts';
import type { ApduStep, ConformanceCase, Expectation } from '../../lib/model.ts';
import { procedure } from '../../lib/procedures.ts';
import { emrtd } from '../refs.ts';
import { mrz } from './common.ts';
import { PACE_PROJECT_CASES } from './pace-project.ts';
import {
  anyError,
  dhValue,
  do84,
  flip,
  full,
  ga1,
  ga2,
  ga3,
  ga4,
  info,
  interleave,
  mse,
  msePassword,
  mseRaw,
  oidOf,
  p,
  readCom,
  run,
  selectApp,
  usePassword,
} from './pace-steps.ts';

const MRZ = 0x01;
const CAN = PACE_PASSWORD_CAN;
const withMrz = usePassword((c) => mrzPassword(mrz(c)));
const map = (c: CaseContext): Uint8Array => run(c).pkMapPcd as Uint8Array;
const pk = (c: CaseContext): Uint8Array => run(c).pkPcd as Uint8Array;
const token = (c: CaseContext): Uint8Array => run(c).tPcd as Uint8Array;
const to3 = (): ApduStep[] => [mse(), ga1(), ga2(), ga3()];

/** A token over `06 OID ‖ 84 PK_IC` without the 7F49 wrapper (ICAO Part 3 P_62). */
function tokenWithout7f49(c: CaseContext): Uint8Array {
  const t = run(c).terminal;
  const input = concatBytes(
    tlv(0x06, oidContent(t.protocol.oid)),
    tlv(t.mapped?.tokenKeyTag ?? 0x84, t.pkIc as Uint8Array),
  );
  return tokenMac(t.protocol.cipher, t.kMac as Uint8Array, input);
}

const noDo8a: Expectation = {
  sw: ['9000'],
  data: {
    what: 'no DO 8A in 7C',
    check: (d) => (parseGaTemplate(d).some((t) => t.tag === 0x8a) ? 'DO 8A present' : undefined),
  },
};

const ICAO: ConformanceCase[] = [
  p(
    1,
    'PACE with the MRZ password (83 01 01, DO 84) establishes SM',
    [withMrz, msePassword(MRZ, true), ga1(), ga2(), ga3(), ga4(), selectApp, readCom],
    [],
    ['PACE-MRZ'],
  ),
  p(
    2,
    'PACE with the CAN (83 01 02, DO 84) establishes SM; the application is selected and read under SM (SSC 0)',
    [msePassword(CAN, true), ga1(), ga2(), ga3(), ga4(), selectApp, readCom],
    [emrtd('§1.4 (real CIE exchange)')],
    ['PACE-CAN'],
  ),
  p(
    3,
    'PACE with the MRZ password, then a plain command is refused (SM enforced)',
    [
      withMrz,
      msePassword(MRZ, true),
      ga1(),
      ga2(),
      ga3(),
      ga4(),
      selectApp,
      {
        title: 'plain READ BINARY EF.COM',
        send: '00B09E0004',
        expect: { sw: ['6982', '6987', '6988'] },
      },
    ],
    [],
    ['PACE-MRZ'],
  ),
  p(5, 'MSE:Set AT with an invalid DO tag (81 instead of 80) is refused', [
    mse(anyError, (c) => concatBytes(tlv(0x81, oidOf(c)), fromHex('830101'), do84(c))),
  ]),
  p(6, 'MSE:Set AT with an OID that is not PACE is refused', [
    mse({ sw: ['6A80', '6A88'] }, () => fromHex('800A04007F00070202040199830101')),
  ]),
  p(7, 'MSE:Set AT with the OID in a full 06 TLV inside DO 80 is refused', [
    mse(anyError, (c) => concatBytes(tlv(0x80, tlv(0x06, oidOf(c))), fromHex('830101'), do84(c))),
  ]),
  p(
    8,
    'MSE:Set AT with a bad password reference (03, the PIN) is refused with 6A88, as on real CIEs',
    [mse({ sw: ['6A88'] }, (c) => paceMseData(info(c).protocol.oid, 0x03, info(c).parameterId))],
    [emrtd('§1.2 (OpenSC#2486: 6A88)')],
  ),
  p(9, 'MSE:Set AT with a private key reference (DO 84 1F) the chip does not know is refused', [
    mse({ sw: ['6A80', '6A88'] }, (c) => paceMseData(info(c).protocol.oid, CAN, 0x1f)),
  ]),
  p(11, 'GA 1 with a bad dynamic authentication data tag (8C 00) is refused', [
    mse(),
    ga1(anyError, { data: () => fromHex('8C00') }),
  ]),
  p(12, 'GA 1 without data is refused', [
    mse(),
    { title: 'GA 1 10 86 00 00 with no data field', send: '1086000000', expect: anyError },
  ]),
  p(13, 'GA 1 with an additional data object (7C 03 81 01 01) is refused', [
    mse(),
    ga1(anyError, { data: () => fromHex('7C03810101') }),
  ]),
  p(
    14,
    'GA 1 sent twice: the second restarts PACE with a fresh nonce and PACE (MRZ) then completes',
    [
      withMrz,
      msePassword(MRZ, true),
      ga1(),
      ga1(undefined, { fresh: true }),
      ga2(),
      ga3(),
      ga4(),
      selectApp,
    ],
    [emrtd('§2.5 (a second GA 1 restarts PACE)')],
    ['PACE-MRZ'],
  ),
  p(15, 'GA 2 with a bad dynamic authentication data tag (8C {81 …}) is refused', [
    mse(),
    ga1(),
    ga2(anyError, { data: (c) => tlv(0x8c, tlv(0x81, map(c))) }),
  ]),
  p(16, 'GA 2 without the dynamic authentication data template (bare 81) is refused', [
    mse(),
    ga1(),
    ga2(anyError, { data: (c) => tlv(0x81, map(c)) }),
  ]),
  p(17, 'GA 2 with the mapping key in DO 82 instead of 81 is refused', [
    mse(),
    ga1(),
    ga2(anyError, { data: (c) => gaTemplate(tlv(0x82, map(c))) }),
  ]),
  p(19, 'GA 3 with a bad dynamic authentication data tag (8C {83 …}) is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(anyError, { data: (c) => tlv(0x8c, tlv(0x83, pk(c))) }),
  ]),
  p(20, 'GA 3 without the dynamic authentication data template (bare 83) is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(anyError, { data: (c) => tlv(0x83, pk(c)) }),
  ]),
  p(21, 'GA 3 with the ephemeral key in DO 84 instead of 83 is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(anyError, { data: (c) => gaTemplate(tlv(0x84, pk(c))) }),
  ]),
  p(22, 'GA 3 with an additional data object (84 01 01) is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(anyError, { data: (c) => gaTemplate(tlv(0x83, pk(c)), fromHex('840101')) }),
  ]),
  p(23, 'GA 3 with an ephemeral public key of the wrong size is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(anyError, { data: (c) => gaTemplate(tlv(0x83, pk(c).subarray(1))) }),
  ]),
  p(
    29,
    'GA 3 with an ephemeral DH value higher than the prime is refused',
    [mse(), ga1(), ga2(), ga3(anyError, { data: (c) => gaTemplate(tlv(0x83, dhValue(c, 'ff'))) })],
    [],
    ['PACE-DH'],
  ),
  p(31, 'GA 4 with outer tag 8C instead of 7C is refused', [
    ...to3(),
    ga4(anyError, { data: (c) => tlv(0x8c, tlv(0x85, token(c))) }),
  ]),
  p(32, 'GA 4 without the 7C template is refused', [
    ...to3(),
    ga4(anyError, { data: (c) => tlv(0x85, token(c)) }),
  ]),
  p(33, 'GA 4 with the token in DO 86 instead of 85 is refused', [
    ...to3(),
    ga4(anyError, { data: (c) => gaTemplate(tlv(0x86, token(c))) }),
  ]),
  p(34, 'GA 4 with an additional data object (86 01 01) is refused', [
    ...to3(),
    ga4(anyError, { data: (c) => gaTemplate(tlv(0x85, token(c)), fromHex('860101')) }),
  ]),
  p(
    35,
    'GA 4 with a wrong authentication token is refused with 6300',
    [...to3(), ga4({ sw: ['6300'] }, { data: (c) => gaTemplate(tlv(0x85, flip(token(c), 0))) })],
    [emrtd('§1.2 (6300 at GA 4)')],
  ),
  p(36, 'GA 4 with a shorter (4-byte) token is refused', [
    ...to3(),
    ga4(anyError, { data: (c) => gaTemplate(tlv(0x85, token(c).subarray(0, 4))) }),
  ]),
  p(41, 'GA 2 with a mapping public key of the wrong size is refused', [
    mse(),
    ga1(),
    ga2(anyError, { data: (c) => gaTemplate(tlv(0x81, map(c).subarray(1))) }),
  ]),
  p(
    47,
    'GA 2 with a mapping value higher than the prime is refused',
    [mse(), ga1(), ga2(anyError, { data: (c) => gaTemplate(tlv(0x81, dhValue(c, 'ff'))) })],
    [],
    ['PACE-DH'],
  ),
  p(
    48,
    'GA 2 with the mapping public key set to 00..00 is refused',
    [mse(), ga1(), ga2(anyError, { data: (c) => gaTemplate(tlv(0x81, dhValue(c, 'zero'))) })],
    [],
    ['PACE-DH'],
  ),
  p(
    53,
    'GA 3 with the ephemeral public key set to 00..00 is refused',
    [
      mse(),
      ga1(),
      ga2(),
      ga3(anyError, { data: (c) => gaTemplate(tlv(0x83, dhValue(c, 'zero'))) }),
    ],
    [],
    ['PACE-DH'],
  ),
  p(
    54,
    'GA 1 without the chaining bit (CLA 00) is refused',
    [mse(), ga1(anyError, { cla: 0x00 })],
    [emrtd('§2.1 (GA 1-3 use CLA 10)')],
  ),
  p(55, 'GA 2 without the chaining bit (CLA 00) is refused', [
    mse(),
    ga1(),
    ga2(anyError, { cla: 0x00 }),
  ]),
  p(56, 'GA 3 without the chaining bit (CLA 00) is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(anyError, { cla: 0x00 }),
  ]),
  p(57, 'GA 4 with the chaining bit (CLA 10) is refused', [
    ...to3(),
    ga4({ sw: ['6883', '6985', '6A80'] }, { cla: 0x10 }),
  ]),
  p(58, 'GA 4 replaced by another command: PACE does not complete, no session with its keys', [
    ...to3(),
    interleave,
    procedure(
      'a protected SELECT under the keys GA 3 agreed',
      'refused: the chip has no session with these keys',
      async (ctx) => {
        const t = run(ctx).terminal;
        ctx.sm = sessionFromKeys(t.kEnc as Uint8Array, t.kMac as Uint8Array, t.protocol.cipher, 0n);
        const r = await ctx.send(ctx.resolve('00A4040C<EMRTD_AID_LV>'), 'sm');
        return r.protected && r.sw === 0x9000 ? 'the chip answered under the PACE keys' : undefined;
      },
    ),
  ]),
  p(59, 'A command between GA 1 and GA 2 breaks the protocol: GA 2 is refused', [
    mse(),
    ga1(),
    interleave,
    ga2(anyError),
  ]),
  p(60, 'A command between GA 2 and GA 3 breaks the protocol: GA 3 is refused', [
    mse(),
    ga1(),
    ga2(),
    interleave,
    ga3(anyError),
  ]),
  p(61, 'A command between GA 3 and GA 4 breaks the protocol: GA 4 is refused', [
    ...to3(),
    interleave,
    ga4(anyError),
  ]),
  p(62, 'GA 4 with a token computed without the 7F49 wrapper in its input is refused', [
    ...to3(),
    ga4({ sw: ['6300', '6A80'] }, { data: (c) => gaTemplate(tlv(0x85, tokenWithout7f49(c))) }),
  ]),
  p(64, 'MSE:Set AT without DO 80 is refused', [mse(anyError, () => fromHex('830101'))]),
  p(65, 'MSE:Set AT with an empty DO 80 is refused', [mse(anyError, () => fromHex('8000830101'))]),
  p(66, 'MSE:Set AT with a too long DO 80 (one byte more) is refused', [
    mse(anyError, (c) =>
      concatBytes(tlv(0x80, concatBytes(oidOf(c), Uint8Array.of(0x02))), fromHex('830101')),
    ),
  ]),
  p(67, 'MSE:Set AT with a too short DO 80 (last byte missing) is refused', [
    mse(anyError, (c) => concatBytes(tlv(0x80, oidOf(c).subarray(0, -1)), fromHex('830101'))),
  ]),
  p(
    68,
    'MSE:Set AT with a PACE OID the chip does not support (ECDH-GM-AES-128) is refused',
    [mse(anyError, () => fromHex('800A04007F00070202040202830101'))],
    [],
    ['PACE-DH'],
  ),
  p(69, 'MSE:Set AT without DO 83 is refused', [
    mse(anyError, (c) => concatBytes(tlv(0x80, oidOf(c)), do84(c))),
  ]),
  p(70, 'MSE:Set AT with an empty DO 83 is refused', [
    mse(
      anyError,
      mseRaw((c) => concatBytes(fromHex('8300'), do84(c))),
    ),
  ]),
  p(71, 'MSE:Set AT with a wrong length byte in DO 83 (83 03 01) is refused', [
    mse(
      anyError,
      mseRaw((c) => concatBytes(fromHex('830301'), do84(c))),
    ),
  ]),
  p(72, 'MSE:Set AT with a too long password reference (83 02 01 FF) is refused', [
    mse(
      anyError,
      mseRaw((c) => concatBytes(fromHex('830201FF'), do84(c))),
    ),
  ]),
  p(
    73,
    'PACE with the domain parameter reference (DO 84) on a chip with one set of domain parameters',
    [msePassword(CAN, true), ga1(), ga2(), ga3(), ga4(), selectApp],
    [emrtd('§5.2 (AndyQ PR #269 sends DO 84)')],
  ),
  p(74, 'PACE without the domain parameter reference (DO 84) on a chip with one set', [
    msePassword(CAN, false),
    ga1(),
    ga2(),
    ga3(),
    ga4(),
    selectApp,
  ]),
  p(75, 'MSE:Set AT with an empty domain parameter reference (84 00) is refused', [
    mse(
      anyError,
      mseRaw(() => fromHex('8301018400')),
    ),
  ]),
  p(76, 'GA 4 with a longer (16-byte) token is refused', [
    ...to3(),
    ga4(anyError, {
      data: (c) => gaTemplate(tlv(0x85, concatBytes(token(c), token(c)))),
    }),
  ]),
  p(77, 'MSE:Set AT with the PACE OID under tag 06 instead of 80 is refused', [
    mse(anyError, (c) => concatBytes(tlv(0x06, oidOf(c)), fromHex('830101'), do84(c))),
  ]),
  p(
    78,
    'PACE without Chip Authentication Mapping (MRZ): the GA 4 answer carries no DO 8A',
    [withMrz, msePassword(MRZ, true), ga1(), ga2(), ga3(), ga4(noDo8a)],
    [emrtd('§2.5 step 5 (8A: CAM only)')],
    ['PACE-CAM', 'PACE-MRZ'],
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
  p(
    80,
    'After PACE with the MRZ password a protected SELECT with the cryptogram (DO 87) missing is refused',
    [
      withMrz,
      msePassword(MRZ, true),
      ga1(),
      ga2(),
      ga3(),
      ga4(),
      {
        title: 'protected SELECT 0C A4 02 0C without DO 87',
        send: '00A4020C',
        protect: 'sm',
        expect: anyError,
      },
    ],
    [],
    ['PACE-MRZ'],
  ),
];

export const PACE_CASES: readonly ConformanceCase[] = [...ICAO, ...PACE_PROJECT_CASES];
