/**
 * eMRTD suite, ICAO Part 3 LDS categories (ICAO Doc 9303-10; emrtd/README.md §2.9, §4.2): EF.COM
 * (LDS_A), DG1 (LDS_B), DG2 (LDS_C), EF.SOD (LDS_D), DG14 (LDS_E), EF.CardAccess (LDS_I),
 * DG11 (LDS_N), DG12 (LDS_O). Files are read under PACE the way the CIE SDKs do (SFI, then 0xE0
 * chunks); checks use their own MRZ check-digit and fiscal-code check-character code, not the
 * emulator's personalisation code.
 */
import { findTlv, parseSingleTlv, type Tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { bytesToAscii, equalBytes } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { parseSod } from '../../../emulator/src/personalise/pki/sod.ts';
import { verifyIssuedBy } from '../../../emulator/src/personalise/pki/chain.ts';
import {
  parseSecurityInfos,
  type SecurityInfo,
} from '../../../emulator/src/protocols/security-infos.ts';
import {
  EF_COM,
  EF_SOD,
  faceImage,
  parseDg1,
  parseEfCom,
} from '../../../harness/terminals/emrtd/lds.ts';
import type { CaseContext } from '../../lib/case-context.ts';
import type { ConformanceCase } from '../../lib/model.ts';
import { fail, procedure } from '../../lib/procedures.ts';
import type { TrustAnchors } from '../../../harness/cards/card-registry.ts';
import { emrtd, icao10, icao11, icaoP3 } from '../refs.ts';
import { emrtdCase, mrz, readDg, readFile, withSession } from './common.ts';
import { chipAuthentication } from '../../../harness/terminals/emrtd/eac.ts';

/** ICAO 9303-3 §4.9: weights 7, 3, 1; digits = value, A..Z = 10..35, '<' = 0. */
export function checkDigit(field: string): string {
  let sum = 0;
  for (let i = 0; i < field.length; i++) {
    const ch = field[i] as string;
    const v = ch === '<' ? 0 : /[0-9]/.test(ch) ? Number(ch) : ch.charCodeAt(0) - 55;
    sum += v * ([7, 3, 1][i % 3] as number);
  }
  return String(sum % 10);
}

const CF_ODD = [
  1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

/** Check character of an Italian fiscal code (DM 23/12/1976): odd/even position tables, sum mod 26. */
export function fiscalCheck(first15: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const ch = first15[i] as string;
    const k = /[0-9]/.test(ch) ? Number(ch) : ch.charCodeAt(0) - 65;
    sum += i % 2 === 0 ? (CF_ODD[k] as number) : k;
  }
  return String.fromCharCode(65 + (sum % 26));
}

function top(data: Uint8Array, tag: number, what: string): Tlv {
  const t = parseSingleTlv(data);
  if (t.tag !== tag) fail(`${what}: first tag ${t.tag.toString(16)}, expected ${tag.toString(16)}`);
  return t;
}

type Check = (ctx: CaseContext) => Promise<string | undefined | void>;

function lds(
  id: string,
  title: string,
  refs: ConformanceCase['refs'],
  expected: string,
  check: Check,
  applies: string[] = [],
  pre = 'pace_done',
): ConformanceCase {
  const ours = id.startsWith('CIE_');
  return emrtdCase(
    id,
    title,
    [...(ours ? [] : [icaoP3(id)]), ...refs],
    {
      applies: ['PACE', ...applies],
      preconditions: [pre],
      steps: [procedure('read and check', expected, check)],
    },
    ours ? 'LDS_D' : undefined,
  );
}

async function td1(ctx: CaseContext): Promise<[string, string, string]> {
  const lines = parseDg1(await readDg(ctx, 1));
  if (lines.length !== 3 || lines.some((l) => l.length !== 30))
    fail(`MRZ is not TD1 (3 × 30): ${lines.map((l) => l.length).join(' + ')}`);
  return lines as [string, string, string];
}

async function textFields(
  ctx: CaseContext,
  dg: 11 | 12,
): Promise<{ list: number[]; fields: Map<number, Uint8Array> }> {
  const t = top(await readDg(ctx, dg), dg === 11 ? 0x6b : 0x6c, `DG${dg}`);
  const list = findTlv(t.children, 0x5c);
  if (!list) fail(`DG${dg} has no tag list 5C`);
  const tags: number[] = [];
  const v = list.value;
  for (let i = 0; i < v.length;) {
    const two = v[i] === 0x5f || ((v[i] as number) & 0x1f) === 0x1f;
    tags.push(two ? ((v[i] as number) << 8) | (v[i + 1] as number) : (v[i] as number));
    i += two ? 2 : 1;
  }
  const fields = new Map<number, Uint8Array>();
  for (const c of t.children ?? []) if (c.tag !== 0x5c) fields.set(c.tag, c.value);
  return { list: tags, fields };
}

const field = (f: Map<number, Uint8Array>, tag: number, what: string): string => {
  const v = f.get(tag);
  if (!v) fail(`${what} (${tag.toString(16).toUpperCase()}) missing`);
  return bytesToAscii(v);
};

function trust(ctx: CaseContext): TrustAnchors {
  return ctx.service<TrustAnchors>('trust');
}

const ysd = (yymmdd: string, pivot: number): string =>
  `${Number(yymmdd.slice(0, 2)) > pivot ? '19' : '20'}${yymmdd}`;

const A: ConformanceCase[] = [
  lds(
    'LDS_A_1',
    'EF.COM is one template 60 whose length matches the file',
    [icao10('§4.6.1 (EF.COM)')],
    'tag 60 spanning the file',
    async (ctx) => void top(await readFile(ctx, EF_COM), 0x60, 'EF.COM'),
  ),
  lds(
    'LDS_A_2',
    'EF.COM carries the LDS version 5F01 as four digits (0107 or later)',
    [icao10('§4.6.1'), emrtd('§1.6 notes (0107)')],
    '5F01 = 4 ASCII digits',
    async (ctx) => {
      const v = parseEfCom(await readFile(ctx, EF_COM)).ldsVersion;
      return /^01\d{2}$/.test(v) ? undefined : `LDS version "${v}"`;
    },
  ),
  lds(
    'LDS_A_3',
    'EF.COM carries the Unicode version 5F36 as six digits',
    [icao10('§4.6.1'), emrtd('§1.6 notes (040000)')],
    '5F36 = 6 ASCII digits',
    async (ctx) => {
      const v = parseEfCom(await readFile(ctx, EF_COM)).unicodeVersion;
      return /^\d{6}$/.test(v) ? undefined : `Unicode version "${v}"`;
    },
  ),
  lds(
    'LDS_A_4',
    'EF.COM tag list 5C names only data-group tags',
    [icao10('§4.6.1')],
    'every byte of 5C is a DG tag (61..70, 75, 76, 63)',
    async (ctx) => {
      const t = top(await readFile(ctx, EF_COM), 0x60, 'EF.COM');
      const list = findTlv(t.children, 0x5c)?.value ?? fail('no 5C');
      const bad = [...list].filter(
        (b) =>
          ![
            0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e,
            0x6f, 0x70,
          ].includes(b),
      );
      return bad.length ? `not DG tags: ${toHex(Uint8Array.from(bad))}` : undefined;
    },
  ),
  lds(
    'LDS_A_5',
    'EF.COM lists exactly the data groups the ICS declares (and EF.SOD hashes)',
    [icao10('§4.6.1'), icaoP3('LDS_A (tag list consistent with present DGs)')],
    'EF.COM DGs = ICS DG tokens = EF.SOD DGs',
    async (ctx) => {
      const listed = [...parseEfCom(await readFile(ctx, EF_COM)).dataGroups].sort((a, b) => a - b);
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

const B: ConformanceCase[] = [
  lds(
    'LDS_B_1',
    'DG1 is 61 { 5F1F <MRZ> }',
    [icao10('§4.7.1')],
    'tag 61 with 5F1F',
    async (ctx) =>
      findTlv(top(await readDg(ctx, 1), 0x61, 'DG1').children, 0x5f1f) ? undefined : 'no 5F1F',
    ['DG1'],
  ),
  lds(
    'LDS_B_2',
    'DG1 holds a TD1 MRZ of 90 characters (3 × 30)',
    [icao10('§4.7.1'), emrtd('§2.9 (61 5D 5F1F 5A)')],
    '90 characters',
    async (ctx) => void (await td1(ctx)),
    ['DG1'],
  ),
  lds(
    'LDS_B_3',
    'The MRZ uses only A-Z, 0-9 and <',
    [icao10('§4.7.1'), { doc: 'ICAO Doc 9303-3', clause: '§4.3' }],
    'character set',
    async (ctx) =>
      (await td1(ctx)).join('').match(/[^A-Z0-9<]/) ? 'characters outside A-Z 0-9 <' : undefined,
    ['DG1'],
  ),
  lds(
    'LDS_B_4',
    'The document code is an ID-card code (I, A or C)',
    [
      { doc: 'ICAO Doc 9303-5', clause: '§4.2.2 (TD1 line 1 position 1)' },
      emrtd('§1.1 (CI [inferred])'),
    ],
    'I, A or C',
    async (ctx) =>
      /^[IAC]/.test((await td1(ctx))[0])
        ? undefined
        : `document code ${(await td1(ctx))[0].slice(0, 2)}`,
    ['DG1'],
  ),
  lds(
    'LDS_B_5',
    'The issuing state is ITA',
    [{ doc: 'ICAO Doc 9303-5', clause: '§4.2.2 (positions 3-5)' }, emrtd('§1.1')],
    'ITA',
    async (ctx) =>
      (await td1(ctx))[0].slice(2, 5) === 'ITA'
        ? undefined
        : `issuing state ${(await td1(ctx))[0].slice(2, 5)}`,
    ['DG1'],
  ),
  lds(
    'LDS_B_6',
    'The document number check digit is correct',
    [{ doc: 'ICAO Doc 9303-3', clause: '§4.9 (check digits)' }],
    '7-3-1 check digit',
    async (ctx) => {
      const l1 = (await td1(ctx))[0];
      return checkDigit(l1.slice(5, 14)) === l1[14]
        ? undefined
        : `check digit ${l1[14]}, computed ${checkDigit(l1.slice(5, 14))}`;
    },
    ['DG1'],
  ),
  lds(
    'LDS_B_7',
    'The date-of-birth check digit is correct',
    [{ doc: 'ICAO Doc 9303-3', clause: '§4.9' }],
    '7-3-1 check digit',
    async (ctx) => {
      const l2 = (await td1(ctx))[1];
      return checkDigit(l2.slice(0, 6)) === l2[6] ? undefined : `check digit ${l2[6]}`;
    },
    ['DG1'],
  ),
  lds(
    'LDS_B_8',
    'The date-of-expiry check digit is correct',
    [{ doc: 'ICAO Doc 9303-3', clause: '§4.9' }],
    '7-3-1 check digit',
    async (ctx) => {
      const l2 = (await td1(ctx))[1];
      return checkDigit(l2.slice(8, 14)) === l2[14] ? undefined : `check digit ${l2[14]}`;
    },
    ['DG1'],
  ),
  lds(
    'LDS_B_9',
    'The composite check digit of the TD1 MRZ is correct',
    [{ doc: 'ICAO Doc 9303-5', clause: '§4.2.2 (composite check digit)' }],
    'line 2 position 30',
    async (ctx) => {
      const [l1, l2] = await td1(ctx);
      const composite = l1.slice(5, 30) + l2.slice(0, 7) + l2.slice(8, 15) + l2.slice(18, 29);
      return checkDigit(composite) === l2[29]
        ? undefined
        : `composite ${l2[29]}, computed ${checkDigit(composite)}`;
    },
    ['DG1'],
  ),
  lds(
    'LDS_B_10',
    'The sex field is M, F or <',
    [{ doc: 'ICAO Doc 9303-5', clause: '§4.2.2' }],
    'M/F/<',
    async (ctx) => (/[MF<]/.test((await td1(ctx))[1][7] ?? '') ? undefined : 'sex field'),
    ['DG1'],
  ),
  lds(
    'LDS_B_11',
    'The nationality is three letters',
    [{ doc: 'ICAO Doc 9303-5', clause: '§4.2.2' }],
    '[A-Z<]{3}',
    async (ctx) =>
      /^[A-Z<]{3}$/.test((await td1(ctx))[1].slice(15, 18)) ? undefined : 'nationality',
    ['DG1'],
  ),
  lds(
    'LDS_B_12',
    'The name line is SURNAME<<GIVEN NAMES',
    [{ doc: 'ICAO Doc 9303-3', clause: '§4.6 (names)' }],
    'primary << secondary identifier',
    async (ctx) =>
      /^[A-Z]+(<[A-Z]+)*<<[A-Z]/.test((await td1(ctx))[2])
        ? undefined
        : `name line ${(await td1(ctx))[2]}`,
    ['DG1'],
  ),
  lds(
    'LDS_B_13',
    'DG1 gives the MRZ information the access keys were derived from',
    [icao11('§9.7.2 (MRZ_information)'), emrtd('§2.2')],
    'document number, DOB, DOE with check digits = ICS MRZ',
    async (ctx) => {
      const [l1, l2] = await td1(ctx);
      const info = `${l1.slice(5, 15)}${l2.slice(0, 7)}${l2.slice(8, 15)}`;
      return info === mrz(ctx) ? undefined : `DG1 gives ${info}, the card's MRZ key is ${mrz(ctx)}`;
    },
    ['DG1'],
  ),
  lds(
    'LDS_B_14',
    'The date of expiry falls after the date of birth',
    [{ doc: 'ICAO Doc 9303-3', clause: '§4.8 (dates)' }],
    'DOE > DOB',
    async (ctx) => {
      const l2 = (await td1(ctx))[1];
      return ysd(l2.slice(8, 14), 80) > ysd(l2.slice(0, 6), 30) ? undefined : 'expiry before birth';
    },
    ['DG1'],
  ),
];

async function faceRecord(
  ctx: CaseContext,
): Promise<{ dg2: Uint8Array; t: Tlv; bit: Tlv; header: Tlv; bdb: Uint8Array }> {
  const dg2 = await readDg(ctx, 2);
  const t = top(dg2, 0x75, 'DG2');
  const bitg = findTlv(t.children, 0x7f61) ?? fail('no 7F61 biometric information group template');
  const bit = findTlv(bitg.children, 0x7f60) ?? fail('no 7F60 biometric information template');
  const header = findTlv(bit.children, 0xa1) ?? fail('no A1 biometric header template');
  const bdb =
    findTlv(bit.children, 0x5f2e)?.value ??
    findTlv(bit.children, 0x7f2e)?.value ??
    fail('no 5F2E/7F2E biometric data block');
  return { dg2, t, bit, header, bdb };
}

const C: ConformanceCase[] = [
  lds(
    'LDS_C_1',
    'DG2 is 75 { 7F61 { 02 count, 7F60 … } }',
    [icao10('§4.7.2'), emrtd('§2.9 (DG2)')],
    '75 / 7F61 / 7F60',
    async (ctx) => void (await faceRecord(ctx)),
    ['DG2'],
  ),
  lds(
    'LDS_C_2',
    'The instance count 02 01 n equals the number of 7F60 templates',
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
    'LDS_C_3',
    'The biometric header has format owner 87 = 0101 (ISO/IEC JTC1 SC37)',
    [icao10('§4.7.2 (CBEFF header)'), emrtd('§2.9')],
    '87 01 01',
    async (ctx) =>
      toHex(findTlv((await faceRecord(ctx)).header.children, 0x87)?.value ?? new Uint8Array()) ===
      '0101'
        ? undefined
        : 'format owner',
    ['DG2'],
  ),
  lds(
    'LDS_C_4',
    'The biometric header has format type 88 = 0008 (ISO 19794-5) or 002A (ISO 39794-5)',
    [icao10('§4.7.2'), emrtd('§2.9 (0008 or 002A with 7F2E)')],
    '88 00 08 / 00 2A',
    async (ctx) =>
      ['0008', '002A'].includes(
        toHex(findTlv((await faceRecord(ctx)).header.children, 0x88)?.value ?? new Uint8Array()),
      )
        ? undefined
        : 'format type',
    ['DG2'],
  ),
  lds(
    'LDS_C_5',
    'The biometric type 81, when present, is 02 (facial features)',
    [{ doc: 'ISO/IEC 7816-11', clause: 'Table C.3 (biometric type)' }],
    '81 = 02',
    async (ctx) => {
      const t = findTlv((await faceRecord(ctx)).header.children, 0x81)?.value;
      return !t || toHex(t) === '02' ? undefined : `biometric type ${toHex(t)}`;
    },
    ['DG2'],
  ),
  lds(
    'LDS_C_6',
    'The header version 80, when present, is 0101',
    [{ doc: 'ISO/IEC 7816-11', clause: 'Table C.3' }],
    '80 = 0101',
    async (ctx) => {
      const v = findTlv((await faceRecord(ctx)).header.children, 0x80)?.value;
      return !v || toHex(v) === '0101' ? undefined : `header version ${toHex(v)}`;
    },
    ['DG2'],
  ),
  lds(
    'LDS_C_7',
    'A 19794-5 data block starts with "FAC\\0" and version "010\\0"',
    [{ doc: 'ISO/IEC 19794-5:2005', clause: '§5.4 (facial record header)' }],
    'FAC 00 30 31 30 00',
    async (ctx) => {
      const { bdb, header } = await faceRecord(ctx);
      if (toHex(findTlv(header.children, 0x88)?.value ?? new Uint8Array()) !== '0008')
        return undefined;
      return toHex(bdb.subarray(0, 8)) === '4641430030313000'
        ? undefined
        : `record starts ${toHex(bdb.subarray(0, 8))}`;
    },
    ['DG2'],
  ),
  lds(
    'LDS_C_8',
    'The 19794-5 record length field equals the data block length',
    [{ doc: 'ISO/IEC 19794-5:2005', clause: '§5.4.3' }],
    '4-byte length = |5F2E|',
    async (ctx) => {
      const { bdb } = await faceRecord(ctx);
      const len =
        (((bdb[8] as number) << 24) >>> 0) +
        ((bdb[9] as number) << 16) +
        ((bdb[10] as number) << 8) +
        (bdb[11] as number);
      return len === bdb.length ? undefined : `length field ${len}, block ${bdb.length}`;
    },
    ['DG2'],
  ),
  lds(
    'LDS_C_9',
    'The record declares at least one facial image',
    [{ doc: 'ISO/IEC 19794-5:2005', clause: '§5.4.4' }],
    'number of images ≥ 1',
    async (ctx) => {
      const { bdb } = await faceRecord(ctx);
      return (((bdb[12] as number) << 8) | (bdb[13] as number)) >= 1
        ? undefined
        : 'no facial image';
    },
    ['DG2'],
  ),
  lds(
    'LDS_C_10',
    'The face image is JPEG or JPEG 2000 (magic bytes)',
    [
      { doc: 'ISO/IEC 19794-5:2005', clause: '§5.7.1 (image data type)' },
      emrtd('§1.6 (JPEG2000 on CIE)'),
    ],
    'FF D8 or a JPEG 2000 signature',
    async (ctx) => {
      const img = faceImage((await faceRecord(ctx)).dg2);
      return img.type !== 'unknown' ? undefined : `image starts ${toHex(img.bytes.subarray(0, 8))}`;
    },
    ['DG2'],
  ),
  lds(
    'LDS_C_11',
    'DG2 hashes to the value in EF.SOD',
    [icao11('§5.1 (passive authentication)')],
    'SHA of DG2 = SOD entry 2',
    async (ctx) =>
      parseSod(await readFile(ctx, EF_SOD)).verifyDataGroup(2, await readDg(ctx, 2))
        ? undefined
        : 'DG2 hash differs',
    ['DG2'],
  ),
];

async function sod(ctx: CaseContext): Promise<ReturnType<typeof parseSod>> {
  const bytes = await readFile(ctx, EF_SOD);
  top(bytes, 0x77, 'EF.SOD');
  return parseSod(bytes);
}

const D: ConformanceCase[] = [
  lds(
    'LDS_D_1',
    'EF.SOD is 77 { ContentInfo id-signedData }',
    [icao10('§4.6.2'), emrtd('§2.9')],
    'parses as CMS SignedData',
    async (ctx) => void (await sod(ctx)),
  ),
  lds(
    'LDS_D_2',
    'The encapsulated content is an LDSSecurityObject (2.23.136.1.1.1), version 0 or 1',
    [icao10('§4.6.2.2'), { doc: 'ICAO Doc 9303-10', clause: 'Appendix D' }],
    'LDS security object v0/v1',
    async (ctx) => {
      const s = await sod(ctx);
      if (s.version === 1 && !s.ldsVersionInfo) return 'version 1 without LDSVersionInfo';
      return s.version === 0 || s.version === 1 ? undefined : `version ${s.version}`;
    },
  ),
  lds(
    'LDS_D_3',
    'messageDigest equals the hash of the LDSSecurityObject',
    [{ doc: 'RFC 5652', clause: '§11.2' }, icao10('§4.6.2')],
    'signed attribute matches',
    async (ctx) => ((await sod(ctx)).messageDigestMatches() ? undefined : 'messageDigest mismatch'),
  ),
  lds(
    'LDS_D_4',
    'The SignerInfo signature verifies with the Document Signer certificate in EF.SOD',
    [icao11('§5.1'), icao10('§4.6.2')],
    'signature verifies',
    async (ctx) => ((await sod(ctx)).verifySignature() ? undefined : 'signature does not verify'),
  ),
  lds(
    'LDS_D_5',
    'The hashes of DG1, DG11, DG12 and DG14 match their contents',
    [icao11('§5.1 step 4')],
    'every readable DG hashes to its SOD entry',
    async (ctx) => {
      const s = await sod(ctx);
      for (const n of [1, 11, 12, 14].filter((d) => ctx.tokens.has(`DG${d}`)))
        if (!s.verifyDataGroup(n, await readDg(ctx, n))) return `DG${n} hash differs`;
      return undefined;
    },
  ),
  lds(
    'LDS_D_6',
    'The hash algorithm is one ICAO allows (SHA-1, SHA-2 family)',
    [icao11('§5.1 (hash algorithms)'), emrtd('§1.6 notes')],
    'sha1/224/256/384/512',
    async (ctx) =>
      ['sha1', 'sha224', 'sha256', 'sha384', 'sha512'].includes((await sod(ctx)).hashAlgorithm)
        ? undefined
        : 'hash algorithm',
  ),
  lds(
    'LDS_D_7',
    'The Document Signer chains to the test CSCA',
    [icao11('§5.1 step 2 (DS → CSCA)')],
    'issued by a trusted CSCA',
    async (ctx) => {
      const ds = parseSod(await readFile(ctx, EF_SOD)).signerCertificate;
      const all = trust(ctx).csca.map((c) => verifyIssuedBy(ds, c));
      return all.some((c) => c.ok)
        ? undefined
        : `not issued by a trusted CSCA: ${all.map((c) => c.detail).join('; ')}`;
    },
    ['TEST_PKI'],
  ),
  lds(
    'CIE_EMRTD_SOD_1',
    'After Terminal Authentication, the hash of DG3 matches too',
    [icao11('§5.1'), emrtd('§1.6 (DG3)')],
    'DG3 hash',
    async (ctx) =>
      parseSod(await readFile(ctx, EF_SOD)).verifyDataGroup(3, await readDg(ctx, 3))
        ? undefined
        : 'DG3 hash differs',
    ['DG3', 'TA', 'TEST_PKI'],
    'ta_done',
  ),
];

async function dg14(ctx: CaseContext): Promise<SecurityInfo[]> {
  const t = top(await readDg(ctx, 14), 0x6e, 'DG14');
  return parseSecurityInfos(t.value);
}

/** EF.CardAccess as the card_access_read precondition read it from the MF (emrtd/README.md §1.3). */
function cardAccessBytes(ctx: CaseContext): Uint8Array {
  return ctx.get<Uint8Array>('emrtd.cardAccess');
}

async function cardAccess(ctx: CaseContext): Promise<SecurityInfo[]> {
  return parseSecurityInfos(cardAccessBytes(ctx));
}

const E: ConformanceCase[] = [
  lds(
    'LDS_E_1',
    'DG14 is 6E { SET OF SecurityInfo }',
    [icao10('§4.7.14'), icao11('§9.2')],
    'parses',
    async (ctx) => void (await dg14(ctx)),
    ['DG14'],
  ),
  lds(
    'LDS_E_2',
    'DG14 has a ChipAuthenticationInfo of version 1',
    [icao11('§9.2.5')],
    'id-CA-… version 1',
    async (ctx) => {
      const ca = (await dg14(ctx)).filter((i) => i.type === 'ca');
      return ca.length >= 1 && ca.every((i) => i.type === 'ca' && i.version === 1)
        ? undefined
        : 'no ChipAuthenticationInfo v1';
    },
    ['DG14', 'CA'],
  ),
  lds(
    'LDS_E_3',
    'DG14 has a ChipAuthenticationPublicKeyInfo matching the ChipAuthenticationInfo (keyId, agreement)',
    [icao11('§9.2.6')],
    'a matching public key',
    async (ctx) => {
      const infos = await dg14(ctx);
      const ca = infos.find((i) => i.type === 'ca');
      const keys = infos.filter((i) => i.type === 'ca-public-key');
      if (!ca || ca.type !== 'ca') return 'no ChipAuthenticationInfo';
      const key = keys.find(
        (k) => k.type === 'ca-public-key' && (ca.keyId === undefined || k.keyId === ca.keyId),
      );
      if (!key || key.type !== 'ca-public-key') return 'no public key with the keyId';
      return key.key.domain.kind === ca.protocol.agreement
        ? undefined
        : `key is ${key.key.domain.kind}, protocol ${ca.protocol.agreement}`;
    },
    ['DG14', 'CA'],
  ),
  lds(
    'LDS_E_4',
    'DG14 has a TerminalAuthenticationInfo of version 1 (EAC)',
    [icao11('§9.2.7'), emrtd('§2.9')],
    'id-TA version 1',
    async (ctx) =>
      (await dg14(ctx)).some((i) => i.type === 'ta') ? undefined : 'no TerminalAuthenticationInfo',
    ['DG14', 'TA'],
  ),
  lds(
    'LDS_E_5',
    'The PACEInfos in DG14 are those of EF.CardAccess',
    [icao11('§9.2 (coherence)'), icaoP3('LDS_E (coherence with EF.CardAccess)')],
    'same PACE protocols and parameter ids',
    async (ctx) => {
      const a = (await dg14(ctx))
        .filter((i) => i.type === 'pace')
        .map((i) => (i.type === 'pace' ? `${i.protocol.oid}/${i.parameterId}` : ''))
        .sort();
      const b = (await cardAccess(ctx))
        .filter((i) => i.type === 'pace')
        .map((i) => (i.type === 'pace' ? `${i.protocol.oid}/${i.parameterId}` : ''))
        .sort();
      return a.length === 0 || a.join() === b.join()
        ? undefined
        : `DG14 ${a.join(' ')} vs EF.CardAccess ${b.join(' ')}`;
    },
    ['DG14'],
  ),
  lds(
    'LDS_E_6',
    'The chip-authentication public key of DG14 is usable: Chip Authentication with it succeeds',
    [icao11('§6.2')],
    'CA completes (implicit authentication: a protected SELECT under the new keys)',
    async (ctx) => {
      const dg = await readDg(ctx, 14);
      try {
        await withSession(ctx, (s) => chipAuthentication(s, dg), false);
      } catch (e) {
        return `Chip Authentication failed: ${(e as Error).message}`;
      }
      return undefined;
    },
    ['DG14', 'CA'],
  ),
];

const I: ConformanceCase[] = [
  lds(
    'LDS_I_1',
    'EF.CardAccess is a SET OF SecurityInfo',
    [icao11('§9.2.1'), emrtd('§1.3')],
    'parses',
    async (ctx) => void (await cardAccess(ctx)),
    [],
    'card_access_read',
  ),
  lds(
    'LDS_I_2',
    'Every PACEInfo is version 2 with a standardized parameter id',
    [icao11('§9.2.1 (PACEInfo)'), emrtd('§2.5 (domain parameters)')],
    'version 2, parameterId 0..18',
    async (ctx) => {
      const pace = (await cardAccess(ctx)).filter((i) => i.type === 'pace');
      if (pace.length === 0) return 'no PACEInfo';
      return pace.every(
        (i) =>
          i.type === 'pace' &&
          i.version === 2 &&
          i.parameterId !== undefined &&
          i.parameterId <= 18,
      )
        ? undefined
        : 'a PACEInfo is not v2 with a standardized parameter id';
    },
    [],
    'card_access_read',
  ),
  lds(
    'LDS_I_3',
    'EF.CardAccess announces only generic or integrated mapping (no CAM without EF.CardSecurity)',
    [icao11('§4.4 (CAM needs EF.CardSecurity)'), icaoP3('LDS_I (GM/IM present when CAM is)')],
    'no CAM unless CARD_SECURITY',
    async (ctx) => {
      const cam = (await cardAccess(ctx)).some(
        (i) => i.type === 'pace' && i.protocol.mapping === 'CAM',
      );
      return cam && !ctx.tokens.has('CARD_SECURITY')
        ? 'CAM announced without EF.CardSecurity'
        : undefined;
    },
    [],
    'card_access_read',
  ),
  lds(
    'LDS_I_4',
    'EF.CardAccess holds exactly the bytes the ICS declares (real CIE: DH-GM-3DES, parameter 2)',
    [emrtd('§1.3 (31 14 30 12 …)')],
    'byte-exact',
    async (ctx) => {
      const want = ctx.ics.emrtd?.cardAccess;
      if (!want) return undefined;
      const got = cardAccessBytes(ctx);
      return equalBytes(got, fromHex(want)) ? undefined : `EF.CardAccess ${toHex(got)}`;
    },
    [],
    'card_access_read',
  ),
];

const N: ConformanceCase[] = [
  lds(
    'LDS_N_2',
    'DG11 is 6B with a tag list 5C',
    [icao10('§4.7.11')],
    '6B / 5C',
    async (ctx) => void (await textFields(ctx, 11)),
    ['DG11'],
  ),
  lds(
    'LDS_N_3',
    'Every tag of the DG11 tag list is present, and no other',
    [icao10('§4.7.11')],
    'list = fields',
    async (ctx) => {
      const { list, fields } = await textFields(ctx, 11);
      const present = [...fields.keys()].filter((t) => t !== 0xa0);
      return list.sort().join() === present.sort().join()
        ? undefined
        : `list ${list.map((t) => t.toString(16)).join(',')} vs fields ${present.map((t) => t.toString(16)).join(',')}`;
    },
    ['DG11'],
  ),
  lds(
    'LDS_N_4',
    'The full name 5F0E is SURNAME<<GIVEN NAMES',
    [icao10('§4.7.11 (5F0E)'), emrtd('§1.6 (DG11)')],
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
    'The personal number 5F10 is an Italian fiscal code with a correct check character',
    [icao10('§4.7.11 (5F10)'), emrtd('§1.6 (codice fiscale)')],
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
    'LDS_N_6',
    'The full date of birth 5F2B (YYYYMMDD) agrees with DG1',
    [icao10('§4.7.11 (5F2B)')],
    'same date as the MRZ',
    async (ctx) => {
      const dob = field((await textFields(ctx, 11)).fields, 0x5f2b, 'full date of birth');
      const l2 = (await td1(ctx))[1];
      return /^\d{8}$/.test(dob) && dob.slice(2) === l2.slice(0, 6)
        ? undefined
        : `5F2B ${dob}, MRZ ${l2.slice(0, 6)}`;
    },
    ['DG11', 'DG1'],
  ),
  lds(
    'LDS_N_7',
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
  ),
  lds(
    'LDS_N_8',
    'The place of birth 5F11 is present and printable',
    [icao10('§4.7.11 (5F11)')],
    'non-empty text',
    async (ctx) =>
      field((await textFields(ctx, 11)).fields, 0x5f11, 'place of birth').trim()
        ? undefined
        : 'empty',
    ['DG11'],
  ),
  lds(
    'LDS_N_9',
    'The address 5F42 is present and printable',
    [icao10('§4.7.11 (5F42)')],
    'non-empty text',
    async (ctx) =>
      field((await textFields(ctx, 11)).fields, 0x5f42, 'address').trim() ? undefined : 'empty',
    ['DG11'],
  ),
  lds(
    'LDS_N_10',
    'DG11 hashes to the value in EF.SOD',
    [icao11('§5.1')],
    'hash matches',
    async (ctx) =>
      parseSod(await readFile(ctx, EF_SOD)).verifyDataGroup(11, await readDg(ctx, 11))
        ? undefined
        : 'DG11 hash differs',
    ['DG11'],
  ),
];

const O: ConformanceCase[] = [
  lds(
    'LDS_O_2',
    'DG12 is 6C with a tag list 5C',
    [icao10('§4.7.12')],
    '6C / 5C',
    async (ctx) => void (await textFields(ctx, 12)),
    ['DG12'],
  ),
  lds(
    'LDS_O_3',
    'Every tag of the DG12 tag list is present, and no other',
    [icao10('§4.7.12')],
    'list = fields',
    async (ctx) => {
      const { list, fields } = await textFields(ctx, 12);
      return list.sort().join() === [...fields.keys()].sort().join()
        ? undefined
        : 'tag list and fields differ';
    },
    ['DG12'],
  ),
  lds(
    'LDS_O_4',
    'The issuing authority 5F19 is present',
    [icao10('§4.7.12 (5F19)'), emrtd('§1.6 (DG12)')],
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
    [icao10('§4.7.12 (5F26)')],
    '8 digits, valid month and day',
    async (ctx) => {
      const d = field((await textFields(ctx, 12)).fields, 0x5f26, 'date of issue');
      return /^\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(d)
        ? undefined
        : `date of issue "${d}"`;
    },
    ['DG12'],
  ),
  lds(
    'LDS_O_6',
    'The date of issue lies before the date of expiry (DG1)',
    [icao10('§4.7.12')],
    'issue < expiry',
    async (ctx) => {
      const d = field((await textFields(ctx, 12)).fields, 0x5f26, 'date of issue');
      const l2 = (await td1(ctx))[1];
      return d < `20${l2.slice(8, 14)}` ? undefined : `issued ${d}, expires 20${l2.slice(8, 14)}`;
    },
    ['DG12', 'DG1'],
  ),
  lds(
    'LDS_O_7',
    'DG12 hashes to the value in EF.SOD',
    [icao11('§5.1')],
    'hash matches',
    async (ctx) =>
      parseSod(await readFile(ctx, EF_SOD)).verifyDataGroup(12, await readDg(ctx, 12))
        ? undefined
        : 'DG12 hash differs',
    ['DG12'],
  ),
];

export const LDS_CASES: readonly ConformanceCase[] = [
  ...A,
  ...B,
  ...C,
  ...D,
  ...E,
  ...I,
  ...N,
  ...O,
];
