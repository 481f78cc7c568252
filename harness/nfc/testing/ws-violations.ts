/**
 * One client frame for each WebSocket protocol violation of RFC 6455 §5 that a server must refuse,
 * with the close code §7.4.1 assigns to it (1002 protocol error, 1007 inconsistent data, 1009
 * message too big). Sent after a valid upgrade; used by the endpoint's tests and the fuzz run.
 */
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { clientFrame } from './raw-ws.ts';

export interface WsViolation {
  readonly what: string;
  readonly bytes: Uint8Array;
  readonly code: number;
}

const SELECT_MF = fromHex('00A4000C023F00');

/** A frame with full control of the first byte (FIN, RSV, opcode) and the mask. */
function rawFrame(first: number, payload: Uint8Array, masked = true): Uint8Array {
  if (!masked) return Uint8Array.from([first, payload.length, ...payload]);
  const frame = clientFrame(1, payload);
  frame[0] = first;
  return frame;
}

/** A masked frame with the 16-bit extended length (for control frames above 125 bytes). */
function longFrame(first: number, n: number): Uint8Array {
  const frame = clientFrame(2, new Uint8Array(n));
  frame[0] = first;
  return frame;
}

export const VIOLATIONS: readonly WsViolation[] = [
  { what: 'text frame with invalid UTF-8', bytes: fromHex('818211223344D20A'), code: 1007 },
  {
    what: 'frame announcing more than 256 KiB',
    bytes: Uint8Array.from([0x82, 0xff, 0, 0, 0, 0, 0, 0x05, 0, 0, 0x11, 0x22, 0x33, 0x44]),
    code: 1009,
  },
  { what: 'unmasked client frame', bytes: rawFrame(0x82, SELECT_MF, false), code: 1002 },
  { what: 'RSV1 set without an extension', bytes: rawFrame(0xc2, SELECT_MF), code: 1002 },
  { what: 'reserved opcode 3', bytes: rawFrame(0x83, SELECT_MF), code: 1002 },
  { what: 'close frame with code 999', bytes: rawFrame(0x88, fromHex('03E7')), code: 1002 },
  { what: 'ping of 126 bytes', bytes: longFrame(0x89, 126), code: 1002 },
  { what: 'fragmented ping (FIN clear)', bytes: rawFrame(0x09, fromHex('0102')), code: 1002 },
  {
    what: 'continuation frame with no message',
    bytes: rawFrame(0x80, fromHex('0102')),
    code: 1002,
  },
];
