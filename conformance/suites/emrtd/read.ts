/**
 * eMRTD suite, ICAO Part 3 v3.2 categories about reading (emrtd/README.md §4.2): D (protected
 * SELECT + READ BINARY of one byte: the file's first tag), E (protected READ BINARY forms: without
 * SFI, offset and Le beyond the end, by SFI, odd INS for EF.CVCA), Q (EF.CardAccess), T
 * (EF.ATR/INFO), U (EF.DIR). Steps follow the matrix's APDUs (conformance/icao-part3/); where it
 * gives no status word, the positive form expects `9000` and the first byte(s) of the file.
 * `CIE_EMRTD_READ_<n>` are the project's own read checks (the CIE SDKs' read pattern and so on).
 */
import { parseSingleTlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import type { ApduStep, ConformanceCase, DataCheck } from '../../lib/model.ts';
import { emrtd, icao10, icaoP3, iso4 } from '../refs.ts';
import { emrtdCase, fidHex, hex2, LDS_FILES, type LdsEntry } from './common.ts';

const tokensOf = (f: LdsEntry): string[] => (f.token ? [f.token] : []);
const behindTa = (f: LdsEntry): boolean => f.name === 'DG3' || f.name === 'DG4';
const appliesFor = (f: LdsEntry): string[] => [
  'PACE',
  ...tokensOf(f),
  ...(behindTa(f) ? ['TA', 'TEST_PKI'] : []),
];
const preFor = (f: LdsEntry): string[] => [behindTa(f) ? 'ta_done' : 'pace_done'];

const selectSm = (fid: number): ApduStep => ({
  title: `protected SELECT ${fidHex(fid)} (0C A4 02 0C … 87 …)`,
  send: `00A4020C02${fidHex(fid)}`,
  protect: 'sm',
  expect: { sw: ['9000'], data: { empty: true } },
});

/** `53 L <value>` whose value starts with `first` (odd READ BINARY response). */
const do53 = (first: string): DataCheck => ({
  what: `DO 53 starting with ${first}`,
  check: (d) => {
    try {
      const t = parseSingleTlv(d, false);
      return t.tag === 0x53 && toHex(t.value).startsWith(first) ? undefined : `got ${toHex(d)}`;
    } catch {
      return `not a DO 53: ${toHex(d)}`;
    }
  },
});

/** D: protected SELECT of each file, then a 1-byte protected READ BINARY: the file's first tag. */
function dFamily(): ConformanceCase[] {
  const numbers = [1, 6, ...Array.from({ length: 16 }, (_, i) => 7 + i)];
  const out = LDS_FILES.map((f, i) =>
    emrtdCase(
      `ISO7816_D_${numbers[i] as number}`,
      `${f.name}: protected SELECT, then READ BINARY of 1 byte returns tag ${hex2(f.tag)}`,
      [icaoP3(`ISO7816_D_${numbers[i] as number}`), icao10('§4.6-4.7 (LDS tags)')],
      {
        applies: appliesFor(f),
        preconditions: preFor(f),
        steps: [
          selectSm(f.fid),
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
      'Protected READ BINARY (1 byte) without SFI after a protected SELECT of EF.COM',
      [icaoP3('ISO7816_E_1')],
      {
        applies: ['PACE'],
        preconditions: ['pace_done'],
        steps: [
          selectSm(0x011e),
          {
            title: 'protected READ BINARY 0C B0 00 00 … 97 01 01',
            send: '00B0000001',
            protect: 'sm',
            expect: { sw: ['9000'], data: { equals: '60' } },
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
          selectSm(0x011e),
          {
            title: 'protected READ BINARY 0C B0 7F FF … 97 01 01',
            send: '00B07FFF01',
            protect: 'sm',
            expect: { sw: ['6B00', '6A86', '6282'], data: { empty: true } },
          },
        ],
      },
    ),
    emrtdCase(
      'ISO7816_E_4',
      'Protected READ BINARY with Le E0, beyond the end of EF.COM, returns the whole file with 9000',
      [icaoP3('ISO7816_E_4 (step 2: 9000)'), emrtd('§2.1 (real cards: the short data with 9000)')],
      {
        applies: ['PACE'],
        preconditions: ['pace_done'],
        steps: [
          selectSm(0x011e),
          {
            title: 'protected READ BINARY 0C B0 00 00 … 97 01 E0',
            send: '00B00000E0',
            protect: 'sm',
            expect: {
              sw: ['9000'],
              data: {
                what: 'the whole EF.COM (60 L …), shorter than E0',
                check: (d) =>
                  d[0] === 0x60 && d.length === (d[1] ?? 0) + 2 && d.length < 0xe0
                    ? undefined
                    : `got ${d.length} bytes ${toHex(d.subarray(0, 4))}…`,
              },
              why: 'ICAO Part 3 ISO7816_E_4 expects 9000 only (ISO 7816-4 would allow 6282)',
            },
          },
        ],
      },
    ),
  ];
  LDS_FILES.slice(0, 17).forEach((f, i) =>
    out.push(
      emrtdCase(
        `ISO7816_E_${i + 5}`,
        `${f.name}: protected READ BINARY by SFI ${hex2(f.sfi)} (1 byte) returns tag ${hex2(f.tag)}`,
        [icaoP3(`ISO7816_E_${i + 5}`), iso4('§7.2.3 (SFI)')],
        {
          applies: appliesFor(f),
          preconditions: preFor(f),
          steps: [
            {
              title: `protected READ BINARY 0C B0 ${hex2(0x80 | f.sfi)} 00 … 97 01 01`,
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
      'Protected odd READ BINARY with the FID of EF.CVCA in P1P2 (DO 85 offset, Le 26) returns DO 53 with a CAR (tag 42)',
      [icaoP3('ISO7816_E_22'), emrtd('§1.6 (EF.CVCA)'), iso4('§7.2.3 (B1 P1P2 = FID)')],
      {
        applies: ['PACE', 'TA', 'EF_CVCA', 'ODD_READ_BINARY'],
        preconditions: ['pace_done'],
        steps: [
          {
            title: 'protected READ BINARY 0C B1 01 1C … 85 (54 01 00) 97 01 26',
            send: '00B1011C0354010026',
            protect: 'sm',
            expect: { sw: ['9000'], data: do53('42') },
          },
        ],
      },
    ),
  );
  return out;
}

/** Q, T, U: an MF-level file by SELECT + B0, by SFI, by SELECT + B1, by B1 with SFI. */
function mfFile(
  cat: 'Q' | 'T' | 'U',
  o: {
    fid: number;
    sfi: number;
    /** The file's first byte, when the standard fixes it ('' = any). */
    first: string;
    name: string;
    token: string;
    sfiToken?: string;
  },
): ConformanceCase[] {
  const ref = (n: number) => icaoP3(`ISO7816_${cat}_${n}`);
  const sel: ApduStep = {
    title: `SELECT ${fidHex(o.fid)}`,
    send: `00A4020C02${fidHex(o.fid)}`,
    expect: { sw: ['9000'], data: { empty: true } },
  };
  const b0 = (p1: string): ApduStep => ({
    title: `READ BINARY 00 B0 ${p1} 00 01`,
    send: `00B0${p1}0001`,
    expect: { sw: ['9000'], data: o.first ? { equals: o.first } : { length: 1 } },
  });
  const b1 = (p2: string): ApduStep => ({
    title: `READ BINARY odd 00 B1 00 ${p2} 04 54 02 00 00 03`,
    send: `00B100${p2}045402000003`,
    expect: { sw: ['9000'], data: [do53(o.first), { prefix: '5301' }] },
  });
  const sfiHex = hex2(o.sfi);
  const viaSfi = [o.token, ...(o.sfiToken ? [o.sfiToken] : ['SFI'])];
  const c = (n: number, title: string, applies: string[], steps: ApduStep[]): ConformanceCase =>
    emrtdCase(`ISO7816_${cat}_${n}`, `${o.name}: ${title}`, [ref(n), iso4('§7.2.3')], {
      applies,
      preconditions: ['mf_selected'],
      steps,
    });
  return [
    c(1, 'SELECT, then READ BINARY of 1 byte', [o.token], [sel, b0('00')]),
    c(2, `READ BINARY by SFI ${sfiHex}, 1 byte`, viaSfi, [b0(hex2(0x80 | o.sfi))]),
    c(
      3,
      'SELECT, then odd READ BINARY (DO 54 00 00, Le 03)',
      [o.token, 'ODD_READ_BINARY'],
      [sel, b1('00')],
    ),
    c(4, `odd READ BINARY with SFI ${sfiHex} in P2`, [...viaSfi, 'ODD_READ_BINARY'], [b1(sfiHex)]),
  ];
}

/** Project read checks (not in the ICAO matrix). */
const PROJECT: ConformanceCase[] = [
  emrtdCase(
    'CIE_EMRTD_READ_1',
    'EF.CardAccess read with B0 after SELECT, as the CIE SDKs do (6 bytes, then the whole file)',
    [emrtd('§1.3, §1.4 rows 1-3')],
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
    'ISO7816_Q',
  ),
  emrtdCase(
    'CIE_EMRTD_READ_2',
    'EF.ATR/INFO is also readable under PACE secure messaging',
    [emrtd('§1.6')],
    {
      applies: ['EF_ATR_INFO', 'PACE'],
      preconditions: ['pace_only'],
      steps: [
        { ...selectSm(0x2f01), expect: { sw: ['9000'] } },
        {
          title: 'protected READ BINARY Le 04',
          send: '00B0000004',
          protect: 'sm',
          expect: { sw: ['9000'], data: { length: 4 } },
        },
      ],
    },
    'ISO7816_T',
  ),
  emrtdCase(
    'CIE_EMRTD_READ_3',
    'EF.ATR/INFO is readable whole in plain (Le 00)',
    [emrtd('§1.6 (EF.ATR/INFO)')],
    {
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
    },
    'ISO7816_T',
  ),
  emrtdCase(
    'CIE_EMRTD_READ_4',
    'EF.DIR lists the eMRTD AID in a 61/4F template',
    [iso4('§8.2.1.1 (EF.DIR)'), icao10('§3.11.1')],
    {
      applies: ['EF_DIR'],
      preconditions: ['mf_selected'],
      steps: [
        { title: 'SELECT 2F00', send: '00A4020C022F00', expect: { sw: ['9000'] } },
        {
          title: 'READ BINARY',
          send: '00B0000000',
          expect: {
            sw: ['9000', '6282'],
            data: {
              what: 'contains 4F 07 A0000002471001',
              check: (d: Uint8Array) =>
                toHex(d).includes('4F07A0000002471001') ? undefined : `EF.DIR ${toHex(d)}`,
            },
          },
        },
      ],
    },
    'ISO7816_U',
  ),
];

export const READ_CASES: readonly ConformanceCase[] = [
  ...dFamily(),
  ...eFamily(),
  ...mfFile('Q', {
    fid: 0x011c,
    sfi: 0x1c,
    first: '31',
    name: 'EF.CardAccess',
    token: 'PACE',
  }),
  ...mfFile('T', {
    fid: 0x2f01,
    sfi: 0x01,
    first: '',
    name: 'EF.ATR/INFO',
    token: 'EF_ATR_INFO',
    sfiToken: 'EF_ATR_INFO_SFI',
  }),
  ...mfFile('U', { fid: 0x2f00, sfi: 0x1e, first: '61', name: 'EF.DIR', token: 'EF_DIR' }),
  ...PROJECT,
];
