/**
 * ISO 7816 generic suite: READ BINARY even (`B0`, offset or SFI) and odd (`B1`, DO 54/53), end of
 * file, the per-response cap, and the current-EF rules (ISO/IEC 7816-4:2020 §7.2.3; emrtd/README.md §2.1
 * and §4.7; ias/README.md §2.2 notes and §3 rows 6-8; ICAO Part 3 ISO7816_E_3/E_4).
 */
import { parseSingleTlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import type { CaseContext } from '../../lib/case-context.ts';
import { eofMode } from '../../lib/ics.ts';
import type { ConformanceCase, DataCheck } from '../../lib/model.ts';
import { cieIas, emrtd, icaoP3, iso4, SW_TABLE } from '../refs.ts';
import {
  capture,
  eofData,
  eofSws,
  oddEofSws,
  equalsVar,
  isoCase,
  readBinary,
  readBinaryOdd,
  sfiOf,
} from './common.ts';

const RB = 'READ_BINARY';
const ODD = 'READ_BINARY_ODD';

const longSize = (ctx: CaseContext): number => ctx.ics.iso.longEf.size;
const cap = (ctx: CaseContext): number => ctx.ics.behaviour.readBinaryMax;

/** `53 L <data>` whose value equals the variable's bytes [from, from + n) (n = whatever came). */
function do53Of(name: string, from: number): DataCheck {
  return {
    what: `DO 53 with the bytes of ${name} from ${from}`,
    check: (d, ctx) => {
      const t = parseSingleTlv(d, false);
      if (t.tag !== 0x53) return `not a DO 53: ${toHex(d.subarray(0, 8))}`;
      const ref = ctx.get<Uint8Array>(name).subarray(from, from + t.value.length);
      if (t.value.length === 0) return 'DO 53 is empty';
      return toHex(ref) === toHex(t.value)
        ? undefined
        : `DO 53 content differs from the even READ BINARY at offset ${from}`;
    },
  };
}

/** Reads the first 256 bytes (or the whole file) of the long EF in pieces the cap allows. */
function readPrefixSteps(
  name: string,
  total: (ctx: CaseContext) => number,
): ConformanceCase['steps'] {
  return [0, 1, 2].map((i) => ({
    title: `READ BINARY piece ${i + 1} of the long EF (for reference)`,
    send: (ctx: CaseContext) => {
      const step = Math.min(cap(ctx), 0xe7);
      const off = Math.min(i * step, Math.max(0, total(ctx) - 1));
      return readBinary(off, Math.max(1, Math.min(step, total(ctx) - off)));
    },
    expect: { sw: ['9000'] },
    after: (ctx: CaseContext, r: { data: Uint8Array }) => {
      const prev = (ctx.vars.get(name) as Uint8Array | undefined) ?? new Uint8Array(0);
      const step = Math.min(cap(ctx), 0xe7);
      if (i * step >= total(ctx)) return;
      ctx.vars.set(name, Uint8Array.of(...prev, ...r.data));
    },
  }));
}

export const READ_BINARY_CASES: readonly ConformanceCase[] = [
  isoCase(80, RB, 'READ BINARY of 1 byte at offset 0 answers 1 byte and 9000', [iso4('§7.2.3')], {
    preconditions: ['long_ef_selected'],
    steps: [
      {
        title: 'READ BINARY 00 B0 00 00 01',
        send: '00B0000001',
        expect: { sw: ['9000'], data: { length: 1 } },
      },
    ],
  }),
  isoCase(
    81,
    RB,
    'READ BINARY with Le 00 returns min(256, cap, size) bytes',
    [iso4('§5.1 (Le 00 = 256)'), cieIas('§2.2 notes (231-byte cap)')],
    {
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY Le 00',
          send: '00B0000000',
          expect: {
            sw: (ctx) =>
              longSize(ctx) >= 256 || cap(ctx) < longSize(ctx) ? ['9000'] : eofSws(ctx),
            data: {
              length: (ctx) =>
                longSize(ctx) < 256 &&
                cap(ctx) >= longSize(ctx) &&
                ctx.ics.behaviour.readBeyondEof === '6Cxx'
                  ? 0
                  : Math.min(256, cap(ctx), longSize(ctx)),
            },
          },
        },
      ],
    },
  ),
  isoCase(
    82,
    RB,
    'READ BINARY with an offset at the end of the file answers 6B00',
    [iso4('§7.2.3'), SW_TABLE, cieIas('§3 row 6 (6B00 if offset ≥ size)'), emrtd('§2.1')],
    {
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY at offset = size',
          send: (ctx) => readBinary(longSize(ctx), 1),
          expect: { sw: ['6B00'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(
    83,
    RB,
    'READ BINARY at offset 7FFF (far beyond the end) answers 6B00',
    [icaoP3('ISO7816_E_3'), iso4('§7.2.3'), SW_TABLE],
    {
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY 00 B0 7F FF 01',
          send: '00B07FFF01',
          expect: { sw: ['6B00'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(
    84,
    RB,
    'READ BINARY asking beyond the end returns the remaining bytes with the declared EOF status',
    [iso4('§5.6 Table 5 (6282)'), icaoP3('ISO7816_E_4 (9000)'), emrtd('§2.1, §4.7')],
    {
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY 4 bytes at size − 2',
          send: (ctx) => readBinary(longSize(ctx) - 2, 4),
          expect: { sw: eofSws, data: eofData(2) },
        },
      ],
    },
  ),
  isoCase(
    85,
    RB,
    'READ BINARY ending exactly at the end of the file answers 9000',
    [iso4('§7.2.3')],
    {
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY 4 bytes at size − 4',
          send: (ctx) => readBinary(longSize(ctx) - 4, 4),
          expect: { sw: ['9000'], data: { length: 4 } },
        },
      ],
    },
  ),
  isoCase(
    86,
    RB,
    'The short EF asked with Le 00 returns all its bytes with the declared EOF status',
    [iso4('§5.6 Table 5'), emrtd('§2.1'), cieIas('§3 row 6 (6282 at EOF with short data)')],
    {
      preconditions: ['short_ef_selected'],
      steps: [
        {
          title: 'READ BINARY Le 00 on the short EF',
          send: '00B0000000',
          expect: {
            sw: (ctx) => (ctx.ics.iso.shortEf.size >= 256 ? ['9000'] : eofSws(ctx)),
            data: {
              what: 'the whole short EF (or none with 6Cxx)',
              check: (d, ctx) => {
                const size = ctx.ics.iso.shortEf.size;
                const want =
                  size >= 256
                    ? Math.min(256, cap(ctx))
                    : ctx.ics.behaviour.readBeyondEof === '6Cxx'
                      ? 0
                      : Math.min(size, cap(ctx));
                return d.length === want ? undefined : `expected ${want} bytes, got ${d.length}`;
              },
            },
          },
        },
      ],
    },
  ),
  isoCase(87, RB, 'Reading the same range twice returns the same bytes', [iso4('§7.2.3')], {
    preconditions: ['long_ef_selected'],
    steps: [
      {
        title: 'READ BINARY 16 bytes at 2',
        send: () => readBinary(2, 16),
        expect: { sw: ['9000'], data: { length: 16 } },
        ...capture('a'),
      },
      {
        title: 'again',
        send: () => readBinary(2, 16),
        expect: { sw: ['9000'], data: equalsVar('a') },
      },
    ],
  }),
  isoCase(88, RB, 'Overlapping reads agree byte for byte', [iso4('§7.2.3 (offset addressing)')], {
    preconditions: ['long_ef_selected'],
    steps: [
      {
        title: 'READ BINARY 16 bytes at 0',
        send: () => readBinary(0, 16),
        expect: { sw: ['9000'], data: { length: 16 } },
        ...capture('a'),
      },
      {
        title: 'READ BINARY 8 bytes at 8',
        send: () => readBinary(8, 8),
        expect: { sw: ['9000'], data: equalsVar('a', (b) => b.subarray(8, 16)) },
      },
    ],
  }),
  isoCase(
    89,
    RB,
    'A 15-bit offset above 255 reads the right bytes',
    [iso4('§7.2.3 (P1 b7-b1 ‖ P2 offset)')],
    {
      preconditions: ['long_ef_selected'],
      steps: [
        ...readPrefixSteps('prefix', (ctx) => Math.min(longSize(ctx), 300)),
        {
          title: 'READ BINARY 4 bytes at 256 (P1 01)',
          send: (ctx) => readBinary(Math.min(256, longSize(ctx) - 4), 4),
          expect: {
            sw: ['9000'],
            data: {
              what: 'bytes [256, 260) of the reference read',
              check: (d, ctx) => {
                const off = Math.min(256, longSize(ctx) - 4);
                const ref = ctx.get<Uint8Array>('prefix').subarray(off, off + 4);
                return toHex(ref) === toHex(d)
                  ? undefined
                  : `got ${toHex(d)}, reference ${toHex(ref)}`;
              },
            },
          },
        },
      ],
    },
  ),
  isoCase(90, RB, 'READ BINARY without a current EF answers 6986', [iso4('§7.2.3'), SW_TABLE], {
    preconditions: ['long_ef_dir'],
    steps: [
      {
        title: 'READ BINARY with only a DF selected',
        send: '00B0000001',
        expect: { sw: ['6986'], data: { empty: true } },
      },
    ],
  }),
  isoCase(
    91,
    RB,
    'READ BINARY by SFI returns the same bytes as by the selected FID',
    [iso4('§7.2.3 (P1 100x xxxx)'), emrtd('§2.1, §1.6')],
    {
      applies: ['SFI'],
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY 8 bytes of the selected EF',
          send: () => readBinary(0, 8),
          expect: { sw: ['9000'] },
          ...capture('byFid'),
        },
        {
          title: 'SELECT its DF again (no current EF)',
          send: (ctx) =>
            ctx.ics.iso.longEf.in === 'mf' ? '00A4000C023F00' : '00A4040C<APP_AID_LV>',
          expect: { sw: ['9000'] },
        },
        {
          title: 'READ BINARY 8 bytes by SFI',
          send: '00B0<LONG_SFI_P1>0008',
          expect: { sw: ['9000'], data: equalsVar('byFid') },
        },
      ],
    },
  ),
  isoCase(
    92,
    RB,
    'READ BINARY by SFI makes that EF current',
    [iso4('§7.2.3 (the EF becomes current)'), emrtd('§4.7 (SFI read changes the current EF)')],
    {
      applies: ['SFI'],
      preconditions: ['long_ef_dir'],
      steps: [
        {
          title: 'READ BINARY 8 bytes by SFI',
          send: '00B0<LONG_SFI_P1>0008',
          expect: { sw: ['9000'], data: { length: 8 } },
          ...capture('bySfi'),
        },
        {
          title: 'READ BINARY 8 bytes of the current EF',
          send: () => readBinary(0, 8),
          expect: { sw: ['9000'], data: equalsVar('bySfi') },
        },
      ],
    },
  ),
  isoCase(
    93,
    RB,
    'READ BINARY by SFI with an offset in P2',
    [iso4('§7.2.3 (SFI: P2 = offset 0..255)')],
    {
      applies: ['SFI'],
      preconditions: ['long_ef_dir'],
      steps: [
        {
          title: 'READ BINARY 16 bytes by SFI at 0',
          send: '00B0<LONG_SFI_P1>0010',
          expect: { sw: ['9000'], data: { length: 16 } },
          ...capture('a'),
        },
        {
          title: 'READ BINARY 4 bytes by SFI at 10',
          send: '00B0<LONG_SFI_P1>0A04',
          expect: { sw: ['9000'], data: equalsVar('a', (b) => b.subarray(10, 14)) },
        },
      ],
    },
  ),
  isoCase(
    94,
    RB,
    'READ BINARY by an SFI no EF of the current DF has answers 6A82',
    [iso4('§7.2.3'), SW_TABLE, icaoP3('ISO7816_B_19..B_36 (absent SFIs)')],
    {
      applies: ['SFI'],
      preconditions: ['long_ef_dir'],
      steps: [
        {
          title: 'READ BINARY by the ICS absent SFI',
          send: (ctx) => Uint8Array.of(0x00, 0xb0, 0x80 | ctx.ics.iso.absentSfi, 0x00, 0x01),
          expect: { sw: ['6A82'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(95, RB, 'READ BINARY of a record EF answers 6981', [iso4('§7.2.3'), SW_TABLE], {
    applies: ['RECORD_FILE'],
    preconditions: ['record_ef_selected'],
    steps: [
      {
        title: 'READ BINARY on a record EF',
        send: '00B0000001',
        expect: {
          sw: ['6981', '6986'],
          why: '6981 incompatible file structure (6986 also names "command not allowed")',
        },
      },
    ],
  }),
  isoCase(
    96,
    RB,
    'Successive reads of Le 00 stay within the declared per-response cap',
    [cieIas('§2.2 notes, §12 item 3'), iso4('§7.2.3')],
    {
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY Le 00',
          send: '00B0000000',
          expect: {
            sw: ['9000', '6282'],
            data: {
              what: 'at most readBinaryMax bytes',
              check: (d, ctx) =>
                d.length <= cap(ctx) ? undefined : `${d.length} bytes, cap ${cap(ctx)}`,
            },
          },
        },
      ],
    },
  ),
  isoCase(
    100,
    ODD,
    'Odd READ BINARY of the current EF returns DO 53 with the bytes at the DO 54 offset',
    [iso4('§7.2.3 (B1: data 54, response 53)'), emrtd('§2.1'), cieIas('§3 row 8')],
    {
      applies: ['ODD_READ_BINARY'],
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY 32 bytes',
          send: () => readBinary(0, 32),
          expect: { sw: ['9000'] },
          ...capture('ref'),
        },
        {
          title: 'READ BINARY odd, P1P2 0000, offset 4, Le 10',
          send: () => readBinaryOdd(0, 4, 0x10),
          expect: { sw: ['9000'], data: do53Of('ref', 4) },
        },
      ],
    },
  ),
  isoCase(
    101,
    ODD,
    'Odd READ BINARY by SFI in P2 (P1 00)',
    [iso4('§7.2.3 (B1 P1P2 = 000s ssss)'), icaoP3('ISO7816_C_9'), cieIas('§3 row 8')],
    {
      applies: ['ODD_READ_BINARY', 'SFI'],
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY 32 bytes',
          send: () => readBinary(0, 32),
          expect: { sw: ['9000'] },
          ...capture('ref'),
        },
        {
          title: 'READ BINARY odd by SFI, offset 0, Le 10',
          send: (ctx) => readBinaryOdd(sfiOf(ctx.ics.iso.longEf), 0, 0x10),
          expect: { sw: ['9000'], data: do53Of('ref', 0) },
        },
      ],
    },
  ),
  isoCase(102, ODD, 'Odd READ BINARY by FID in P1P2', [iso4('§7.2.3 (B1 P1P2 = FID)')], {
    applies: ['ODD_READ_BINARY'],
    preconditions: ['long_ef_selected'],
    steps: [
      {
        title: 'READ BINARY 32 bytes',
        send: () => readBinary(0, 32),
        expect: { sw: ['9000'] },
        ...capture('ref'),
      },
      {
        title: 'READ BINARY odd by FID, offset 2, Le 10',
        send: (ctx) => readBinaryOdd(parseInt(ctx.ics.iso.longEf.fid, 16), 2, 0x10),
        expect: { sw: ['9000'], data: do53Of('ref', 2) },
      },
    ],
  }),
  isoCase(
    103,
    ODD,
    'Odd READ BINARY with a two-byte offset above 255',
    [iso4('§7.2.3 (offset DO 54 of 1-3 bytes)'), emrtd('§2.1 (offsets beyond 7FFF)')],
    {
      applies: ['ODD_READ_BINARY'],
      preconditions: ['long_ef_selected'],
      steps: [
        ...readPrefixSteps('prefix', (ctx) => Math.min(longSize(ctx), 300)),
        {
          title: 'READ BINARY odd, offset 0100, Le 08',
          send: (ctx) => readBinaryOdd(0, Math.min(256, longSize(ctx) - 8), 0x08),
          expect: {
            sw: ['9000'],
            data: {
              what: 'DO 53 equal to the reference bytes',
              check: (d, ctx) => {
                const t = parseSingleTlv(d, false);
                const off = Math.min(256, longSize(ctx) - 8);
                const ref = ctx.get<Uint8Array>('prefix').subarray(off, off + t.value.length);
                return t.tag === 0x53 && t.value.length > 0 && toHex(ref) === toHex(t.value)
                  ? undefined
                  : `DO 53 ${toHex(t.value)} vs reference ${toHex(ref)}`;
              },
            },
          },
        },
      ],
    },
  ),
  isoCase(
    104,
    ODD,
    'Odd READ BINARY without the offset DO 54 is refused',
    [iso4('§7.2.3'), SW_TABLE],
    {
      applies: ['ODD_READ_BINARY'],
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY odd with DO 53 instead of 54',
          send: '00B100000353010000',
          expect: { sw: ['6A80', '6A86', '6700'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(
    105,
    ODD,
    'Odd READ BINARY at an offset beyond the end answers 6B00',
    [iso4('§7.2.3'), SW_TABLE],
    {
      applies: ['ODD_READ_BINARY'],
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY odd at offset = size',
          send: (ctx) => readBinaryOdd(0, longSize(ctx), 0x10),
          expect: { sw: ['6B00'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(
    106,
    ODD,
    'Odd READ BINARY reaching the end returns the rest with the declared EOF status',
    [iso4('§5.6 Table 5'), emrtd('§2.1'), cieIas('§3 row 8 (last 53 LL + 6282)')],
    {
      applies: ['ODD_READ_BINARY'],
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY odd at size − 3, Le 10',
          send: (ctx) => readBinaryOdd(0, longSize(ctx) - 3, 0x10),
          expect: {
            sw: oddEofSws,
            data: {
              what: 'DO 53 with 3 bytes (none with 6Cxx)',
              check: (d, ctx) => {
                if (eofMode(ctx.ics, true) === '6Cxx')
                  return d.length === 0 ? undefined : 'data with 6Cxx';
                const t = parseSingleTlv(d, false);
                return t.tag === 0x53 && t.value.length === 3
                  ? undefined
                  : `expected 53 03 xx xx xx, got ${toHex(d)}`;
              },
            },
          },
        },
      ],
    },
  ),
];
