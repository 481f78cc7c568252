/**
 * eMRTD suite, ICAO Part 3 v3.2 categories about reaching the files (emrtd/README.md §4.2):
 * A (application selection), B (access control, BAC profile), O (the same, PACE profile; O_55..58
 * EF.CardSecurity). Steps follow the matrix's APDUs (conformance/icao-part3/): B/O_1..18 plain
 * SELECT, B/O_19..36 plain READ BINARY by SFI, B/O_37..54 a protected READ BINARY by SFI (the
 * positive step) and then a plain READ BINARY of the same, now current, file (refused: SM
 * enforced). Where the transcription gives no status word (the O cases), the B analogue's applies.
 * Cases for data groups the ICS does not declare are not applicable, as ICAO's profile tokens
 * make them.
 */
import type { CaseContext } from '../../lib/case-context.ts';
import type { ConformanceCase, Expectation } from '../../lib/model.ts';
import { emrtd, icao11, icaoP3 } from '../refs.ts';
import { emrtdCase, fidHex, hex2, LDS_FILES, type LdsEntry } from './common.ts';

const denied: Expectation = {
  sw: ['6982'],
  data: { empty: true },
  why: 'security status not satisfied (ICAO Part 3 B_19..36: 6982, no data)',
};
/** B_1, B_2, B_4..B_18: `6982` or `9000`; B_3 (EF.DG1): `6982` only. */
const selectExpect = (dg1: boolean): Expectation =>
  dg1
    ? {
        sw: ['6982'],
        data: { empty: true },
        why: 'ICAO Part 3 ISO7816_B_3 accepts 6982 only: EF.DG1 is not selectable before BAC/PACE',
      }
    : {
        sw: ['6982', '9000'],
        data: { empty: true },
        why: 'ICAO Part 3 B_1..B_18: SELECT may succeed or be refused; no data with P2 0C',
      };
const plainRefused: Expectation = {
  sw: 'error',
  data: { empty: true },
  why: 'a plain READ BINARY after BAC/PACE must not answer (SM enforced; ICAO 9303-11 §9.8); the matrix gives no status word',
};

const tokensOf = (f: LdsEntry): string[] => (f.token ? [f.token] : []);
const isEacProtected = (f: LdsEntry): boolean => f.name === 'DG3' || f.name === 'DG4';
const selectAid = {
  title: 'plain SELECT eMRTD AID 00 A4 04 0C 07 A0 00 00 02 47 10 01',
  send: '00A4040C<EMRTD_AID_LV>',
  expect: { sw: ['9000'] },
} as const;

/**
 * The positive protected read of B/O_37..54: `9000` (ICAO Part 3 B_37), except DG3/DG4 on an
 * EAC chip, which Terminal Authentication protects (`6982`; ICAO Part 3 B_41/B_42 are not
 * applicable then, O_41/O_42 carry the EAC token).
 */
const protectedRead = (f: LdsEntry): Expectation => ({
  sw: (c: CaseContext) => (isEacProtected(f) && c.ics.tokens.includes('TA') ? ['6982'] : ['9000']),
  why: 'ICAO Part 3 B_37..B_54 step 1: 9000 (DG3/DG4 behind Terminal Authentication: 6982)',
});

/** B (BAC profile) and O (PACE profile). */
function accessFamily(cat: 'B' | 'O'): ConformanceCase[] {
  const profile = cat === 'B' ? 'BAC' : 'PACE';
  const after = cat === 'B' ? 'bac_done' : 'pace_done';
  const ref = (n: number) => icaoP3(`ISO7816_${cat}_${n}`);
  const out: ConformanceCase[] = [];
  // O cases start with a plain SELECT of the application (no precondition in the matrix).
  const start = cat === 'O' ? [selectAid] : [];
  const pre = cat === 'B' ? { preconditions: ['emrtd_selected'] } : {};
  LDS_FILES.forEach((f, i) => {
    out.push(
      emrtdCase(
        `ISO7816_${cat}_${i + 1}`,
        `${f.name}: plain SELECT before ${profile} answers ${f.name === 'DG1' ? '6982' : '6982 or 9000'}, never data`,
        [ref(i + 1), emrtd('§1.6')],
        {
          applies: [profile, ...tokensOf(f)],
          ...pre,
          steps: [
            ...start,
            {
              title: `SELECT ${fidHex(f.fid)}`,
              send: `00A4020C02${fidHex(f.fid)}`,
              expect: selectExpect(f.name === 'DG1'),
            },
          ],
        },
      ),
    );
    out.push(
      emrtdCase(
        `ISO7816_${cat}_${i + 19}`,
        `${f.name}: plain READ BINARY by SFI ${hex2(f.sfi)} before ${profile} is refused with 6982`,
        [ref(i + 19), emrtd('§1.6 (BAC or PACE)')],
        {
          applies: [profile, ...tokensOf(f)],
          ...pre,
          steps: [
            ...start,
            {
              title: `READ BINARY 00 B0 ${hex2(0x80 | f.sfi)} 00 00`,
              send: `00B0${hex2(0x80 | f.sfi)}0000`,
              expect: denied,
            },
          ],
        },
      ),
    );
    out.push(
      emrtdCase(
        `ISO7816_${cat}_${i + 37}`,
        `${f.name}: after ${profile}, a protected READ BINARY by SFI ${hex2(f.sfi)} answers, then a plain READ BINARY is refused (SM enforced)`,
        [ref(i + 37), icao11('§9.8'), emrtd('§2.3')],
        {
          applies: [profile, ...tokensOf(f)],
          // ICAO Part 3 B_41/B_42: "not applicable if an extended access control ... is supported".
          ...(cat === 'B' && isEacProtected(f) ? { unless: ['TA'] } : {}),
          preconditions: [after],
          steps: [
            {
              title: `protected READ BINARY 0C B0 ${hex2(0x80 | f.sfi)} 00 … 97 01 06`,
              send: `00B0${hex2(0x80 | f.sfi)}0006`,
              protect: 'sm',
              expect: protectedRead(f),
            },
            {
              title: 'plain READ BINARY 00 B0 00 00 00',
              send: '00B0000000',
              expect: plainRefused,
            },
          ],
        },
      ),
    );
  });
  return out;
}

