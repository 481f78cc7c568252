/**
 * eMRTD suite, ICAO Part 3 LDS_N (DG11, additional personal details) and LDS_O (DG12, additional
 * document details), with the template-tag cases the matrix files elsewhere: LDS_K_9 (DG11 tag,
 * under EF.CardSecurity's letter) and LDS_N_16 (DG12 tag). ICAO Doc 9303-10 §4.7.11-4.7.12. The
 * optional data elements (other names, telephone, profession, …) pass when absent, as the matrix's
 * "conditional" cases say; when present their encoding is checked.
 */
import { findTlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { parseSod } from '../../../emulator/src/personalise/pki/sod.ts';
import { EF_SOD } from '../../../harness/terminals/emrtd/lds.ts';
import type { ConformanceCase } from '../../lib/model.ts';
import { emrtd, icao10, icao11 } from '../refs.ts';
import { readDg, readFile } from './common.ts';
import {
  field,
  fiscalCheck,
  lds,
  lengthEncoding,
  optionalText,
  td1,
  textFields,
  top,
} from './lds-common.ts';

const dg11 = (clause: string) => icao10(`§4.7.11 (${clause})`);
const dg12 = (clause: string) => icao10(`§4.7.12 (${clause})`);
const DATE = /^\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/;

/** A conditional text element of DG11/DG12: absent passes, present must be printable. */
function optional(
  id: string,
  dg: 11 | 12,
  tag: number,
  what: string,
  format?: RegExp,
): ConformanceCase {
  return lds(
    id,
    `The ${what} (${tag.toString(16).toUpperCase()}), when present, is encoded as text${format ? ' of the right form' : ''}`,
    [dg === 11 ? dg11(tag.toString(16).toUpperCase()) : dg12(tag.toString(16).toUpperCase())],
    'absent, or printable text',
    async (ctx) => optionalText((await textFields(ctx, dg)).fields, tag, what, format),
    [`DG${dg}`],
  );
}

const N: ConformanceCase[] = [
  lds(
    'LDS_K_9',
    'DG11 starts with the template tag 6B',
    [dg11('6B')],
    'tag 6B',
    async (ctx) => void top(await readDg(ctx, 11), 0x6b, 'DG11'),
    ['DG11'],
  ),
  lds(
    'LDS_N_2',
    'The length of DG11 is encoded in the shortest form and covers the file',
    [icao10('§4.4')],
    'shortest length form, exact',
    async (ctx) => lengthEncoding(await readDg(ctx, 11), 0x6b),
    ['DG11'],
  ),
  lds(
    'LDS_N_3',
    'The DG11 tag list 5C names every data element present, and no other',
    [dg11('5C')],
    'list = fields',
    async (ctx) => {
      const { list, fields } = await textFields(ctx, 11);
      // Other names sit in template A0; the tag list names them 5F0F (9303-10 §4.7.11).
      const present = [...fields.keys()].map((t) => (t === 0xa0 ? 0x5f0f : t));
      return list.sort().join() === present.sort().join()
        ? undefined
        : `list ${list.map((t) => t.toString(16)).join(',')} vs fields ${present.map((t) => t.toString(16)).join(',')}`;
    },
    ['DG11'],
  ),
  lds(
    'LDS_N_4',
    'The name of holder 5F0E is PRIMARY<<SECONDARY',
    [dg11('5F0E'), emrtd('§1.6 (DG11)')],
    'primary << secondary',
    async (ctx) =>
      /^[A-Z' -]+(<[A-Z' -]+)*<<[A-Z]/.test(
        field((await textFields(ctx, 11)).fields, 0x5f0e, 'full name'),
      )
        ? undefined
        : 'full name format',
    ['DG11'],
  ),
  lds(
    'LDS_N_5',
    'Other names, when present: A0 { 02 01 n, n × 5F0F }',
    [dg11('A0, 5F0F')],
    'absent, or a count matching the 5F0F elements',
    async (ctx) => {
      const t = top(await readDg(ctx, 11), 0x6b, 'DG11');
      const a0 = findTlv(t.children, 0xa0);
      if (!a0) return undefined;
      const count = findTlv(a0.children, 0x02)?.value[0];
      const names = (a0.children ?? []).filter((c) => c.tag === 0x5f0f).length;
      return count === names ? undefined : `count ${count}, names ${names}`;
    },
    ['DG11'],
  ),
  lds(
    'LDS_N_6',
    'The personal number 5F10 is an Italian fiscal code with a correct check character',
    [dg11('5F10'), emrtd('§1.6 (codice fiscale)')],
    '16 characters, check character valid',
    async (ctx) => {
      const cf = field((await textFields(ctx, 11)).fields, 0x5f10, 'personal number');
      if (
        !/^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/.test(cf)
      )
        return `"${cf}" is not a fiscal code`;
      return fiscalCheck(cf.slice(0, 15)) === cf[15]
        ? undefined
        : `check character ${cf[15]}, computed ${fiscalCheck(cf.slice(0, 15))}`;
    },
    ['DG11'],
  ),
  lds(
    'LDS_N_7',
    'The full date of birth 5F2B is YYYYMMDD and agrees with DG1',
    [dg11('5F2B')],
    '8 digits, same date as the MRZ',
    async (ctx) => {
      const dob = field((await textFields(ctx, 11)).fields, 0x5f2b, 'full date of birth');
      const l2 = (await td1(ctx))[1];
      return DATE.test(dob) && dob.slice(2) === l2.slice(0, 6)
        ? undefined
        : `5F2B ${dob}, MRZ ${l2.slice(0, 6)}`;
    },
    ['DG11', 'DG1'],
  ),
  lds(
    'LDS_N_8',
    'The place of birth 5F11 is present and printable',
    [dg11('5F11')],
    'non-empty text',
    async (ctx) =>
      field((await textFields(ctx, 11)).fields, 0x5f11, 'place of birth').trim()
        ? undefined
        : 'empty',
    ['DG11'],
  ),
  lds(
    'LDS_N_9',
    'The permanent address 5F42 is present and printable',
    [dg11('5F42')],
    'non-empty text',
    async (ctx) =>
      field((await textFields(ctx, 11)).fields, 0x5f42, 'address').trim() ? undefined : 'empty',
    ['DG11'],
  ),
  optional('LDS_N_10', 11, 0x5f12, 'telephone', /^[0-9+<() -]+$/),
  optional('LDS_N_11', 11, 0x5f13, 'profession'),
  optional('LDS_N_12', 11, 0x5f14, 'title'),
  optional('LDS_N_13', 11, 0x5f15, 'personal summary'),
  lds(
    'LDS_N_14',
    'The proof of citizenship 5F16, when present, is an image (JPEG or JPEG 2000)',
    [dg11('5F16')],
    'absent, or image data',
    async (ctx) => {
      const v = (await textFields(ctx, 11)).fields.get(0x5f16);
      if (!v) return undefined;
      return v[0] === 0xff || v[0] === 0x00 ? undefined : 'not an image';
    },
    ['DG11'],
  ),
  optional('LDS_N_15', 11, 0x5f17, 'other valid travel document numbers'),
  lds(
    'CIE_EMRTD_DG11_1',
    'The fiscal code encodes the same birth date and sex as DG1',
    [{ doc: 'DM 23/12/1976 (codice fiscale)', clause: 'characters 7-11' }],
    'year, month letter, day (+40 for F)',
    async (ctx) => {
      const cf = field((await textFields(ctx, 11)).fields, 0x5f10, 'personal number');
      const l2 = (await td1(ctx))[1];
      const months = 'ABCDEHLMPRST';
      const day = Number(
        cf.slice(9, 11).replace(/[LMNPQRSTUV]/g, (c) => String('LMNPQRSTUV'.indexOf(c))),
      );
      const sex = day > 40 ? 'F' : 'M';
      const want = `${cf.slice(6, 8)}${String(months.indexOf(cf[8] ?? '') + 1).padStart(2, '0')}${String(day > 40 ? day - 40 : day).padStart(2, '0')}`;
      if (want !== l2.slice(0, 6)) return `fiscal code date ${want}, MRZ ${l2.slice(0, 6)}`;
      return l2[7] === '<' || l2[7] === sex ? undefined : `fiscal code sex ${sex}, MRZ ${l2[7]}`;
    },
    ['DG11', 'DG1'],
    'pace_done',
    'LDS_N',
  ),
  lds(
    'CIE_EMRTD_SOD_3',
    'DG11 hashes to the value in EF.SOD',
    [icao11('§5.1')],
    'hash matches',
    async (ctx) =>
      parseSod(await readFile(ctx, EF_SOD)).verifyDataGroup(11, await readDg(ctx, 11))
        ? undefined
        : 'DG11 hash differs',
    ['DG11'],
    'pace_done',
    'LDS_N',
  ),
];

