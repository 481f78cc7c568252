/**
 * ISO 7816 generic suite: SELECT forms and the FCP/FCI/FMD templates (ISO/IEC 7816-4:2020
 * §7.1.1 Tables 39-40, §7.4.3 Tables 10-12; ias/README.md §2.1 for the MF forms the CIE clients
 * send; emrtd/README.md §1.3, §4.7 "SELECT with P2 0C returns no data").
 */
import { findTlv, parseTlvTree } from '../../../emulator/src/bytes/ber-tlv.ts';
import { equalBytes } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { TemplateError, type CaseContext } from '../../lib/case-context.ts';
import type { ConformanceCase, DataCheck } from '../../lib/model.ts';
import { cieIas, emrtd, iso4, SW_TABLE } from '../refs.ts';
import { capture, equalsVar, isoCase, readBinary } from './common.ts';

const SEL = 'SELECT';

/** The template tag and the DOs every FCP/FCI of a transparent EF must carry (§7.4.3). */
function efTemplate(
  tag: number,
  fid: (ctx: CaseContext) => string,
  size: (ctx: CaseContext) => number,
): DataCheck {
  return {
    what: `${tag.toString(16).toUpperCase()} template with 80 = size, 83 = FID`,
    check: (d, ctx) => {
      const [t] = parseTlvTree(d);
      if (!t || t.tag !== tag || t.raw.length !== d.length)
        return `not a single ${tag.toString(16)} template: ${toHex(d)}`;
      const s = findTlv(t.children, 0x80) ?? findTlv(t.children, 0x81);
      if (!s) return 'no size DO (80 or 81)';
      const value = s.value.reduce((v, b) => v * 256 + b, 0);
      if (value !== size(ctx)) return `size DO says ${value}, ICS says ${size(ctx)}`;
      const f = findTlv(t.children, 0x83);
      if (f && toHex(f.value) !== fid(ctx).toUpperCase())
        return `FID DO 83 is ${toHex(f.value)}, expected ${fid(ctx)}`;
      return undefined;
    },
  };
}

const longFid = (ctx: CaseContext): string => ctx.ics.iso.longEf.fid;
const longSize = (ctx: CaseContext): number => ctx.ics.iso.longEf.size;

const dfTemplate = (tag: number): DataCheck => ({
  what: `${tag.toString(16).toUpperCase()} template; a DF name DO 84, if present, is the AID`,
  check: (d, ctx) => {
    const [t] = parseTlvTree(d);
    if (!t || t.tag !== tag) return `not a ${tag.toString(16)} template: ${toHex(d)}`;
    const n = findTlv(t.children, 0x84);
    if (n && !equalBytes(n.value, fromHex(ctx.ics.iso.application.aid)))
      return `DF name ${toHex(n.value)} is not the AID`;
    return undefined;
  },
});

/** Path from the MF to the long EF (application FID first when it lives in the application). */
function pathToLong(ctx: CaseContext): Uint8Array {
  const ef = fromHex(ctx.ics.iso.longEf.fid);
  if (ctx.ics.iso.longEf.in === 'mf') return ef;
  return Uint8Array.of(...ctx.placeholder('APP_FID'), ...ef);
}

/** An EF the ICS places directly in the MF. */
function mfEfFid(ctx: CaseContext): string {
  const ef = [ctx.ics.iso.longEf, ctx.ics.iso.shortEf].find((e) => e.in === 'mf');
  if (!ef) throw new TemplateError('the ICS declares no long or short EF in the MF');
  return ef.fid;
}

const read1 = { title: 'READ BINARY 1 byte of the current EF', send: () => readBinary(0, 1) };

