/**
 * The project's own PACE cases (`CIE_EMRTD_PACE_<n>`, category CIE_EMRTD_PACE): what the CIE's
 * public traces show (wrong CAN → 6300 at GA 4, no CAN retry counter, the nonce length) and
 * malformations the ICAO matrix does not list (empty DOs, the value 1, an EC domain for a DH OID).
 */
import { tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import {
  digitsPassword,
  gaTemplate,
  PACE_PASSWORD_CAN,
  parseGaTemplate,
} from '../../../emulator/src/protocols/pace/pace-crypto.ts';
import { paceMseData } from '../../../emulator/src/protocols/pace/pace-terminal.ts';
import type { CaseContext } from '../../lib/case-context.ts';
import type { ConformanceCase, Expectation } from '../../lib/model.ts';
import { emrtd, icao11 } from '../refs.ts';
import {
  anyError,
  dhValue,
  full,
  ga1,
  ga2,
  ga3,
  ga4,
  info,
  interleave,
  mse,
  ok,
  p,
  run,
  selectApp,
  usePassword,
} from './pace-steps.ts';

const CAN = PACE_PASSWORD_CAN;
const map = (c: CaseContext): Uint8Array => run(c).pkMapPcd as Uint8Array;
const noDo8a: Expectation = {
  sw: ['9000'],
  data: {
    what: 'no DO 8A in 7C',
    check: (d) => (parseGaTemplate(d).some((t) => t.tag === 0x8a) ? 'DO 8A present' : undefined),
  },
};

export const PACE_PROJECT_CASES: readonly ConformanceCase[] = [
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
    'The encrypted nonce of GA 1 is 8, 16 or 32 bytes (whole cipher blocks)',
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
  p('CIE_EMRTD_PACE_5', 'MSE:Set AT with an undefined password reference (05) is refused', [
    mse({ sw: ['6A80', '6A88'] }, (c) => paceMseData(info(c).protocol.oid, 0x05)),
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
  p('CIE_EMRTD_PACE_7', 'GA 2 with an empty DO 81 is refused', [
    mse(),
    ga1(),
    ga2(anyError, { data: () => fromHex('7C028100') }),
  ]),
  p('CIE_EMRTD_PACE_8', 'GA 2 with an extra data object is refused', [
    mse(),
    ga1(),
    ga2(anyError, { data: (c) => gaTemplate(tlv(0x81, map(c)), fromHex('9F0100')) }),
  ]),
  p('CIE_EMRTD_PACE_9', 'GA 3 with an empty DO 83 is refused', [
    mse(),
    ga1(),
    ga2(),
    ga3(anyError, { data: () => fromHex('7C028300') }),
  ]),
  p(
    'CIE_EMRTD_PACE_10',
    'GA 3 with the ephemeral DH value 1 is refused',
    [mse(), ga1(), ga2(), ga3(anyError, { data: (c) => gaTemplate(tlv(0x83, dhValue(c, 'one'))) })],
    [],
    ['PACE-DH'],
  ),
  p(
    'CIE_EMRTD_PACE_11',
    'GA 2 with the mapping value 1 is refused',
    [mse(), ga1(), ga2(anyError, { data: (c) => gaTemplate(tlv(0x81, dhValue(c, 'one'))) })],
    [],
    ['PACE-DH'],
  ),
  p(
    'CIE_EMRTD_PACE_12',
    'MSE:Set AT with DO 84 naming an elliptic-curve domain for a DH OID is refused',
    [mse(anyError, (c) => paceMseData(info(c).protocol.oid, CAN, 13))],
    [],
    ['PACE-DH'],
  ),
  p(
    'CIE_EMRTD_PACE_13',
    'The GA 4 answer of generic mapping carries no DO 8A (chip authentication data is CAM only)',
    [mse(), ga1(), ga2(), ga3(), ga4(noDo8a)],
    [icao11('§4.4.3.5 (8A only for CAM)'), emrtd('§2.5 step 5 (8A: CAM only)')],
  ),
];
