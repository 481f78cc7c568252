/**
 * ISO 7816 generic suite: class byte, instruction byte, P1-P2 and length errors
 * (ISO/IEC 7816-4:2020 §5.1, §5.4.1 Tables 2-3, §5.6 Table 6; ISO/IEC 7816-3:2006 §12.1;
 * emrtd/README.md §4.7). The card must answer each with a precise status word and without side effects.
 */
import type { CaseContext } from '../../lib/case-context.ts';
import type { ConformanceCase } from '../../lib/model.ts';
import { emrtd, iso3, iso4, SW_TABLE } from '../refs.ts';
import { isoCase, readBinary } from './common.ts';

const CLA = 'CLA';
const INS = 'INS';
const P1P2 = 'P1P2';
const LEN = 'LENGTH';

export const HEADER_CASES: readonly ConformanceCase[] = [
  isoCase(
    1,
    CLA,
    'Proprietary class byte 80 on an interindustry command is refused with 6E00',
    [iso4('§5.4.1 Table 2'), SW_TABLE, emrtd('§4.7')],
    {
      unless: ['PROPRIETARY_CLA'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT MF with CLA 80',
          send: '80A4000C023F00',
          expect: { sw: ['6E00'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(
    2,
    CLA,
    'RFU class byte 20 is refused with 6E00',
    [iso4('§5.4.1 Table 2 (001x xxxx RFU)'), SW_TABLE],
    {
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT MF with CLA 20',
          send: '20A4000C023F00',
          expect: { sw: ['6E00'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(
    3,
    CLA,
    'Logical channel 1 on a card without logical channels is refused',
    [iso4('§5.4.1 Table 2 (b2-b1 channel)'), SW_TABLE, emrtd('§4.7')],
    {
      unless: ['LOGICAL_CHANNELS'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT MF on channel 1 (CLA 01)',
          send: '01A4000C023F00',
          expect: {
            sw: ['6881', '6E00'],
            why: '6881 logical channel not supported, or 6E00 class not supported (Table 6)',
          },
        },
      ],
    },
  ),
  isoCase(
    4,
    CLA,
    'Further interindustry class (channel 4, CLA 40) on a card without logical channels is refused',
    [iso4('§5.4.1 Table 3'), SW_TABLE],
    {
      unless: ['LOGICAL_CHANNELS'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT MF with CLA 40',
          send: '40A4000C023F00',
          expect: { sw: ['6881', '6E00'], why: '6881 or 6E00 (Table 6)' },
        },
      ],
    },
  ),
  isoCase(
    5,
    CLA,
    'Proprietary secure-messaging indication (CLA 04) is refused with 6882',
    [iso4('§5.4.1 Table 2 (b4-b3 = 01)'), SW_TABLE, emrtd('§4.7')],
    {
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT MF with CLA 04',
          send: '04A4000C023F00',
          expect: { sw: ['6882', '6E00'], why: '6882 SM not supported, or 6E00 (Table 6)' },
        },
      ],
    },
  ),
  isoCase(
    6,
    CLA,
    'A protected command (CLA 0C) without a secure-messaging session is refused',
    [iso4('§6 (secure messaging), §5.6 Table 6'), emrtd('§4.7 (CLA 0C without a session)')],
    {
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'CLA 0C SELECT MF with a dummy MAC, no session',
          send: '0CA4000C0E8702013F8E081122334455667788' + '00',
          expect: {
            sw: ['6E00', '6882', '6987', '6988', '6982'],
            data: { empty: true },
            why: 'class/SM not supported or SM data objects rejected (emrtd/README.md §4.7 recommends 6E00; ISO 7816-4 §6 6987/6988)',
          },
        },
      ],
    },
  ),
  isoCase(
    7,
    CLA,
    'A refused class byte has no side effect: the current EF is unchanged',
    [iso4('§5.4.1'), iso4('§7.1.1')],
    {
      unless: ['PROPRIETARY_CLA'],
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'SELECT the short EF with CLA 80',
          send: '80A4020C02<SHORT_FID>',
          expect: { sw: ['6E00'] },
        },
        {
          title: 'READ BINARY 1 byte reads the long EF still',
          send: () => readBinary(0, 1),
          expect: { sw: ['9000'], data: { length: 1 } },
        },
      ],
    },
  ),
  isoCase(10, INS, 'An unsupported instruction is answered 6D00', [SW_TABLE, emrtd('§4.7')], {
    preconditions: ['mf_selected'],
    steps: [
      {
        title: 'first INS the ICS lists as unsupported',
        send: (ctx) =>
          Uint8Array.of(0x00, parseInt(ctx.ics.iso.unsupportedIns[0] ?? '00', 16), 0x00, 0x00),
        expect: { sw: ['6D00'], data: { empty: true } },
      },
    ],
  }),
  isoCase(11, INS, 'Every instruction the ICS lists as unsupported is answered 6D00', [SW_TABLE], {
    preconditions: ['mf_selected'],
    steps: Array.from({ length: 4 }, (_, i) => ({
      title: `unsupported INS #${i + 1} of the ICS (or the first again)`,
      send: (ctx: CaseContext) => {
        const list = ctx.ics.iso.unsupportedIns;
        return Uint8Array.of(0x00, parseInt(list[i % list.length] ?? '00', 16), 0x00, 0x00, 0x00);
      },
      expect: { sw: ['6D00'] },
    })),
  }),
  isoCase(
    12,
    INS,
    'INS 60 (invalid: 6x is a procedure byte in T=0) is answered 6D00',
    [iso3('§10.3.3 (INS 6X, 9X invalid)'), SW_TABLE],
    {
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'INS 60',
          send: '00600000',
          expect: { sw: ['6D00', '6E00'], why: '6D00 instruction invalid; 6E00 tolerated' },
        },
      ],
    },
  ),
  isoCase(13, INS, 'INS 90 (invalid) is answered 6D00', [iso3('§10.3.3'), SW_TABLE], {
    preconditions: ['mf_selected'],
    steps: [
      {
        title: 'INS 90',
        send: '00900000',
        expect: { sw: ['6D00', '6E00'], why: '6D00 instruction invalid; 6E00 tolerated' },
      },
    ],
  }),
  isoCase(
    20,
    P1P2,
    'SELECT with an undefined P1 (05) is refused with wrong P1-P2',
    [iso4('§7.1.1 Table 39'), SW_TABLE],
    {
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT P1 05',
          send: '00A4050C023F00',
          expect: {
            sw: ['6A86', '6B00'],
            why: '6A86 incorrect P1-P2 or 6B00 wrong P1-P2 (Table 6)',
          },
        },
      ],
    },
  ),
  isoCase(
    21,
    P1P2,
    'SELECT with RFU bits set in P2 (F0) is refused with wrong P1-P2',
    [iso4('§7.1.1 Table 40'), SW_TABLE],
    {
      preconditions: ['mf_selected'],
      steps: [{ title: 'SELECT P2 F0', send: '00A400F0023F00', expect: { sw: ['6A86', '6B00'] } }],
    },
  ),
  isoCase(
    22,
    P1P2,
    'READ BINARY with P1 = A1 (b8 = 1 but b7-b6 not 00) is refused with wrong P1-P2',
    [iso4('§7.2.3 (P1 b8=1: b7-b6 = 00, SFI in b5-b1)'), SW_TABLE],
    {
      applies: ['SFI'],
      preconditions: ['long_ef_selected'],
      steps: [{ title: 'READ BINARY P1 A1', send: '00B0A10004', expect: { sw: ['6A86', '6B00'] } }],
    },
  ),
  isoCase(
    23,
    P1P2,
    'READ RECORD with an RFU addressing mode (P2 b3-b1 = 111) is refused',
    [iso4('§7.3.3 Table 49'), SW_TABLE],
    {
      applies: ['READ_RECORD', 'RECORD_FILE'],
      preconditions: ['record_ef_selected'],
      steps: [
        {
          title: 'READ RECORD P2 07',
          send: '00B2010700',
          expect: { sw: ['6A86', '6B00', '6A81'] },
        },
      ],
    },
  ),
  isoCase(
    24,
    P1P2,
    'MSE with an operation code outside SET/STORE/RESTORE/ERASE is refused',
    [iso4('§7.5.11 (P1 b4-b1)'), SW_TABLE],
    {
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'MSE P1 = 00',
          send: '0022000003800102',
          expect: { sw: ['6A86', '6B00', '6A81', '6D00'] },
        },
      ],
    },
  ),
  isoCase(
    30,
    LEN,
    'A command shorter than the 4-byte header is refused with 6700',
    [iso3('§12.1'), SW_TABLE],
    {
      applies: ['RAW_FRAMES'],
      steps: [
        {
          title: '3-byte frame 00 A4 00',
          send: { raw: '00A400' },
          expect: { sw: ['6700'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(
    31,
    LEN,
    'Lc larger than the data field present is refused with 6700',
    [iso3('§12.1.3'), SW_TABLE],
    {
      applies: ['RAW_FRAMES'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'Lc 05 with 2 data bytes',
          send: { raw: '00A4020C05<LONG_FID>' },
          expect: { sw: ['6700'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(
    32,
    LEN,
    'An extended Lc inconsistent with the frame length is refused with 6700',
    [iso3('§12.1.3 (extended cases)'), SW_TABLE],
    {
      applies: ['RAW_FRAMES'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'extended Lc 0005 with 2 data bytes',
          send: { raw: '00A4020C000005<LONG_FID>' },
          expect: { sw: ['6700'] },
        },
      ],
    },
  ),
  isoCase(
    33,
    LEN,
    'A 6-byte frame whose length byte is 00 is not a valid APDU case',
    [iso3('§12.1.3'), SW_TABLE],
    {
      applies: ['RAW_FRAMES'],
      steps: [
        { title: '00 B0 00 00 00 00', send: { raw: '00B000000000' }, expect: { sw: ['6700'] } },
      ],
    },
  ),
  isoCase(
    34,
    LEN,
    'READ BINARY with a data field is refused (wrong length)',
    [iso4('§7.2.3 (data field absent)'), SW_TABLE],
    {
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY with 2 data bytes',
          send: '00B00000020000' + '04',
          expect: {
            sw: ['6700', '6A87'],
            why: '6700 wrong length or 6A87 Nc inconsistent with P1-P2',
          },
        },
      ],
    },
  ),
  isoCase(
    35,
    LEN,
    'SELECT by FID with a 3-byte data field is refused',
    [iso4('§7.1.1 (FID = 2 bytes)'), SW_TABLE],
    {
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT P1 02 with 3 bytes',
          send: '00A4020C030101AA',
          expect: { sw: ['6A87', '6700', '6A80'] },
        },
      ],
    },
  ),
  isoCase(
    36,
    LEN,
    'SELECT by DF name longer than 16 bytes is refused',
    [iso4('§7.1.1 (DF name up to 16 bytes)'), SW_TABLE],
    {
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT P1 04 with 17 bytes',
          send: '00A4040C11A0000000000000000000000000000000AA',
          expect: { sw: ['6A87', '6700', '6A82', '6A80'] },
        },
      ],
    },
  ),
  isoCase(
    37,
    LEN,
    'An extended-length READ BINARY returns the whole long EF up to the declared cap',
    [iso4('§5.1 (extended Le)'), iso3('§12.1.3'), emrtd('§1.1 (extended length needed)')],
    {
      applies: ['EXTENDED_LENGTH'],
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY offset 0, extended Le = file size',
          send: (ctx) => readBinary(0, ctx.ics.iso.longEf.size),
          expect: {
            sw: ['9000'],
            data: {
              length: (ctx) => Math.min(ctx.ics.iso.longEf.size, ctx.ics.behaviour.readBinaryMax),
            },
          },
        },
      ],
    },
  ),
  isoCase(
    38,
    LEN,
    'An extended-length APDU on a card without extended length is refused with 6700',
    [iso4('§5.1'), SW_TABLE],
    {
      unless: ['EXTENDED_LENGTH'],
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY with extended Le 0100',
          send: '00B00000000100',
          expect: { sw: ['6700'] },
        },
      ],
    },
  ),
  isoCase(
    39,
    LEN,
    'An extended-length SELECT (case 3E) is processed like its short form',
    [iso3('§12.1.3 (case 3E)'), iso4('§5.1')],
    {
      applies: ['EXTENDED_LENGTH'],
      preconditions: ['long_ef_dir'],
      steps: [
        {
          title: 'SELECT EF with extended Lc 0002',
          send: '00A4020C000002<LONG_FID>',
          expect: { sw: ['9000'], data: { empty: true } },
        },
      ],
    },
  ),
];