const O: ConformanceCase[] = [
  lds(
    'LDS_N_16',
    'DG12 starts with the template tag 6C',
    [dg12('6C')],
    'tag 6C',
    async (ctx) => void top(await readDg(ctx, 12), 0x6c, 'DG12'),
    ['DG12'],
  ),
  lds(
    'LDS_O_2',
    'The length of DG12 is encoded in the shortest form and covers the file',
    [icao10('§4.4')],
    'shortest length form, exact',
    async (ctx) => lengthEncoding(await readDg(ctx, 12), 0x6c),
    ['DG12'],
  ),
  lds(
    'LDS_O_3',
    'The DG12 tag list 5C names every data element present, and no other',
    [dg12('5C')],
    'list = fields',
    async (ctx) => {
      const { list, fields } = await textFields(ctx, 12);
      const present = [...fields.keys()].map((t) => (t === 0xa0 ? 0x5f1a : t));
      return list.sort().join() === present.sort().join()
        ? undefined
        : 'tag list and fields differ';
    },
    ['DG12'],
  ),
  lds(
    'LDS_O_4',
    'The issuing authority 5F19 is present and printable',
    [dg12('5F19'), emrtd('§1.6 (DG12)')],
    'non-empty',
    async (ctx) =>
      field((await textFields(ctx, 12)).fields, 0x5f19, 'issuing authority').trim()
        ? undefined
        : 'empty',
    ['DG12'],
  ),
  lds(
    'LDS_O_5',
    'The date of issue (5F26) is YYYYMMDD',
    [dg12('5F26')],
    '8 digits, valid month and day',
    async (ctx) => {
      const d = field((await textFields(ctx, 12)).fields, 0x5f26, 'date of issue');
      return DATE.test(d) ? undefined : `date of issue "${d}"`;
    },
    ['DG12'],
  ),
  lds(
    'LDS_O_6',
    'Other persons, when present: A0 { 02 01 n, n × 5F1A }',
    [dg12('A0, 5F1A')],
    'absent, or a count matching the 5F1A elements',
    async (ctx) => {
      const a0 = findTlv(top(await readDg(ctx, 12), 0x6c, 'DG12').children, 0xa0);
      if (!a0) return undefined;
      const count = findTlv(a0.children, 0x02)?.value[0];
      const n = (a0.children ?? []).filter((c) => c.tag === 0x5f1a).length;
      return count === n ? undefined : `count ${count}, persons ${n}`;
    },
    ['DG12'],
  ),
  optional('LDS_O_7', 12, 0x5f1b, 'endorsements / observations'),
  optional('LDS_O_8', 12, 0x5f1c, 'tax / exit requirements'),
  lds(
    'LDS_O_9',
    'The image of the front of the document 5F1D, when present, is JPEG or JPEG 2000',
    [dg12('5F1D')],
    'absent, or image data',
    async (ctx) => {
      const v = (await textFields(ctx, 12)).fields.get(0x5f1d);
      return !v || v[0] === 0xff || v[0] === 0x00 ? undefined : 'not an image';
    },
    ['DG12'],
  ),
  lds(
    'LDS_O_10',
    'The image of the rear of the document 5F1E, when present, is JPEG or JPEG 2000',
    [dg12('5F1E')],
    'absent, or image data',
    async (ctx) => {
      const v = (await textFields(ctx, 12)).fields.get(0x5f1e);
      return !v || v[0] === 0xff || v[0] === 0x00 ? undefined : 'not an image';
    },
    ['DG12'],
  ),
  optional('LDS_O_11', 12, 0x5f55, 'personalization date and time', /^\d{14}$/),
  optional('LDS_O_12', 12, 0x5f56, 'personalization device serial number'),
  lds(
    'CIE_EMRTD_DG12_1',
    'The date of issue lies before the date of expiry (DG1)',
    [dg12('5F26')],
    'issue < expiry',
    async (ctx) => {
      const d = field((await textFields(ctx, 12)).fields, 0x5f26, 'date of issue');
      const l2 = (await td1(ctx))[1];
      return d < `20${l2.slice(8, 14)}` ? undefined : `issued ${d}, expires 20${l2.slice(8, 14)}`;
    },
    ['DG12', 'DG1'],
    'pace_done',
    'LDS_O',
  ),
  lds(
    'CIE_EMRTD_SOD_4',
    'DG12 hashes to the value in EF.SOD',
    [icao11('§5.1')],
    'hash matches',
    async (ctx) =>
      parseSod(await readFile(ctx, EF_SOD)).verifyDataGroup(12, await readDg(ctx, 12))
        ? undefined
        : 'DG12 hash differs',
    ['DG12'],
    'pace_done',
    'LDS_O',
  ),
];

export const LDS_TEXT_CASES: readonly ConformanceCase[] = [...N, ...O];
