/**
 * The PACE nonce length of the card that produced a trace, read from its first GENERAL
 * AUTHENTICATE step 1 (`10 86 00 00 02 7C 00 00` → `7C L 80 L z 90 00`, ICAO 9303-11 §4.4.3.3):
 * |z| is the encrypted nonce length, a chip attribute (16 bytes on the 2018 cards, 8 on the 2023
 * one; emrtd/README.md §1.2). Replay gives the target card the same length so the GA step 1
 * answers align; `trace replay --pace-nonce-length` overrides it.
 */
import { parseCommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { swFromResponse, SW_9000_OK } from '../../emulator/src/apdu/status-words.ts';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import { parseGaTemplate } from '../../emulator/src/protocols/pace/pace-crypto.ts';
import type { Trace, TraceExchange } from '../format/schema.ts';

export type PaceNonceLength = 8 | 16 | 32;

export interface DetectedNonce {
  readonly length: PaceNonceLength;
  /** The source exchange it was read from. */
  readonly seq: number;
}

function nonceOf(x: TraceExchange): PaceNonceLength | undefined {
  if (x.incomplete || x.response.length < 4) return undefined;
  let cmd;
  try {
    cmd = parseCommandApdu(fromHex(x.command));
  } catch {
    return undefined;
  }
  if (cmd.ins !== 0x86 || (cmd.cla & ~0x10) !== 0 || toHex(cmd.data) !== '7C00') return undefined;
  const rsp = fromHex(x.response);
  if (swFromResponse(rsp) !== SW_9000_OK) return undefined;
  try {
    const z = parseGaTemplate(rsp.subarray(0, rsp.length - 2)).find((d) => d.tag === 0x80)?.value;
    return z && (z.length === 8 || z.length === 16 || z.length === 32) ? z.length : undefined;
  } catch {
    return undefined;
  }
}

/** The nonce length of the trace's first answered GA step 1, if it has one. */
export function detectPaceNonceLength(trace: Trace): DetectedNonce | undefined {
  for (const r of trace.records) {
    if (r.type !== 'exchange') continue;
    const length = nonceOf(r);
    if (length !== undefined) return { length, seq: r.seq };
  }
  return undefined;
}
