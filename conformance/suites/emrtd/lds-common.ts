/**
 * Shared pieces of the eMRTD LDS cases (ICAO Part 3 LDS categories; ICAO Doc 9303-10): a case is
 * one procedure that reads files under PACE the way the CIE SDKs do (SFI, then 0xE0 chunks) and
 * checks them with its own code (MRZ check digits, fiscal-code check character, TLV walks), not
 * the emulator's personalisation code.
 */
import { findTlv, parseSingleTlv, type Tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { bytesToAscii } from '../../../emulator/src/bytes/bytes.ts';
import { parseSod } from '../../../emulator/src/personalise/pki/sod.ts';
import {
  parseSecurityInfos,
  type SecurityInfo,
} from '../../../emulator/src/protocols/security-infos.ts';
import { EF_SOD, parseDg1 } from '../../../harness/terminals/emrtd/lds.ts';
import type { TrustAnchors } from '../../../harness/cards/card-registry.ts';
import type { CaseContext } from '../../lib/case-context.ts';
import type { ConformanceCase } from '../../lib/model.ts';
import { fail, procedure } from '../../lib/procedures.ts';
import { icaoP3 } from '../refs.ts';
import { emrtdCase, readDg, readFile } from './common.ts';

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

export function top(data: Uint8Array, tag: number, what: string): Tlv {
  const t = parseSingleTlv(data);
  if (t.tag !== tag) fail(`${what}: first tag ${t.tag.toString(16)}, expected ${tag.toString(16)}`);
  return t;
}

export type Check = (ctx: CaseContext) => Promise<string | undefined | void>;

/**
 * An LDS case: one procedure step. ICAO ids take their category from the id; project ids
 * (`CIE_EMRTD_…`) need `category`.
 */
export function lds(
  id: string,
  title: string,
  refs: ConformanceCase['refs'],
  expected: string,
  check: Check,
  applies: string[] = [],
  pre = 'pace_done',
  category?: string,
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
    category,
  );
}

export async function td1(ctx: CaseContext): Promise<[string, string, string]> {
  const lines = parseDg1(await readDg(ctx, 1));
  if (lines.length !== 3 || lines.some((l) => l.length !== 30))
    fail(`MRZ is not TD1 (3 × 30): ${lines.map((l) => l.length).join(' + ')}`);
  return lines as [string, string, string];
}

export async function textFields(
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

export const field = (f: Map<number, Uint8Array>, tag: number, what: string): string => {
  const v = f.get(tag);
  if (!v) fail(`${what} (${tag.toString(16).toUpperCase()}) missing`);
  return bytesToAscii(v);
};

export function trust(ctx: CaseContext): TrustAnchors {
  return ctx.service<TrustAnchors>('trust');
}

export const ysd = (yymmdd: string, pivot: number): string =>
  `${Number(yymmdd.slice(0, 2)) > pivot ? '19' : '20'}${yymmdd}`;

export async function sod(ctx: CaseContext): Promise<ReturnType<typeof parseSod>> {
  const bytes = await readFile(ctx, EF_SOD);
  top(bytes, 0x77, 'EF.SOD');
  return parseSod(bytes);
}

export async function dg14(ctx: CaseContext): Promise<SecurityInfo[]> {
  const t = top(await readDg(ctx, 14), 0x6e, 'DG14');
  return parseSecurityInfos(t.value);
}

/** EF.CardAccess as the card_access_read precondition read it from the MF (emrtd/README.md §1.3). */
export function cardAccessBytes(ctx: CaseContext): Uint8Array {
  return ctx.get<Uint8Array>('emrtd.cardAccess');
}

export async function cardAccess(ctx: CaseContext): Promise<SecurityInfo[]> {
  return parseSecurityInfos(cardAccessBytes(ctx));
}

export async function faceRecord(
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

/**
 * ICAO Part 3 "encoding of LDS element length" (LDS_A_2, B_2, C_2, D_2, N_2, O_2): the file is one
 * TLV with the expected tag whose length uses the shortest BER form (ISO/IEC 8825-1 §8.1.3 as
 * ICAO 9303-10 §4.4 requires) and covers the file exactly.
 */
export function lengthEncoding(bytes: Uint8Array, tag: number): string | undefined {
  if (bytes[0] !== tag)
    return `first tag ${(bytes[0] ?? 0).toString(16)}, expected ${tag.toString(16)}`;
  const first = bytes[1] ?? 0;
  let len = first;
  let header = 2;
  if (first >= 0x80) {
    const k = first & 0x7f;
    if (k < 1 || k > 3) return `length form ${first.toString(16)}`;
    len = 0;
    for (let i = 0; i < k; i++) len = len * 256 + (bytes[2 + i] ?? 0);
    header = 2 + k;
    if (len < 0x80 || (k >= 2 && len < 0x100) || (k === 3 && len < 0x10000))
      return `length ${len} not in the shortest form (${k + 1} length bytes)`;
  }
  return header + len === bytes.length
    ? undefined
    : `length field ${len}, content ${bytes.length - header} bytes`;
}

/** A data element of DG11/DG12 the matrix tests only when present: absent passes. */
export function optionalText(
  fields: Map<number, Uint8Array>,
  tag: number,
  what: string,
  format: RegExp = /^[\x20-\x7E]+$/,
): string | undefined {
  const v = fields.get(tag);
  if (!v) return undefined;
  const text = bytesToAscii(v);
  return format.test(text) ? undefined : `${what} (${tag.toString(16).toUpperCase()}) "${text}"`;
}
