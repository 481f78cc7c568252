/**
 * Where the virtual readers and the NFC endpoint live, in one place for the CLI, the bench, the
 * tests and the documentation. Ports are loopback TCP ports.
 */

export interface VirtualReaderKind {
  readonly id: 'ciebench' | 'ciebench-reversed' | 'vpcd';
  /** pcscd appends " RR SS" (reader index, slot). */
  readonly readerPrefix: string;
  /** Port of slot 0; slot i listens on port + i. */
  readonly port: number;
  readonly slots: number;
  /** reader.conf.d entry that declares it. */
  readonly confFile: string;
  readonly library: string;
}

/** This project's driver (harness/reader-driver): ATR attribute, extended APDUs, no Nagle stall. */
export const CIEBENCH_READER: VirtualReaderKind = {
  id: 'ciebench',
  readerPrefix: 'CIE Bench Virtual Reader',
  port: 35980,
  slots: 2,
  confFile: '/etc/reader.conf.d/ciebench',
  library: '/usr/lib/pcsc/drivers/serial/libifdciebench.so',
};

/**
 * The same driver in reversed mode (`/connect`): pcscd connects to a listening card. Installed by
 * `ciebench reader install --reversed`; Debian's vpcd 0.8 cannot do this (pcscd aborts, vpcd/README.md §6).
 */
export const CIEBENCH_REVERSED_READER: VirtualReaderKind = {
  id: 'ciebench-reversed',
  readerPrefix: 'CIE Bench Reversed Reader',
  port: 35985,
  slots: 1,
  confFile: '/etc/reader.conf.d/ciebench-reversed',
  // Its own copy of the .so: readers sharing one library are numbered by pcscd in load order
  // ("… 01 00"), and the standard reader must stay "CIE Bench Virtual Reader 00 00".
  library: '/usr/lib/pcsc/drivers/serial/libifdciebench-reversed.so',
};

/** Debian 12's vsmartcard-vpcd 0.8 (vpcd/README.md §4). */
export const DEBIAN_VPCD: VirtualReaderKind = {
  id: 'vpcd',
  readerPrefix: 'Virtual PCD',
  port: 35963,
  slots: 2,
  confFile: '/etc/reader.conf.d/vpcd',
  library: '/usr/lib/pcsc/drivers/serial/libifdvpcd.so',
};

export const VIRTUAL_READERS: readonly VirtualReaderKind[] = [
  CIEBENCH_READER,
  CIEBENCH_REVERSED_READER,
  DEBIAN_VPCD,
];

/** Loopback address whose route carries `quickack 1` (vpcd/README.md §7 item 2); cards for vpcd connect from it. */
export const QUICKACK_ADDRESS = '127.0.0.2';

/** Default port of the WebSocket NFC (ISO-DEP) endpoint. */
export const NFC_WS_PORT = 35990;

/** Reader name of slot `slot` of the first reader of a kind (`CIE Bench Virtual Reader 00 01`). */
export function readerName(kind: VirtualReaderKind, slot = 0, index = 0): string {
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');
  return `${kind.readerPrefix} ${hex(index)} ${hex(slot)}`;
}

/** True for readers that are emulated cards' slots (no physical card can be harmed there). */
export function isVirtualReader(name: string): boolean {
  return VIRTUAL_READERS.some((k) => name.startsWith(`${k.readerPrefix} `));
}