export const SELECT_CASES: readonly ConformanceCase[] = [
  isoCase(
    50,
    SEL,
    'SELECT MF, case 1 without data (00 A4 00 0C), answers 9000 with no data',
    [iso4('§7.1.1 (P1 00, empty data: MF)'), emrtd('§1.3')],
    {
      steps: [
        {
          title: 'SELECT MF, no data',
          send: '00A4000C',
          expect: { sw: ['9000'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(
    51,
    SEL,
    'SELECT MF by FID 3F00 with P2 0C answers 9000 with no data',
    [iso4('§7.1.1'), cieIas('§2.1 (MF forms)')],
    {
      steps: [
        {
          title: 'SELECT 3F00',
          send: '00A4000C023F00',
          expect: { sw: ['9000'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(
    52,
    SEL,
    'SELECT MF in the 4-byte form the CIE desktop middleware sends (00 A4 00 00)',
    [cieIas('§3 row 3, §1.3'), iso4('§7.1.1')],
    {
      steps: [{ title: 'SELECT MF 00 A4 00 00', send: '00A40000', expect: { sw: ['9000'] } }],
    },
  ),
  isoCase(
    53,
    SEL,
    'SELECT MF by FID with P2 00 (the mobile SDK form) answers 9000',
    [cieIas('§2.1 (00 A4 00 00 02 3F 00)'), iso4('§7.1.1')],
    {
      steps: [
        { title: 'SELECT 3F00, P2 00, Le 00', send: '00A40000023F0000', expect: { sw: ['9000'] } },
      ],
    },
  ),
  isoCase(
    54,
    SEL,
    'SELECT the application by DF name with P2 0C answers 9000 with no data',
    [iso4('§7.1.1 (P1 04)'), emrtd('§4.7')],
    {
      steps: [
        {
          title: 'SELECT by AID',
          send: '00A4040C<APP_AID_LV>',
          expect: { sw: ['9000'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(55, SEL, 'SELECT of an absent DF name answers 6A82', [iso4('§7.1.1'), SW_TABLE], {
    steps: [
      {
        title: 'SELECT an absent AID',
        send: '00A4040C<ABSENT_AID_LV>',
        expect: { sw: ['6A82'], data: { empty: true } },
      },
    ],
  }),
  isoCase(
    56,
    SEL,
    'SELECT EF (P1 02) of an absent FID answers 6A82',
    [iso4('§7.1.1'), SW_TABLE, emrtd('§4.7 (absent DG → 6A82)')],
    {
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT absent FID',
          send: '00A4020C02<ABSENT_FID>',
          expect: { sw: ['6A82'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(57, SEL, 'SELECT (P1 00) of an absent FID answers 6A82', [iso4('§7.1.1'), SW_TABLE], {
    preconditions: ['mf_selected'],
    steps: [
      {
        title: 'SELECT P1 00 absent FID',
        send: '00A4000C02<ABSENT_FID>',
        expect: { sw: ['6A82'] },
      },
    ],
  }),
  isoCase(
    58,
    SEL,
    'SELECT EF under the current DF with P2 0C answers 9000 with no data',
    [iso4('§7.1.1 (P1 02)'), cieIas('§3 row 5')],
    {
      preconditions: ['long_ef_dir'],
      steps: [
        {
          title: 'SELECT long EF',
          send: '00A4020C02<LONG_FID>',
          expect: { sw: ['9000'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(
    59,
    SEL,
    'SELECT EF with P2 04 returns an FCP (62) with the file size (80) and FID (83)',
    [iso4('§7.4.3 Tables 10-12'), cieIas('§3 row 5 (FCP 62 LL 80 02 size)')],
    {
      applies: ['SELECT_FCP'],
      preconditions: ['long_ef_dir'],
      steps: [
        {
          title: 'SELECT long EF, P2 04',
          send: '00A4020402<LONG_FID>00',
          expect: { sw: ['9000'], data: efTemplate(0x62, longFid, longSize) },
        },
      ],
    },
  ),
  isoCase(
    60,
    SEL,
    'The FCP of an EF begins with the size DO, as the CIE readers parse it',
    [cieIas('§3 row 5, §12 item 4'), iso4('§7.4.3')],
    {
      applies: ['SELECT_FCP'],
      preconditions: ['long_ef_dir'],
      steps: [
        {
          title: 'SELECT long EF, P2 04',
          send: '00A4020402<LONG_FID>00',
          expect: {
            sw: ['9000'],
            data: {
              what: 'bytes 2..5 = 80 02 <size>',
              check: (d, ctx) => {
                const s = ctx.ics.iso.longEf.size;
                return d[2] === 0x80 && d[3] === 0x02 && d[4] === s >> 8 && d[5] === (s & 0xff)
                  ? undefined
                  : `FCP starts ${toHex(d.subarray(0, 6))}`;
              },
            },
          },
        },
      ],
    },
  ),
  isoCase(
    61,
    SEL,
    'SELECT EF with P2 00 returns an FCI (6F) with size and FID',
    [iso4('§7.1.1 Table 40, §7.4.3')],
    {
      applies: ['SELECT_FCI'],
      preconditions: ['long_ef_dir'],
      steps: [
        {
          title: 'SELECT long EF, P2 00',
          send: '00A4020002<LONG_FID>00',
          expect: { sw: ['9000'], data: efTemplate(0x6f, longFid, longSize) },
        },
      ],
    },
  ),
  isoCase(
    62,
    SEL,
    'SELECT of the application with P2 04 returns an FCP naming the DF',
    [iso4('§7.4.3 (DO 84 DF name)'), cieIas('§2.1 (00 A4 04 04 on DF_CIE)')],
    {
      applies: ['SELECT_FCP'],
      steps: [
        {
          title: 'SELECT by AID, P2 04',
          send: '00A40404<APP_AID_LV>00',
          expect: { sw: ['9000'], data: dfTemplate(0x62) },
        },
      ],
    },
  ),
  isoCase(
    63,
    SEL,
    'SELECT of the application with P2 08 returns the FMD (64)',
    [iso4('§7.1.1 Table 40 (P2 08 FMD)')],
    {
      applies: ['SELECT_FMD'],
      steps: [
        {
          title: 'SELECT by AID, P2 08',
          send: '00A40408<APP_AID_LV>00',
          expect: { sw: ['9000'], data: dfTemplate(0x64) },
        },
      ],
    },
  ),
  isoCase(
    64,
    SEL,
    'SELECT by path from the MF (P1 08) reaches the long EF',
    [iso4('§7.1.1 Table 39 (P1 08)')],
    {
      applies: ['SELECT_PATH'],
      steps: [
        {
          title: 'SELECT path from MF',
          send: (ctx) =>
            Uint8Array.of(0x00, 0xa4, 0x08, 0x0c, pathToLong(ctx).length, ...pathToLong(ctx)),
          expect: { sw: ['9000'], data: { empty: true } },
        },
        { ...read1, expect: { sw: ['9000'], data: { length: 1 } } },
      ],
    },
  ),
  isoCase(
    65,
    SEL,
    'SELECT by path from the current DF (P1 09) reaches the long EF',
    [iso4('§7.1.1 Table 39 (P1 09)')],
    {
      applies: ['SELECT_PATH'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT path from current DF (MF)',
          send: (ctx) =>
            Uint8Array.of(0x00, 0xa4, 0x09, 0x0c, pathToLong(ctx).length, ...pathToLong(ctx)),
          expect: { sw: ['9000'], data: { empty: true } },
        },
        { ...read1, expect: { sw: ['9000'], data: { length: 1 } } },
      ],
    },
  ),
  isoCase(66, SEL, 'SELECT by path to an absent file answers 6A82', [iso4('§7.1.1'), SW_TABLE], {
    applies: ['SELECT_PATH'],
    steps: [
      { title: 'SELECT path MF/absent', send: '00A4080C02<ABSENT_FID>', expect: { sw: ['6A82'] } },
    ],
  }),
  isoCase(
    67,
    SEL,
    'SELECT child DF by FID (P1 01) from the MF',
    [iso4('§7.1.1 Table 39 (P1 01)')],
    {
      applies: ['SELECT_CHILD_DF'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT child DF',
          send: '00A4010C02<APP_FID>',
          expect: { sw: ['9000'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(
    68,
    SEL,
    'SELECT EF (P1 02) of a DF identifier answers 6A82',
    [iso4('§7.1.1 Table 39 (P1 02: EF under the current DF)'), SW_TABLE],
    {
      applies: ['SELECT_CHILD_DF'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT P1 02 with the DF FID',
          send: '00A4020C02<APP_FID>',
          expect: { sw: ['6A82'] },
        },
      ],
    },
  ),
  isoCase(
    69,
    SEL,
    'SELECT parent DF (P1 03) from the application returns to the MF',
    [iso4('§7.1.1 Table 39 (P1 03)')],
    {
      applies: ['SELECT_PARENT'],
      preconditions: ['app_selected'],
      steps: [
        {
          title: 'SELECT parent',
          send: '00A4030C',
          expect: { sw: ['9000'], data: { empty: true } },
        },
        {
          title: 'an EF of the MF is now selectable with P1 02 (EF under the current DF)',
          send: (ctx) => `00A4020C02${mfEfFid(ctx)}`,
          expect: { sw: ['9000'] },
        },
      ],
    },
  ),
  isoCase(
    70,
    SEL,
    'SELECT parent of the MF answers an error and keeps the MF current',
    [iso4('§7.1.1 (the MF has no parent)'), SW_TABLE],
    {
      applies: ['SELECT_PARENT'],
      preconditions: ['mf_selected'],
      steps: [
        {
          title: 'SELECT parent of MF',
          send: '00A4030C',
          expect: { sw: ['6A82', '6A86', '6985'] },
        },
      ],
    },
  ),
  isoCase(
    71,
    SEL,
    'A failed SELECT leaves the current EF unchanged',
    [iso4('§7.1.1 (unsuccessful selection does not change the current file)')],
    {
      preconditions: ['long_ef_selected'],
      steps: [
        {
          title: 'READ BINARY 4 bytes of the long EF',
          send: () => readBinary(0, 4),
          expect: { sw: ['9000'], data: { length: 4 } },
          ...capture('first4'),
        },
        { title: 'SELECT an absent FID', send: '00A4020C02<ABSENT_FID>', expect: { sw: ['6A82'] } },
        {
          title: 'READ BINARY 4 bytes: still the long EF',
          send: () => readBinary(0, 4),
          expect: { sw: ['9000'], data: equalsVar('first4') },
        },
      ],
    },
  ),
  isoCase(
    72,
    SEL,
    'SELECT of a deactivated EF answers the warning 6283',
    [iso4('§5.6 Table 5 (6283 selected file deactivated)')],
    {
      applies: ['DEACTIVATED_FILE'],
      preconditions: ['deactivated_ef_dir'],
      steps: [
        { title: 'SELECT deactivated EF', send: '00A4020C02<DEACT_FID>', expect: { sw: ['6283'] } },
      ],
    },
  ),
  isoCase(
    73,
    SEL,
    'READ BINARY of an EF whose read condition is not met answers 6982 without data',
    [iso4('§5.6 Table 6 (6982)'), iso4('§7.2.3')],
    {
      applies: ['PROTECTED_FILE'],
      preconditions: ['protected_ef_dir'],
      steps: [
        {
          title: 'SELECT protected EF',
          send: '00A4020C02<PROT_FID>',
          expect: { sw: ['9000', '6982'] },
        },
        {
          title: 'READ BINARY',
          send: () => readBinary(0, 4),
          expect: {
            sw: ['6982', '6986'],
            data: { empty: true },
            why: '6986 when the SELECT itself was refused',
          },
        },
      ],
    },
  ),
  isoCase(
    74,
    SEL,
    'The MF is selectable from inside the application, and its EFs after it',
    [iso4('§7.1.1 (3F00 reserved for the MF)')],
    {
      preconditions: ['app_selected'],
      steps: [
        { title: 'SELECT 3F00', send: '00A4000C023F00', expect: { sw: ['9000'] } },
        {
          title: 'SELECT application again by AID',
          send: '00A4040C<APP_AID_LV>',
          expect: { sw: ['9000'] },
        },
      ],
    },
  ),
  isoCase(
    75,
    SEL,
    'SELECT by FID (P1 00) finds an EF of the current DF',
    [iso4('§7.1.1 Table 39 (P1 00)')],
    {
      preconditions: ['long_ef_dir'],
      steps: [
        {
          title: 'SELECT P1 00 long EF',
          send: '00A4000C02<LONG_FID>',
          expect: { sw: ['9000'], data: { empty: true } },
        },
        { ...read1, expect: { sw: ['9000'], data: { length: 1 } } },
      ],
    },
  ),
  isoCase(
    76,
    SEL,
    'SELECT with P2 0C and an Le field still returns no data',
    [iso4('§7.1.1 Table 40 (P2 0C: no response data)'), emrtd('§4.7')],
    {
      preconditions: ['long_ef_dir'],
      steps: [
        {
          title: 'SELECT long EF P2 0C with Le 00',
          send: '00A4020C02<LONG_FID>00',
          expect: { sw: ['9000'], data: { empty: true } },
        },
      ],
    },
  ),
  isoCase(
    77,
    SEL,
    'SELECT MF resets the current EF: READ BINARY without an EF answers 6986',
    [iso4('§7.2.3 (no current EF)'), SW_TABLE],
    {
      preconditions: ['long_ef_selected'],
      steps: [
        { title: 'SELECT MF', send: '00A4000C023F00', expect: { sw: ['9000'] } },
        {
          title: 'READ BINARY',
          send: () => readBinary(0, 1),
          expect: { sw: ['6986'], data: { empty: true } },
        },
      ],
    },
  ),
];
