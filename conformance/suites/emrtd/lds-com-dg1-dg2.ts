/**
 * eMRTD suite, ICAO Part 3 LDS_A (EF.COM), LDS_B (DG1, the MRZ) and LDS_C (DG2, the face; ICAO
 * Doc 9303-10 §4.6.1, §4.7.1, §4.7.2; ISO/IEC 19794-5:2005), each case the matrix's purpose
 * (conformance/icao-part3/matrix-v3.2.cases.tsv). LDS_C_14..25 test DG2 encoded to ISO/IEC 39794-5,
 * which the CIE does not use (conformance/icao-part3/exclusions.ts).
 */
import { findTlv, type Tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import { parseSod } from '../../../emulator/src/personalise/pki/sod.ts';
import { EF_COM, EF_SOD, parseEfCom } from '../../../harness/terminals/emrtd/lds.ts';
import type { CaseContext } from '../../lib/case-context.ts';
import type { ConformanceCase } from '../../lib/model.ts';
import { fail } from '../../lib/procedures.ts';
import { emrtd, icao10, icao11 } from '../refs.ts';
import { mrz, readDg, readFile } from './common.ts';
import { checkDigit, faceRecord, lds, lengthEncoding, td1, top, ysd } from './lds-common.ts';

const DG_TAGS = [
  0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70,
];
const doc3 = (clause: string) => ({ doc: 'ICAO Doc 9303-3', clause });
const doc5 = (clause: string) => ({ doc: 'ICAO Doc 9303-5', clause });
const iso19794 = (clause: string) => ({ doc: 'ISO/IEC 19794-5:2005', clause });
const yymmdd = /^\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/;

const A: ConformanceCase[] = [
  lds(
    'LDS_A_1',
    'EF.COM starts with the template tag 60',
    [icao10('§4.6.1 (EF.COM)')],
    'tag 60',
    async (ctx) => void top(await readFile(ctx, EF_COM), 0x60, 'EF.COM'),
  ),
  lds(
    'LDS_A_2',
    'The length of EF.COM is encoded in the shortest form and covers the file',
    [icao10('§4.4 (BER-TLV lengths)')],
    'shortest length form, exact',
    async (ctx) => lengthEncoding(await readFile(ctx, EF_COM), 0x60),
  ),
  lds(
    'LDS_A_3',
    'EF.COM carries the LDS version 5F01 as four digits (0107 or later)',
    [icao10('§4.6.1'), emrtd('§1.6 notes (0107)')],
    '5F01 = 4 ASCII digits',
    async (ctx) => {
      const v = parseEfCom(await readFile(ctx, EF_COM)).ldsVersion;
      return /^01\d{2}$/.test(v) ? undefined : `LDS version "${v}"`;
    },
  ),
  lds(
    'LDS_A_4',
    'EF.COM carries the Unicode version 5F36 as six digits',
    [icao10('§4.6.1'), emrtd('§1.6 notes (040000)')],
    '5F36 = 6 ASCII digits',
    async (ctx) => {
      const v = parseEfCom(await readFile(ctx, EF_COM)).unicodeVersion;
      return /^\d{6}$/.test(v) ? undefined : `Unicode version "${v}"`;
    },
  ),
  lds(
    'LDS_A_5',
    'The tag list 5C names data-group tags only: exactly the data groups present (ICS) and hashed in EF.SOD',
    [icao10('§4.6.1')],
    'every byte of 5C a DG tag; EF.COM DGs = ICS DG tokens = EF.SOD DGs',
    async (ctx) => {
      const com = await readFile(ctx, EF_COM);
      const list = findTlv(top(com, 0x60, 'EF.COM').children, 0x5c)?.value ?? fail('no 5C');
      const bad = [...list].filter((b) => !DG_TAGS.includes(b));
      if (bad.length) return `not DG tags: ${toHex(Uint8Array.from(bad))}`;
      const listed = [...parseEfCom(com).dataGroups].sort((a, b) => a - b);
      const declared = Array.from({ length: 16 }, (_, i) => i + 1).filter((n) =>
        ctx.tokens.has(`DG${n}`),
      );
      const hashed = [...parseSod(await readFile(ctx, EF_SOD)).dataGroupHashes.keys()].sort(
        (a, b) => a - b,
      );
      if (listed.join() !== declared.join())
        return `EF.COM lists DG ${listed.join(',')}, ICS declares ${declared.join(',')}`;
      return listed.join() === hashed.join() ? undefined : `EF.SOD hashes DG ${hashed.join(',')}`;
    },
  ),
];

const b = (
  n: number,
  title: string,
  refs: ConformanceCase['refs'],
  expected: string,
  check: (lines: [string, string, string], ctx: CaseContext) => string | undefined,
): ConformanceCase =>
  lds(`LDS_B_${n}`, title, refs, expected, async (ctx) => check(await td1(ctx), ctx), ['DG1']);

/** TD1 positions (ICAO 9303-5 §4.2.2), 0-based slices. */
const B: ConformanceCase[] = [
  lds(
    'LDS_B_1',
    'DG1 starts with the template tag 61 and holds 5F1F',
    [icao10('§4.7.1')],
    'tag 61 with 5F1F',
    async (ctx) =>
      findTlv(top(await readDg(ctx, 1), 0x61, 'DG1').children, 0x5f1f) ? undefined : 'no 5F1F',
    ['DG1'],
  ),
  lds(
    'LDS_B_2',
    'The length of DG1 is encoded in the shortest form and covers the file',
    [icao10('§4.4')],
    'shortest length form, exact',
    async (ctx) => lengthEncoding(await readDg(ctx, 1), 0x61),
    ['DG1'],
  ),
  b(
    3,
    'The MRZ data object 5F1F holds a TD1 MRZ of 90 characters from A-Z, 0-9 and <',
    [icao10('§4.7.1'), doc3('§4.3'), emrtd('§2.9 (61 5D 5F1F 5A)')],
    '3 × 30 characters, character set',
    (l) => (l.join('').match(/[^A-Z0-9<]/) ? 'characters outside A-Z 0-9 <' : undefined),
  ),
  b(
    4,
    'The document code is an ID-card code (I, A or C, then a letter or <)',
    [doc5('§4.2.2 (TD1 line 1 positions 1-2)'), emrtd('§1.1 (CI [inferred])')],
    '[IAC][A-Z<]',
    (l) => (/^[IAC][A-Z<]/.test(l[0]) ? undefined : `document code ${l[0].slice(0, 2)}`),
  ),
  b(
    5,
    'The issuing state is three letters (or <)',
    [doc5('§4.2.2 (positions 3-5)'), { doc: 'ICAO Doc 9303-3', clause: '§5 (codes)' }],
    '[A-Z<]{3}',
    (l) => (/^[A-Z<]{3}$/.test(l[0].slice(2, 5)) ? undefined : `issuing state ${l[0].slice(2, 5)}`),
  ),
  b(
    6,
    'The holder name is PRIMARY<<SECONDARY, padded with <',
    [doc3('§4.6 (names)'), doc5('§4.2.2 (line 3)')],
    'primary << secondary identifier',
    (l) => (/^[A-Z]+(<[A-Z]+)*<<[A-Z<]*$/.test(l[2]) ? undefined : `name line ${l[2]}`),
  ),
  b(
    7,
    'The document number is 9 characters with a correct check digit',
    [doc3('§4.9 (check digits)'), doc5('§4.2.2 (positions 6-15)')],
    '[A-Z0-9<]{9} + 7-3-1 check digit',
    (l) => {
      const no = l[0].slice(5, 14);
      if (!/^[A-Z0-9<]{9}$/.test(no)) return `document number ${no}`;
      return checkDigit(no) === l[0][14]
        ? undefined
        : `check digit ${l[0][14]}, computed ${checkDigit(no)}`;
    },
  ),
  b(
    8,
    'The nationality is three letters (or <)',
    [doc5('§4.2.2 (line 2 positions 16-18)')],
    '[A-Z<]{3}',
    (l) => (/^[A-Z<]{3}$/.test(l[1].slice(15, 18)) ? undefined : 'nationality'),
  ),
  b(
    9,
    'The date of birth is YYMMDD with a correct check digit',
    [doc3('§4.9'), doc5('§4.2.2 (line 2 positions 1-7)')],
    'YYMMDD + check digit',
    (l) => {
      const d = l[1].slice(0, 6);
      if (!yymmdd.test(d)) return `date of birth ${d}`;
      return checkDigit(d) === l[1][6] ? undefined : `check digit ${l[1][6]}`;
    },
  ),
  b(10, 'The sex field is M, F or <', [doc5('§4.2.2 (line 2 position 8)')], 'M/F/<', (l) =>
    /[MF<]/.test(l[1][7] ?? '') ? undefined : 'sex field',
  ),
  b(
    11,
    'The date of expiry is YYMMDD with a correct check digit',
    [doc3('§4.9'), doc5('§4.2.2 (line 2 positions 9-15)')],
    'YYMMDD + check digit',
    (l) => {
      const d = l[1].slice(8, 14);
      if (!yymmdd.test(d)) return `date of expiry ${d}`;
      return checkDigit(d) === l[1][14] ? undefined : `check digit ${l[1][14]}`;
    },
  ),
  b(
    12,
    'The optional data fields (line 1 positions 16-30, line 2 positions 19-29) use A-Z, 0-9 and <',
    [doc5('§4.2.2 (optional data elements)')],
    '[A-Z0-9<] in both optional fields',
    (l) =>
      /^[A-Z0-9<]{15}$/.test(l[0].slice(15, 30)) && /^[A-Z0-9<]{11}$/.test(l[1].slice(18, 29))
        ? undefined
        : `optional data ${l[0].slice(15, 30)} / ${l[1].slice(18, 29)}`,
  ),
  b(
    13,
    'The composite check digit of the TD1 MRZ is correct',
    [doc5('§4.2.2 (composite check digit)')],
    'line 2 position 30',
    (l) => {
      const composite =
        l[0].slice(5, 30) + l[1].slice(0, 7) + l[1].slice(8, 15) + l[1].slice(18, 29);
      return checkDigit(composite) === l[1][29]
        ? undefined
        : `composite ${l[1][29]}, computed ${checkDigit(composite)}`;
    },
  ),
  b(
    14,
    'DG1 agrees with the MRZ the access keys were derived from (document number, dates, check digits)',
    [icao11('§9.7.2 (MRZ_information)'), emrtd('§2.2')],
    'document number, DOB, DOE with check digits = ICS MRZ',
    (l, ctx) => {
      const info = `${l[0].slice(5, 15)}${l[1].slice(0, 7)}${l[1].slice(8, 15)}`;
      return info === mrz(ctx) ? undefined : `DG1 gives ${info}, the card's MRZ key is ${mrz(ctx)}`;
    },
  ),
  lds(
    'CIE_EMRTD_DG1_1',
    'The date of expiry falls after the date of birth',
    [doc3('§4.8 (dates)')],
    'DOE > DOB',
    async (ctx) => {
      const l2 = (await td1(ctx))[1];
      return ysd(l2.slice(8, 14), 80) > ysd(l2.slice(0, 6), 30) ? undefined : 'expiry before birth';
    },
    ['DG1'],
    'pace_done',
    'LDS_B',
  ),
];

/** The 19794-5 record after its 14-byte header: facial information, feature points, image information. */
function facialBlocks(bdb: Uint8Array): {
  info: Uint8Array;
  points: Uint8Array[];
  image: Uint8Array;
  imageData: Uint8Array;
} {
  const info = bdb.subarray(14, 34);
  const n = ((info[4] ?? 0) << 8) | (info[5] ?? 0);
  const points = Array.from({ length: n }, (_, i) => bdb.subarray(34 + 8 * i, 42 + 8 * i));
  const at = 34 + 8 * n;
  return { info, points, image: bdb.subarray(at, at + 12), imageData: bdb.subarray(at + 12) };
}

const header = (ctx: CaseContext) => faceRecord(ctx).then((r) => r.header);
const hdr = (h: Tlv, tag: number): string =>
  toHex(findTlv(h.children, tag)?.value ?? new Uint8Array());

const C: ConformanceCase[] = [
  lds(
    'LDS_C_1',
    'DG2 starts with the template tag 75',
    [icao10('§4.7.2'), emrtd('§2.9 (DG2)')],
    'tag 75',
    async (ctx) => void top(await readDg(ctx, 2), 0x75, 'DG2'),
    ['DG2'],
  ),
  lds(
    'LDS_C_2',
    'The length of DG2 is encoded in the shortest form and covers the file',
    [icao10('§4.4')],
    'shortest length form, exact',
    async (ctx) => lengthEncoding(await readDg(ctx, 2), 0x75),
    ['DG2'],
  ),
  lds(
    'LDS_C_3',
    'DG2 holds one biometric information group template 7F61',
    [icao10('§4.7.2 (7F61)')],
    '75 { 7F61 }',
    async (ctx) => void (await faceRecord(ctx)),
    ['DG2'],
  ),
  lds(
    'LDS_C_4',
    'The number of instances 02 01 n equals the number of 7F60 templates',
    [icao10('§4.7.2')],
    'count = templates',
    async (ctx) => {
      const g = findTlv((await faceRecord(ctx)).t.children, 0x7f61) as Tlv;
      const count = findTlv(g.children, 0x02)?.value[0];
      const n = (g.children ?? []).filter((x) => x.tag === 0x7f60).length;
      return count === n && n >= 1 ? undefined : `count ${count}, templates ${n}`;
    },
    ['DG2'],
  ),
  lds(
    'LDS_C_5',
    'Every biometric information template 7F60 holds a header A1 and a data block 5F2E or 7F2E',
    [icao10('§4.7.2 (7F60)')],
    '7F60 { A1, 5F2E | 7F2E }',
    async (ctx) => {
      const g = findTlv((await faceRecord(ctx)).t.children, 0x7f61) as Tlv;
      for (const t of (g.children ?? []).filter((x) => x.tag === 0x7f60)) {
        if (!findTlv(t.children, 0xa1)) return 'a 7F60 without A1';
        if (!findTlv(t.children, 0x5f2e) && !findTlv(t.children, 0x7f2e))
          return 'a 7F60 without a data block';
      }
      return undefined;
    },
    ['DG2'],
  ),
  lds(
    'LDS_C_6',
    'The biometric header template is A1; its version 80 (0101) and type 81 (02, face), when present, are right',
    [icao10('§4.7.2'), { doc: 'ISO/IEC 7816-11', clause: 'Table C.3' }],
    'A1 { [80 0101] [81 02] … }',
    async (ctx) => {
      const h = await header(ctx);
      const v = hdr(h, 0x80);
      const t = hdr(h, 0x81);
      if (v && v !== '0101') return `header version ${v}`;
      return !t || t === '02' ? undefined : `biometric type ${t}`;
    },
    ['DG2'],
  ),
  lds(
    'LDS_C_7',
    'The CBEFF format owner 87 is present and 0101 (ISO/IEC JTC 1/SC 37)',
    [icao10('§4.7.2 (CBEFF header)'), emrtd('§2.9')],
    '87 02 01 01',
    async (ctx) => (hdr(await header(ctx), 0x87) === '0101' ? undefined : 'format owner'),
    ['DG2'],
  ),
  lds(
    'LDS_C_8',
    'The CBEFF format type 88 is present and 0008 (ISO/IEC 19794-5)',
    [icao10('§4.7.2'), emrtd('§2.9')],
    '88 02 00 08',
    async (ctx) => {
      const t = hdr(await header(ctx), 0x88);
      return t === '0008' ? undefined : `format type ${t || 'missing'}`;
    },
    ['DG2'],
  ),
  lds(
    'LDS_C_9',
    'The biometric data block of a 19794-5 record is under tag 5F2E',
    [icao10('§4.7.2 (5F2E)')],
    '5F2E',
    async (ctx) =>
      findTlv((await faceRecord(ctx)).bit.children, 0x5f2e) ? undefined : 'no 5F2E data block',
    ['DG2'],
  ),
  lds(
    'LDS_C_10',
    'The facial record header: "FAC\\0", version "010\\0", record length = block length, ≥ 1 image',
    [iso19794('§5.4 (facial record header)')],
    'FAC 00 30 31 30 00, length, number of images',
    async (ctx) => {
      const { bdb } = await faceRecord(ctx);
      if (toHex(bdb.subarray(0, 8)) !== '4641430030313000')
        return `record starts ${toHex(bdb.subarray(0, 8))}`;
      const len =
        (bdb[8] as number) * 0x1000000 +
        ((bdb[9] as number) << 16) +
        ((bdb[10] as number) << 8) +
        (bdb[11] as number);
      if (len !== bdb.length) return `length field ${len}, block ${bdb.length}`;
      return (((bdb[12] as number) << 8) | (bdb[13] as number)) >= 1 ? undefined : 'no image';
    },
    ['DG2'],
  ),
  lds(
    'LDS_C_11',
    'The facial information block: data length within the record, gender, eye and hair colour in range',
    [iso19794('§5.5 (facial information)')],
    'length ≥ 20 + 8n + 12; gender 0-2/FF; eye 0-7/FF; hair 0-7/FF',
    async (ctx) => {
      const { bdb } = await faceRecord(ctx);
      const { info, points } = facialBlocks(bdb);
      const len =
        (info[0] as number) * 0x1000000 +
        ((info[1] as number) << 16) +
        ((info[2] as number) << 8) +
        (info[3] as number);
      if (len < 32 + 8 * points.length || len > bdb.length - 14)
        return `facial record data length ${len}`;
      const [gender, eye, hair] = [info[6] ?? 0, info[7] ?? 0, info[8] ?? 0];
      if (!(gender <= 2 || gender === 0xff)) return `gender ${gender}`;
      if (!(eye <= 7 || eye === 0xff)) return `eye colour ${eye}`;
      return hair <= 7 || hair === 0xff ? undefined : `hair colour ${hair}`;
    },
    ['DG2'],
  ),
  lds(
    'LDS_C_12',
    'Feature points, when present, are 8-byte blocks of type 1 or 2 (conditional)',
    [iso19794('§5.6 (feature points)')],
    'each point: type 1 (MPEG-4) or 2',
    async (ctx) => {
      const { points } = facialBlocks((await faceRecord(ctx)).bdb);
      const bad = points.find((p) => p[0] !== 1 && p[0] !== 2);
      return bad ? `feature point type ${bad[0]}` : undefined;
    },
    ['DG2'],
  ),
  lds(
    'LDS_C_13',
    'The image information block: face image type, data type (JPEG/JPEG 2000, matching the data), size, colour space',
    [iso19794('§5.7 (image information)'), emrtd('§1.6 (JPEG2000 on CIE)')],
    'type 0-3; data type 0 JPEG / 1 JPEG 2000 = magic bytes; width, height > 0; colour space 0-4',
    async (ctx) => {
      const r = await faceRecord(ctx);
      const { image } = facialBlocks(r.bdb);
      const dataType = image[1] as number;
      const type = image[0] as number;
      const w = ((image[2] as number) << 8) | (image[3] as number);
      const h = ((image[4] as number) << 8) | (image[5] as number);
      if (type > 3) return `face image type ${type}`;
      if (w === 0 || h === 0) return `image ${w} × ${h}`;
      if ((image[6] as number) > 4) return `colour space ${image[6]}`;
      const data = toHex(facialBlocks(r.bdb).imageData.subarray(0, 8));
      const magic = data.startsWith('FFD8')
        ? 0
        : data.startsWith('0000000C6A502020') || data.startsWith('FF4FFF51')
          ? 1
          : -1;
      return magic === dataType ? undefined : `image data type ${dataType}, data starts ${data}`;
    },
    ['DG2'],
  ),
  lds(
    'CIE_EMRTD_SOD_2',
    'DG2 hashes to the value in EF.SOD',
    [icao11('§5.1 (passive authentication)')],
    'SHA of DG2 = SOD entry 2',
    async (ctx) =>
      parseSod(await readFile(ctx, EF_SOD)).verifyDataGroup(2, await readDg(ctx, 2))
        ? undefined
        : 'DG2 hash differs',
    ['DG2'],
    'pace_done',
    'LDS_C',
  ),
];

export const LDS_COM_DG1_DG2_CASES: readonly ConformanceCase[] = [...A, ...B, ...C];
