/**
 * APDU transport over T=0 (ISO/IEC 7816-3:2006 §12.2): the card answers `61xx` when response data
 * waits for GET RESPONSE and `6Cxx` when Le was wrong. A reader's transport layer resolves both;
 * pcscd and vpcd do not (vpcd/README.md §3), so the PC/SC channel does it when the card
 * negotiated T=0, and the caller sees `data ‖ 9000` as over T=1.
 */
import { INS_C0_GET_RESPONSE } from '../../emulator/src/apdu/ins.ts';
import { ChannelError } from '../channel/apdu-channel.ts';

/** Upper bound on GET RESPONSE rounds for one command (256 × 256 bytes covers any extended Ne). */
const MAX_ROUNDS = 257;

export type Send = (command: Uint8Array) => Promise<Uint8Array>;

function sw1(r: Uint8Array): number {
  return r.length >= 2 ? (r[r.length - 2] as number) : -1;
}

function sw2(r: Uint8Array): number {
  return r.length >= 2 ? (r[r.length - 1] as number) : -1;
}

/** Short command with an Le byte (case 2S or 4S) rewritten to ask for exactly `le` bytes. */
function withLe(command: Uint8Array, le: number): Uint8Array | undefined {
  const n = command.length;
  const lc = n > 5 ? (command[4] as number) : 0;
  const hasShortLe = n === 5 || (lc !== 0 && n === 6 + lc);
  if (!hasShortLe) return undefined;
  const out = command.slice();
  out[n - 1] = le;
  return out;
}

export async function transmitT0(send: Send, command: Uint8Array): Promise<Uint8Array> {
  let response = await send(command);
  if (sw1(response) === 0x6c) {
    const retry = withLe(command, sw2(response));
    if (retry) response = await send(retry);
  }
  if (sw1(response) !== 0x61) return response;
  const channelBits = (command[0] ?? 0) & 0x03;
  const parts: Uint8Array[] = [];
  for (let round = 0; sw1(response) === 0x61; round++) {
    if (round >= MAX_ROUNDS)
      throw new ChannelError(
        'TRANSMIT_FAILED',
        'T=0: the card keeps answering 61xx to GET RESPONSE',
      );
    parts.push(response.subarray(0, response.length - 2));
    response = await send(
      Uint8Array.of(channelBits, INS_C0_GET_RESPONSE, 0x00, 0x00, sw2(response)),
    );
  }
  const total = parts.reduce((n, p) => n + p.length, 0) + response.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of [...parts, response]) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
