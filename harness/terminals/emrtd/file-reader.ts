/**
 * Reading transparent EFs the way eMRTD readers do (emrtd/README.md §1.6, §2.1): a short first READ
 * BINARY to learn the TLV length, then chunks (or one extended-length read); offsets above 7FFF
 * use the odd instruction B1 with an offset DO 54 and DO 53 in the answer.
 */
import { findTlv, parseTlvs, tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { swText, TerminalError } from '../common/step-report.ts';
import type { InspectionSession } from './inspection-session.ts';
import { tlvTotalLength, type LdsFileId } from './lds.ts';
import {
  SW_6282_END_OF_FILE,
  SW_6982_SECURITY_STATUS_NOT_SATISFIED,
  SW_6A82_FILE_NOT_FOUND,
  SW_9000_OK,
} from '../../../emulator/src/apdu/status-words.ts';

const HEAD = 4;
const OK: readonly number[] = [SW_9000_OK, SW_6282_END_OF_FILE];

function readError(name: string, sw: number): TerminalError {
  const code =
    sw === SW_6982_SECURITY_STATUS_NOT_SATISFIED
      ? 'ACCESS_DENIED'
      : sw === SW_6A82_FILE_NOT_FOUND
        ? 'FILE_NOT_FOUND'
        : 'READ_FAILED';
  return new TerminalError(code, `${name}: READ BINARY answered ${swText(sw)}`, sw);
}

async function readAt(
  s: InspectionSession,
  name: string,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  if (offset <= 0x7fff) {
    const r = await s.link.send({ ins: 0xb0, p1: offset >> 8, p2: offset & 0xff, ne: length });
    if (!OK.includes(r.sw)) throw readError(name, r.sw);
    return r.data;
  }
  const off = Uint8Array.of(offset >> 16, (offset >> 8) & 0xff, offset & 0xff);
  const r = await s.link.send({
    ins: 0xb1,
    p1: 0,
    p2: 0,
    data: tlv(0x54, off[0] === 0 ? off.subarray(1) : off),
    ne: Math.min(length + 4, 65536),
  });
  if (!OK.includes(r.sw)) throw readError(name, r.sw);
  const d53 = findTlv(parseTlvs(r.data), 0x53);
  if (!d53) throw new TerminalError('READ_FAILED', `${name}: odd READ BINARY without DO 53`);
  return d53.value;
}

async function readRest(s: InspectionSession, name: string, head: Uint8Array): Promise<Uint8Array> {
  const total = tlvTotalLength(head);
  const parts = [head.subarray(0, Math.min(head.length, total))];
  let have = parts[0]?.length ?? 0;
  while (have < total) {
    const want = s.read.extended
      ? Math.min(total - have, 65536)
      : Math.min(total - have, s.read.chunk);
    const part = await readAt(s, name, have, want);
    if (part.length === 0)
      throw new TerminalError('READ_FAILED', `${name}: empty READ BINARY at offset ${have}`);
    parts.push(part);
    have += part.length;
  }
  return concatBytes(...parts).subarray(0, total);
}

/** Reads the whole current EF (after a SELECT). */
export async function readCurrentFile(s: InspectionSession, name: string): Promise<Uint8Array> {
  const head = await readAt(s, name, 0, HEAD);
  return readRest(s, name, head);
}

/** Reads a file of the selected application by SFI (first READ selects it) or by SELECT + READ. */
export async function readLdsFile(s: InspectionSession, file: LdsFileId): Promise<Uint8Array> {
  if (!s.read.bySfi) {
    const sel = await s.link.send({
      ins: 0xa4,
      p1: 0x02,
      p2: 0x0c,
      data: Uint8Array.of(file.fid >> 8, file.fid & 0xff),
    });
    if (sel.sw !== SW_9000_OK)
      throw new TerminalError(
        sel.sw === SW_6A82_FILE_NOT_FOUND ? 'FILE_NOT_FOUND' : 'SELECT_FAILED',
        `${file.name}: SELECT answered ${swText(sel.sw)}`,
        sel.sw,
      );
    return file.fixedLength === undefined
      ? readCurrentFile(s, file.name)
      : readAt(s, file.name, 0, file.fixedLength);
  }
  const r = await s.link.send({
    ins: 0xb0,
    p1: 0x80 | file.sfi,
    p2: 0,
    ne: file.fixedLength ?? HEAD,
  });
  if (!OK.includes(r.sw)) throw readError(file.name, r.sw);
  return file.fixedLength === undefined ? readRest(s, file.name, r.data) : r.data;
}
