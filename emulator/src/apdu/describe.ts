/**
 * One-line human descriptions of command APDUs for the CLI and logs (the trace annotator goes
 * deeper). ISO/IEC 7816-4:2020 §7 parameter meanings.
 */
import { toHex } from '../bytes/hex.ts';
import { decodeCla } from './cla.ts';
import type { CommandApdu } from './command-apdu.ts';
import { INS_A4_SELECT, INS_B0_READ_BINARY, INS_B2_READ_RECORD, insName } from './ins.ts';

const SELECT_P1: Readonly<Record<number, string>> = {
  0x00: 'MF/DF/EF by FID',
  0x01: 'child DF',
  0x02: 'EF under current DF',
  0x03: 'parent DF',
  0x04: 'by DF name',
  0x08: 'path from MF',
  0x09: 'path from current DF',
};
const SELECT_P2: Readonly<Record<number, string>> = {
  0x00: 'return FCI',
  0x04: 'return FCP',
  0x08: 'return FMD',
  0x0c: 'no response data',
};

function params(a: CommandApdu): string {
  switch (a.ins) {
    case INS_A4_SELECT:
      return `${SELECT_P1[a.p1] ?? `P1 ${a.p1.toString(16)}`}, ${SELECT_P2[a.p2 & 0x0c] ?? ''}${a.data.length ? ` ${toHex(a.data)}` : ''}`;
    case INS_B0_READ_BINARY:
      return (a.p1 & 0x80) !== 0
        ? `SFI ${(a.p1 & 0x1f).toString(16).toUpperCase()}, offset ${a.p2}`
        : `offset ${((a.p1 & 0x7f) << 8) | a.p2}`;
    case INS_B2_READ_RECORD:
      return `record ${a.p1}${a.p2 >> 3 ? `, SFI ${(a.p2 >> 3).toString(16).toUpperCase()}` : ''}`;
    default:
      return `P1P2 ${toHex(Uint8Array.of(a.p1, a.p2))}`;
  }
}

export function describeCommand(a: CommandApdu): string {
  const cla = decodeCla(a.cla);
  const flags = [
    cla.sm !== 'none' ? 'SM' : '',
    cla.chaining ? 'chained' : '',
    a.form === 'extended' ? 'extended' : '',
  ]
    .filter(Boolean)
    .join(', ');
  const lengths = `${a.data.length ? `Nc=${a.data.length}` : ''}${a.ne ? `${a.data.length ? ' ' : ''}Ne=${a.ne}` : ''}`;
  return `${insName(a.ins)} (${params(a)})${lengths ? ` ${lengths}` : ''}${flags ? ` [${flags}]` : ''}`;
}
