/**
 * eMRTD suite, ICAO Part 3 v3.2 ISO 7816 categories about files and access (emrtd/README.md §4.2):
 * A (application selection), B (access control, BAC profile), O (the same, PACE profile; O_55..58
 * EF.CardSecurity), D (protected SELECT + READ: first tag of each file), E (protected READ
 * BINARY forms), Q (EF.CardAccess), T (EF.ATR/INFO), U (EF.DIR). Cases for data groups the ICS
 * does not declare are not applicable, as ICAO's profile tokens make them.
 */
import { parseSingleTlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import type { ConformanceCase, Expectation } from '../../lib/model.ts';
import { emrtd, icao10, icao11, icaoP3, iso4 } from '../refs.ts';
import { emrtdCase, fidHex, hex2, LDS_FILES, type LdsEntry } from './common.ts';

const denied: Expectation = {
  sw: ['6982'],
  data: { empty: true },
  why: 'security status not satisfied (ICAO Part 3 B/O)',
};
const selectOk: Expectation = {
  sw: ['6982', '9000'],
  data: { empty: true },
  why: 'SELECT may succeed or be refused; no data with P2 0C',
};

function tokensOf(f: LdsEntry): string[] {
  return f.token ? [f.token] : [];
}

/** B (BAC profile) and O (PACE profile): select, read by SFI before access, read in plain after. */
function accessFamily(cat: 'B' | 'O'): ConformanceCase[] {
  const profile = cat === 'B' ? 'BAC' : 'PACE';
  const after = cat === 'B' ? 'bac_done' : 'pace_done';
  const ref = (n: number) => icaoP3(`ISO7816_${cat}_${n} (§3.${cat === 'B' ? 2 : 13})`);
  const out: ConformanceCase[] = [];
  LDS_FILES.forEach((f, i) => {
    out.push(
      emrtdCase(
        `ISO7816_${cat}_${i + 1}`,
        `${f.name}: plain SELECT before ${profile} answers 6982 or 9000, never data`,
        [ref(i + 1), emrtd('§1.6')],
        {
          applies: [profile, ...tokensOf(f)],
          preconditions: ['emrtd_selected'],
          steps: [
            {
              title: `SELECT ${fidHex(f.fid)}`,
              send: `00A4020C02${fidHex(f.fid)}`,
              expect: selectOk,
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
          preconditions: ['emrtd_selected'],
          steps: [
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
        `${f.name}: after ${profile}, a plain READ BINARY is refused (SM enforced)`,
        [ref(i + 37), icao11('§9.8'), emrtd('§2.3')],
        {
          applies: [profile, ...tokensOf(f)],
          preconditions: [after],
          steps: [
            {
              title: `plain READ BINARY by SFI ${hex2(f.sfi)}`,
              send: `00B0${hex2(0x80 | f.sfi)}0000`,
              expect: { sw: ['6982', '6987', '6988'], data: { empty: true } },
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
    'EF.CardSecurity (011D at MF level) is selectable',
    [icaoP3('ISO7816_O_55'), emrtd('§1.6')],
    {
      applies: ['PACE', 'CARD_SECURITY'],
      preconditions: ['mf_selected'],
      steps: [{ title: 'SELECT 011D', send: '00A4020C02011D', expect: { sw: ['9000'] } }],
    },
  ),
  emrtdCase(
    'ISO7816_O_56',
    'EF.CardSecurity is not readable before PACE',
    [icaoP3('ISO7816_O_56')],
    {
      applies: ['PACE', 'CARD_SECURITY'],
      preconditions: ['mf_selected'],
      steps: [{ title: 'READ BINARY SFI 1D', send: '00B09D0000', expect: denied }],
    },
  ),
  emrtdCase(
    'ISO7816_O_57',
    'EF.CardSecurity is readable under SM after PACE',
    [icaoP3('ISO7816_O_57')],
    {
      applies: ['PACE', 'CARD_SECURITY'],
      preconditions: ['pace_only'],
      steps: [
        {
          title: 'protected READ BINARY SFI 1D',
          send: '00B09D0004',
          protect: 'sm',
          expect: { sw: ['9000'], data: { prefix: '30' } },
        },
      ],
    },
  ),
  emrtdCase(
    'ISO7816_O_58',
    'EF.CardSecurity is refused in plain after PACE',
    [icaoP3('ISO7816_O_58')],
    {
      applies: ['PACE', 'CARD_SECURITY'],
      preconditions: ['pace_only'],
      steps: [
        {
          title: 'plain READ BINARY SFI 1D',
          send: '00B09D0004',
          expect: { sw: ['6982', '6987', '6988'] },
        },
      ],
    },
  ),
];

const A: ConformanceCase[] = [
  emrtdCase(
    'ISO7816_A_1',
    'SELECT eMRTD application 00 A4 04 0C 07 A0000002471001 answers 9000 without data (BAC profile)',
    [icaoP3('ISO7816_A_1 (§3.1)'), emrtd('§1.1')],
    {
      applies: ['BAC'],
      steps: [
        {
          title: 'SELECT eMRTD AID',
          send: '00A4040C<EMRTD_AID_LV>',
          expect: { sw: ['9000'], data: { empty: true } },
        },
      ],
    },
  ),
  emrtdCase(
    'ISO7816_A_2',
    'SELECT eMRTD application in plain on a BAC + PACE chip answers 9000',
    [icaoP3('ISO7816_A_2')],
    {
      applies: ['BAC', 'PACE'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT eMRTD AID',
          send: '00A4040C<EMRTD_AID_LV>',
          expect: { sw: ['9000'], data: { empty: true } },
        },
      ],
    },
  ),
  emrtdCase(
    'ISO7816_A_3',
    'After PACE the protected SELECT of the eMRTD application answers 9000 without data',
    [icaoP3('ISO7816_A_3'), emrtd('§1.4 row 9')],
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
  ),
];

/** D: protected SELECT of each file, then a 1-byte protected READ BINARY: the file's first tag. */
function dFamily(): ConformanceCase[] {
  const numbers = [1, 6, ...Array.from({ length: 16 }, (_, i) => 7 + i)];
  const out = LDS_FILES.map((f, i) =>
    emrtdCase(
      `ISO7816_D_${numbers[i] as number}`,
      `${f.name}: protected SELECT, then READ BINARY of 1 byte returns tag ${hex2(f.tag)}`,
      [icaoP3(`ISO7816_D_${numbers[i] as number} (§3.4)`), icao10('§4.6-4.7 (LDS tags)')],
      {
        applies: [
          'PACE',
          ...tokensOf(f),
          ...(f.name === 'DG3' || f.name === 'DG4' ? ['TA', 'TEST_PKI'] : []),
        ],
        preconditions: [f.name === 'DG3' || f.name === 'DG4' ? 'ta_done' : 'pace_done'],
        steps: [
          {
            title: `protected SELECT ${fidHex(f.fid)}`,
            send: `00A4020C02${fidHex(f.fid)}`,
            protect: 'sm',
            expect: { sw: ['9000'], data: { empty: true } },
          },
          {
            title: 'protected READ BINARY 0C B0 00 00 … 97 01 01',
            send: '00B0000001',
            protect: 'sm',
            expect: { sw: ['9000'], data: { equals: hex2(f.tag) } },
          },
        ],
      },
    ),
  );
  out.push(
    emrtdCase(
      'ISO7816_D_23',
      'Protected SELECT of a non-existent EF (0202) is refused',
      [icaoP3('ISO7816_D_23'), iso4('§5.6 Table 6 (6A82)')],
      {
        applies: ['PACE'],
        preconditions: ['pace_done'],
        steps: [
          {
            title: 'protected SELECT 0202',
            send: '00A4020C020202',
            protect: 'sm',
            expect: { sw: ['6A82', '6982'] },
          },
        ],
      },
    ),
  );
  return out;
}

/** E: protected READ BINARY forms. */
function eFamily(): ConformanceCase[] {
  const out: ConformanceCase[] = [
    emrtdCase(
      'ISO7816_E_1',
      'Protected READ BINARY without SFI after a protected SELECT of EF.COM',
      [icaoP3('ISO7816_E_1 (§3.5)')],
      {
        applies: ['PACE'],
        preconditions: ['pace_done'],
        steps: [
          {
            title: 'protected SELECT 011E',
            send: '00A4020C02011E',
            protect: 'sm',
            expect: { sw: ['9000'] },
          },
          {
            title: 'protected READ BINARY 4 bytes',
            send: '00B0000004',
            protect: 'sm',
            expect: { sw: ['9000'], data: [{ length: 4 }, { prefix: '60' }] },
          },
        ],
      },
    ),
    emrtdCase(
      'ISO7816_E_3',
      'Protected READ BINARY at offset 7FFF (beyond EOF) is refused',
      [icaoP3('ISO7816_E_3'), iso4('§7.2.3 (6B00)')],
      {
        applies: ['PACE'],
        preconditions: ['pace_done'],
        steps: [
          {
            title: 'protected SELECT 011E',
            send: '00A4020C02011E',
            protect: 'sm',
            expect: { sw: ['9000'] },
          },
          {
            title: 'protected READ BINARY 7FFF',
            send: '00B07FFF01',
            protect: 'sm',
            expect: { sw: ['6B00', '6A86', '6282'], data: { empty: true } },
          },
        ],
      },
    ),
    emrtdCase(
      'ISO7816_E_4',
      'Protected READ BINARY with Le beyond EOF returns the rest with the declared EOF status',
      [icaoP3('ISO7816_E_4 (expects 9000)'), emrtd('§2.1 (6282 or 9000; readers cope with both)')],
      {
        applies: ['PACE'],
        preconditions: ['pace_done'],
        steps: [
          {
            title: 'protected READ BINARY SFI 1E, 2 bytes (length)',
            send: '00B09E0002',
            protect: 'sm',
            expect: { sw: ['9000'], data: { prefix: '60' } },
            after: (c, r) => void c.vars.set('comLen', (r.data[1] ?? 0) + 2),
          },
          {
            title: 'protected READ BINARY 8 bytes before the end, Le 20',
            send: (c) => Uint8Array.of(0, 0xb0, 0, Math.max(0, c.get<number>('comLen') - 8), 0x20),
            protect: 'sm',
            expect: {
              sw: (c) => [
                c.ics.behaviour.readBeyondEof === '6Cxx' ? '6Cxx' : c.ics.behaviour.readBeyondEof,
              ],
              data: { length: 8 },
              why: 'ICS readBeyondEof (ICAO E_4 expects 9000, ISO 6282)',
            },
          },
        ],
      },
    ),
  ];
  const files = LDS_FILES.slice(0, 17);
  files.forEach((f, i) =>
    out.push(
      emrtdCase(
        `ISO7816_E_${i + 5}`,
        `${f.name}: protected READ BINARY by SFI ${hex2(f.sfi)} (1 byte) returns tag ${hex2(f.tag)}`,
        [icaoP3(`ISO7816_E_${i + 5}`), iso4('§7.2.3 (SFI)')],
        {
          applies: [
            'PACE',
            ...tokensOf(f),
            ...(f.name === 'DG3' || f.name === 'DG4' ? ['TA', 'TEST_PKI'] : []),
          ],
          preconditions: [f.name === 'DG3' || f.name === 'DG4' ? 'ta_done' : 'pace_done'],
          steps: [
            {
              title: `protected READ BINARY ${hex2(0x80 | f.sfi)} 00 Le 01`,
              send: `00B0${hex2(0x80 | f.sfi)}0001`,
              protect: 'sm',
              expect: { sw: ['9000'], data: { equals: hex2(f.tag) } },
            },
          ],
        },
      ),
    ),
  );
  out.push(
    emrtdCase(
      'ISO7816_E_22',
      'Protected odd READ BINARY of EF.CVCA (offset DO 54) returns DO 53 with a CAR (tag 42)',
      [icaoP3('ISO7816_E_22'), emrtd('§1.6 (EF.CVCA)'), iso4('§7.2.3')],
      {
        applies: ['PACE', 'EF_CVCA', 'ODD_READ_BINARY'],
        preconditions: ['pace_done'],
        steps: [
          {
            title: 'protected READ BINARY odd, SFI 1C, offset 0, Le 10',
            send: '00B1001C0354010010',
            protect: 'sm',
            expect: {
              sw: ['9000'],
              data: {
                what: 'DO 53 starting with 42',
                check: (d) => {
                  const t = parseSingleTlv(d, false);
                  return t.tag === 0x53 && t.value[0] === 0x42 ? undefined : `got ${toHex(d)}`;
                },
              },
            },
          },
        ],
      },
    ),
  );
  return out;
}

const Q: ConformanceCase[] = [
  emrtdCase(
    'ISO7816_Q_1',
    'EF.CardAccess (011C) is selectable in the MF without authentication',
    [icaoP3('ISO7816_Q_1'), emrtd('§1.3')],
    {
      applies: ['PACE'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT 011C',
          send: '00A4020C02011C',
          expect: { sw: ['9000'], data: { empty: true } },
        },
      ],
    },
  ),
  emrtdCase(
    'ISO7816_Q_2',
    'EF.CardAccess read by SFI 1C returns SecurityInfos (tag 31)',
    [icaoP3('ISO7816_Q_2'), emrtd('§1.3 (00 B0 9C 00 00)')],
    {
      applies: ['PACE', 'SFI'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'READ BINARY 00 B0 9C 00 00',
          send: '00B09C0000',
          expect: { sw: ['9000', '6282'], data: { prefix: '31' } },
        },
      ],
    },
  ),
  emrtdCase(
    'ISO7816_Q_3',
    'EF.CardAccess read with B0 after SELECT, as the CIE SDKs do (6 bytes, then the rest)',
    [icaoP3('ISO7816_Q_3'), emrtd('§1.3, §1.4 rows 1-3')],
    {
      applies: ['PACE'],
      preconditions: ['mf_selected'],
      steps: [
        { title: 'SELECT 011C', send: '00A4020C02011C', expect: { sw: ['9000'] } },
        {
          title: 'READ BINARY 6 bytes',
          send: '00B0000006',
          expect: { sw: ['9000'], data: [{ length: 6 }, { prefix: '31' }] },
          after: (c, r) => void c.vars.set('caLen', (r.data[1] ?? 0) + 2),
        },
        {
          title: 'READ BINARY the whole file',
          send: (c) => Uint8Array.of(0, 0xb0, 0, 0, c.get<number>('caLen')),
          expect: { sw: ['9000'], data: { length: (c) => c.get<number>('caLen') } },
        },
      ],
    },
  ),
  emrtdCase(
    'ISO7816_Q_4',
    'EF.CardAccess read with B1 (offset DO 54) returns DO 53 with the same bytes',
    [icaoP3('ISO7816_Q_4'), iso4('§7.2.3')],
    {
      applies: ['PACE', 'ODD_READ_BINARY'],
      preconditions: ['mf_selected'],
      steps: [
        { title: 'SELECT 011C', send: '00A4020C02011C', expect: { sw: ['9000'] } },
        {
          title: 'READ BINARY odd, offset 0, Le 08',
          send: '00B10000035401000A',
          expect: { sw: ['9000'], data: { prefix: '530831' } },
        },
      ],
    },
  ),
];

const T: ConformanceCase[] = [
  emrtdCase(
    'ISO7816_T_1',
    'EF.ATR/INFO (2F01) is selectable in the MF without authentication',
    [icaoP3('ISO7816_T_1'), emrtd('§1.6 (EF.ATR/INFO)')],
    {
      applies: ['EF_ATR_INFO'],
      preconditions: ['mf_selected'],
      steps: [{ title: 'SELECT 2F01', send: '00A4020C022F01', expect: { sw: ['9000'] } }],
    },
  ),
  emrtdCase('ISO7816_T_2', 'EF.ATR/INFO is readable in plain', [icaoP3('ISO7816_T_2')], {
    applies: ['EF_ATR_INFO'],
    preconditions: ['mf_selected'],
    steps: [
      { title: 'SELECT 2F01', send: '00A4020C022F01', expect: { sw: ['9000'] } },
      {
        title: 'READ BINARY Le 00',
        send: '00B0000000',
        expect: { sw: ['9000', '6282'], data: { minLength: 5 } },
      },
    ],
  }),
  emrtdCase(
    'ISO7816_T_3',
    'EF.ATR/INFO read by odd READ BINARY equals the even read',
    [icaoP3('ISO7816_T_3'), iso4('§7.2.3')],
    {
      applies: ['EF_ATR_INFO', 'ODD_READ_BINARY'],
      preconditions: ['mf_selected'],
      steps: [
        { title: 'SELECT 2F01', send: '00A4020C022F01', expect: { sw: ['9000'] } },
        {
          title: 'READ BINARY 4 bytes',
          send: '00B0000004',
          expect: { sw: ['9000'] },
          after: (c, r) => void c.vars.set('atr4', r.data.slice()),
        },
        {
          title: 'READ BINARY odd, offset 0, Le 06',
          send: '00B1000003540100' + '06',
          expect: {
            sw: ['9000'],
            data: { equals: (c) => Uint8Array.of(0x53, 0x04, ...c.get<Uint8Array>('atr4')) },
          },
        },
      ],
    },
  ),
  emrtdCase(
    'ISO7816_T_4',
    'EF.ATR/INFO is also readable under PACE secure messaging',
    [icaoP3('ISO7816_T_4'), emrtd('§1.6')],
    {
      applies: ['EF_ATR_INFO', 'PACE'],
      preconditions: ['pace_only'],
      steps: [
        {
          title: 'protected SELECT 2F01',
          send: '00A4020C022F01',
          protect: 'sm',
          expect: { sw: ['9000'] },
        },
        {
          title: 'protected READ BINARY Le 04',
          send: '00B0000004',
          protect: 'sm',
          expect: { sw: ['9000'], data: { length: 4 } },
        },
      ],
    },
  ),
];

const U: ConformanceCase[] = [1, 2, 3, 4].map((n) =>
  emrtdCase(
    `ISO7816_U_${n}`,
    [
      'EF.DIR (2F00) is selectable in the MF',
      'EF.DIR is readable in plain',
      'EF.DIR lists the eMRTD AID in a 61/4F template',
      'EF.DIR read by SFI 1E',
    ][n - 1] as string,
    [icaoP3(`ISO7816_U_${n}`), iso4('§8.2.1.1 (EF.DIR)')],
    {
      applies: ['EF_DIR'],
      preconditions: ['mf_selected'],
      steps: [
        n === 4
          ? {
              title: 'READ BINARY SFI 1E',
              send: '00B09E0000',
              expect: { sw: ['9000', '6282'], data: { prefix: '61' } },
            }
          : { title: 'SELECT 2F00', send: '00A4020C022F00', expect: { sw: ['9000'] } },
        ...(n === 2 || n === 3
          ? [
              {
                title: 'READ BINARY',
                send: '00B0000000',
                expect: {
                  sw: ['9000', '6282'],
                  data:
                    n === 3
                      ? {
                          what: 'contains 4F 07 A0000002471001',
                          check: (d: Uint8Array) =>
                            toHex(d).includes('4F07A0000002471001')
                              ? undefined
                              : `EF.DIR ${toHex(d)}`,
                        }
                      : { prefix: '61' },
                },
              },
            ]
          : []),
      ],
    },
  ),
);

export const ACCESS_CASES: readonly ConformanceCase[] = [
  ...A,
  ...accessFamily('B'),
  ...accessFamily('O'),
  ...CARD_SECURITY,
  ...dFamily(),
  ...eFamily(),
  ...Q,
  ...T,
  ...U,
];
