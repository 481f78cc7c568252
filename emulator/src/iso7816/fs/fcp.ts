/**
 * File control parameters and file control information templates returned by SELECT
 * (ISO/IEC 7816-4:2020 §7.4.3 Tables 10–12):
 *
 * ```
 * 62 FCP  { 80 size | 82 descriptor | 83 FID | 84 DF name | 88 SFI | 8A LCS }
 * 6F FCI  { the same data objects }            64 FMD { 84 DF name }
 * ```
 * The size DO comes first: a Python CIE reader reads the size at bytes [4..5] of `62 LL 80 02`
 * (ias/README.md §3 row 5, §12 item 4).
 */
import { concatBytes } from '../../bytes/bytes.ts';
import { tlv } from '../../bytes/ber-tlv.ts';
import { isDf, LCS_BYTE, type FsNode } from './nodes.ts';

export const TAG_62_FCP = 0x62;
export const TAG_64_FMD = 0x64;
export const TAG_6F_FCI = 0x6f;

/** ISO/IEC 7816-4:2020 Table 12: 01 transparent working EF, 02 linear fixed (record) EF, 38 DF. */
const DESCRIPTOR_TRANSPARENT = 0x01;
const DESCRIPTOR_LINEAR_FIXED = 0x02;
const DESCRIPTOR_DF = 0x38;
const DATA_CODING = 0x41;

function u16(v: number): Uint8Array {
  return Uint8Array.of((v >> 8) & 0xff, v & 0xff);
}

function parameterDos(node: FsNode): Uint8Array {
  const parts: Uint8Array[] = [];
  if (node.kind === 'EF-transparent') {
    parts.push(
      tlv(0x80, u16(node.content.length)),
      tlv(0x82, Uint8Array.of(DESCRIPTOR_TRANSPARENT)),
    );
  } else if (node.kind === 'EF-record') {
    const max = node.records.reduce((m, r) => Math.max(m, r.length), 0);
    const total = node.records.reduce((s, r) => s + r.length, 0);
    parts.push(
      tlv(0x80, u16(total)),
      tlv(
        0x82,
        Uint8Array.of(DESCRIPTOR_LINEAR_FIXED, DATA_CODING, 0x00, max & 0xff, node.records.length),
      ),
    );
  } else {
    parts.push(tlv(0x82, Uint8Array.of(DESCRIPTOR_DF)));
  }
  if (node.fid !== undefined) parts.push(tlv(0x83, u16(node.fid)));
  if (isDf(node) && node.dfName) parts.push(tlv(0x84, node.dfName));
  if (!isDf(node) && node.sfi !== undefined) parts.push(tlv(0x88, Uint8Array.of(node.sfi << 3)));
  parts.push(tlv(0x8a, Uint8Array.of(LCS_BYTE[node.lifeCycle])));
  return concatBytes(...parts);
}

export function buildFcp(node: FsNode): Uint8Array {
  return tlv(TAG_62_FCP, parameterDos(node));
}

export function buildFci(node: FsNode): Uint8Array {
  return tlv(TAG_6F_FCI, parameterDos(node));
}

export function buildFmd(node: FsNode): Uint8Array {
  return tlv(TAG_64_FMD, isDf(node) && node.dfName ? tlv(0x84, node.dfName) : new Uint8Array(0));
}
