/**
 * Host-side view of the LDS1 files (ICAO Doc 9303-10 §4.6–4.7): identifiers, the length of a file
 * from its first bytes, and decoders for what an inspection system shows (MRZ, DG11/DG12 fields,
 * EF.COM, EF.CVCA, the face image of DG2).
 */
import { findTlv, parseTlvTree, type Tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { bytesToAscii } from '../../../emulator/src/bytes/bytes.ts';
import { TerminalError } from '../common/step-report.ts';

export interface LdsFileId {
  readonly name: string;
  readonly fid: number;
  readonly sfi: number;
  /** Data-group number (EF.SOD hash key), or undefined for EF.COM/EF.SOD/EF.CVCA. */
  readonly dg?: number;
  readonly tag: number;
  /** Files that are not one TLV object (EF.CVCA: CARs + zero padding) are read as a fixed length. */
  readonly fixedLength?: number;
}

export const EF_COM: LdsFileId = { name: 'EF.COM', fid: 0x011e, sfi: 0x1e, tag: 0x60 };
export const EF_SOD: LdsFileId = { name: 'EF.SOD', fid: 0x011d, sfi: 0x1d, tag: 0x77 };
export const EF_CVCA: LdsFileId = {
  name: 'EF.CVCA',
  fid: 0x011c,
  sfi: 0x1c,
  tag: 0x42,
  fixedLength: 36,
};
export const EF_CARD_ACCESS: LdsFileId = {
  name: 'EF.CardAccess',
  fid: 0x011c,
  sfi: 0x1c,
  tag: 0x31,
};

const DG_FIRST_TAG = [
  0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70,
];

export function dataGroup(n: number): LdsFileId {
  const tag = DG_FIRST_TAG[n - 1];
  if (tag === undefined) throw new RangeError(`no data group ${n}`);
  return { name: `DG${n}`, fid: 0x0100 + n, sfi: n, dg: n, tag };
}

/** Data-group number from its first tag (EF.COM tag list). */
export function dataGroupOfTag(tag: number): number | undefined {
  const i = DG_FIRST_TAG.indexOf(tag);
  return i < 0 ? undefined : i + 1;
}

/** Total length of a BER-TLV object from its first bytes (tag of 1–2 bytes, length ≤ 3 bytes). */
export function tlvTotalLength(head: Uint8Array): number {
  let i = 1;
  if (((head[0] ?? 0) & 0x1f) === 0x1f) while (((head[i++] ?? 0) & 0x80) !== 0);
  const first = head[i];
  if (first === undefined) throw new TerminalError('LDS_FORMAT', 'file header too short');
  if (first < 0x80) return i + 1 + first;
  const n = first & 0x7f;
  if (n < 1 || n > 3 || head.length < i + 1 + n)
    throw new TerminalError('LDS_FORMAT', `unsupported length field ${first.toString(16)}`);
  let len = 0;
  for (let k = 0; k < n; k++) len = len * 256 + (head[i + 1 + k] as number);
  return i + 1 + n + len;
}

function tree(bytes: Uint8Array, tag: number, what: string): Tlv {
  try {
    const [top] = parseTlvTree(bytes);
    if (!top || top.tag !== tag)
      throw new TerminalError('LDS_FORMAT', `${what}: first tag is not ${tag.toString(16)}`);
    return top;
  } catch (e) {
    if (e instanceof TerminalError) throw e;
    throw new TerminalError('LDS_FORMAT', `${what}: ${(e as Error).message}`);
  }
}

export interface EfComInfo {
  readonly ldsVersion: string;
  readonly unicodeVersion: string;
  readonly dataGroups: readonly number[];
}

export function parseEfCom(bytes: Uint8Array): EfComInfo {
  const t = tree(bytes, 0x60, 'EF.COM');
  const list = findTlv(t.children, 0x5c)?.value ?? new Uint8Array(0);
  return {
    ldsVersion: bytesToAscii(findTlv(t.children, 0x5f01)?.value ?? new Uint8Array(0)),
    unicodeVersion: bytesToAscii(findTlv(t.children, 0x5f36)?.value ?? new Uint8Array(0)),
    dataGroups: [...list]
      .map((tag) => dataGroupOfTag(tag))
      .filter((n): n is number => n !== undefined),
  };
}

/** DG1: the MRZ as lines (TD1: 3 × 30, TD3: 2 × 44). */
export function parseDg1(bytes: Uint8Array): string[] {
  const t = tree(bytes, 0x61, 'DG1');
  const mrz = bytesToAscii(findTlv(t.children, 0x5f1f)?.value ?? new Uint8Array(0));
  const width =
    mrz.length === 90 ? 30 : mrz.length === 88 ? 44 : mrz.length === 72 ? 36 : mrz.length;
  const lines: string[] = [];
  for (let i = 0; i < mrz.length; i += width) lines.push(mrz.slice(i, i + width));
  return lines;
}

/** DG11 / DG12: every primitive field as tag (hex) → text, in file order. */
export function parseTextFields(bytes: Uint8Array, tag: 0x6b | 0x6c): Record<string, string> {
  const t = tree(bytes, tag, tag === 0x6b ? 'DG11' : 'DG12');
  const out: Record<string, string> = {};
  for (const c of t.children ?? [])
    if (c.tag !== 0x5c && !c.constructed)
      out[c.tag.toString(16).toUpperCase()] = bytesToAscii(c.value);
  return out;
}

/** EF.CVCA: the CARs (DO 42) up to the zero padding. */
export function parseEfCvca(bytes: Uint8Array): string[] {
  const out: string[] = [];
  let i = 0;
  while (i + 2 <= bytes.length && bytes[i] === 0x42) {
    const len = bytes[i + 1] as number;
    if (i + 2 + len > bytes.length) throw new TerminalError('LDS_FORMAT', 'EF.CVCA: truncated CAR');
    out.push(bytesToAscii(bytes.subarray(i + 2, i + 2 + len)));
    i += 2 + len;
  }
  return out;
}

/** DG2: the image bytes of the first ISO 19794-5 record (JPEG or JPEG 2000) and its type. */
export function faceImage(dg2: Uint8Array): {
  readonly type: 'jpeg' | 'jpeg2000' | 'unknown';
  readonly bytes: Uint8Array;
} {
  const t = tree(dg2, 0x75, 'DG2');
  const bdb = findTlv(
    findTlv(findTlv(t.children, 0x7f61)?.children, 0x7f60)?.children,
    0x5f2e,
  )?.value;
  if (!bdb || bdb.length < 46 || bytesToAscii(bdb.subarray(0, 3)) !== 'FAC')
    throw new TerminalError('LDS_FORMAT', 'DG2 has no ISO 19794-5 facial record');
  const featurePoints = ((bdb[18] as number) << 8) | (bdb[19] as number);
  const info = 14 + 20 + 8 * featurePoints;
  const dataType = bdb[info + 1];
  const image = bdb.subarray(info + 12);
  return { type: dataType === 0 ? 'jpeg' : dataType === 1 ? 'jpeg2000' : 'unknown', bytes: image };
}