const CARD_SECURITY: ConformanceCase[] = [
  emrtdCase(
    'ISO7816_O_55',
    'EF.CardSecurity (011D at MF level): plain SELECT before PACE answers 6982 or 9000, never data',
    [icaoP3('ISO7816_O_55'), icao11('§9.2.3 (EF.CardSecurity: PACE)')],
    {
      applies: ['PACE', 'CARD_SECURITY'],
      preconditions: ['mf_selected'],
      steps: [{ title: 'SELECT 011D', send: '00A4020C02011D', expect: selectExpect(false) }],
    },
  ),
  emrtdCase(
    'ISO7816_O_56',
    'EF.CardSecurity: plain READ BINARY by SFI 1D before PACE is refused',
    [icaoP3('ISO7816_O_56')],
    {
      applies: ['PACE', 'CARD_SECURITY'],
      preconditions: ['mf_selected'],
      steps: [{ title: 'READ BINARY 00 B0 9D 00 00', send: '00B09D0000', expect: denied }],
    },
  ),
  ...(['PACE-CAM', undefined] as const).map((cam, k) =>
    emrtdCase(
      `ISO7816_O_${57 + k}`,
      `EF.CardSecurity after ${cam ?? 'a PACE mapping other than CAM'}: protected READ BINARY by SFI 1D answers, then a plain READ BINARY is refused`,
      [icaoP3(`ISO7816_O_${57 + k}`)],
      {
        applies: ['PACE', 'CARD_SECURITY', ...(cam ? [cam] : [])],
        preconditions: ['pace_only'],
        steps: [
          {
            title: 'protected READ BINARY 0C B0 9D 00 … 97 01 06',
            send: '00B09D0006',
            protect: 'sm',
            expect: { sw: ['9000'], data: { prefix: '30' } },
          },
          { title: 'plain READ BINARY 00 B0 00 00 00', send: '00B0000000', expect: plainRefused },
        ],
      },
    ),
  ),
];

const A: ConformanceCase[] = [
  ['ISO7816_A_1', ['BAC'], 'a BAC chip'],
  ['ISO7816_A_2', ['BAC', 'PACE'], 'a BAC + PACE chip'],
  ['ISO7816_A_3', ['PACE'], 'a PACE chip'],
].map(([id, applies, what]) =>
  emrtdCase(
    id as string,
    `SELECT eMRTD application 00 A4 04 0C 07 A0000002471001 in plain answers 9000 without data (${what as string})`,
    [icaoP3(id as string), emrtd('§1.1')],
    {
      applies: applies as string[],
      steps: [{ ...selectAid, expect: { sw: ['9000'], data: { empty: true } } }],
    },
  ),
);

/** Project cases about the application selection (not in the ICAO matrix). */
const SELECT: ConformanceCase[] = [
  emrtdCase(
    'CIE_EMRTD_SELECT_1',
    'After PACE the protected SELECT of the eMRTD application answers 9000 without data',
    [icao11('§4.4 (PACE, then SELECT under SM)'), emrtd('§1.4 row 9')],
    {
      applies: ['PACE'],
      preconditions: ['pace_only'],
      steps: [
        {
          title: 'protected SELECT eMRTD AID',
          send: '00A4040C<EMRTD_AID_LV>',
          protect: 'sm',
          expect: { sw: ['9000'], data: { empty: true } },
        },
      ],
    },
    'ISO7816_A',
  ),
];

export const ACCESS_CASES: readonly ConformanceCase[] = [
  ...A,
  ...SELECT,
  ...accessFamily('B'),
  ...accessFamily('O'),
  ...CARD_SECURITY,
];
