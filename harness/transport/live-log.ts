/**
 * The live log of `ciebench card start`: one line per APDU, taken at the card boundary
 * (`ObservableCard.observe`, the same events the trace recorder uses), plus one line per transport
 * event (reader connected, power, NFC session, tag lost). PIN/PUK values are masked with the trace
 * masking rules (traces/format/masking.ts) unless the user opts in.
 *
 * ```
 * 18:03:01.234 vpcd:35980 #12 VERIFY       > 0020008108 **************** < 9000        0.21 ms
 * 18:03:01.240 vpcd:35980 #13 (SM) VERIFY  > 0C20008115 8711…8E08… < 990290008E08…9000 0.40 ms
 *                                             plain > 0020008108 **************** < 9000
 * ```
 */
import { claHasSm } from '../../emulator/src/apdu/cla.ts';
import { insName } from '../../emulator/src/apdu/ins.ts';
import { toHex } from '../../emulator/src/bytes/hex.ts';
import type { ExchangeEvent, PowerEvent } from '../../emulator/src/card/card.ts';
import {
  maskBytes,
  maskSecretsInText,
  secretRanges,
} from '../../emulator/src/apdu/secret-masking.ts';

export interface LiveLogOptions {
  /** Show PIN/PUK values (default: masked). */
  readonly revealSecrets?: boolean;
  /** Longest hex shown per field before it is shortened (bytes). */
  readonly maxBytes?: number;
}

const MASK_HEX = '**';

/** Hex of a command with its secret bytes shown as `**` (never the masked byte value 2A). */
export function maskedCommandHex(command: Uint8Array, reveal: boolean, maxBytes: number): string {
  const ranges = reveal ? [] : secretRanges(command);
  const masked = maskBytes(command, ranges);
  const hidden = new Set<number>();
  for (const r of ranges) for (let i = r.offset; i < r.offset + r.length; i++) hidden.add(i);
  const parts: string[] = [];
  const n = Math.min(masked.length, maxBytes);
  for (let i = 0; i < n; i++)
    parts.push(hidden.has(i) ? MASK_HEX : toHex(masked.subarray(i, i + 1)));
  return parts.join('') + (masked.length > n ? `…(${masked.length} bytes)` : '');
}

function shortHex(bytes: Uint8Array, maxBytes: number): string {
  return bytes.length <= maxBytes
    ? toHex(bytes)
    : `${toHex(bytes.subarray(0, maxBytes))}…(${bytes.length} bytes)`;
}

export function clockText(d: Date): string {
  return d.toISOString().slice(11, 23);
}

/** One line for one exchange (two when the card unwrapped secure messaging). */
export function formatExchange(
  tag: string,
  seq: number,
  e: ExchangeEvent,
  o: LiveLogOptions = {},
  now = new Date(),
): string {
  const reveal = o.revealSecrets ?? false;
  const max = o.maxBytes ?? 48;
  const ins = e.command.length >= 2 ? (e.command[1] as number) : -1;
  const sm = e.command.length >= 1 && claHasSm(e.command[0] as number);
  const name = `${sm ? '(SM) ' : ''}${ins >= 0 ? insName(ins) : '?'}`;
  const ms = ((e.tEnd - e.tStart) / 1000).toFixed(2);
  let line = `${clockText(now)} ${tag} #${seq} ${name.padEnd(14)} > ${maskedCommandHex(e.command, reveal, max)} < ${shortHex(e.response, max)}  ${ms} ms`;
  if (e.plainCommand) {
    line += `\n${' '.repeat(13)}plain > ${maskedCommandHex(e.plainCommand, reveal, max)}${e.plainResponse ? ` < ${shortHex(e.plainResponse, max)}` : ''}`;
  }
  for (const note of e.notes)
    line += `\n${' '.repeat(13)}note: ${reveal ? note : maskSecretsInText(note)}`;
  return line;
}

export function formatPower(tag: string, e: PowerEvent, now = new Date()): string {
  return `${clockText(now)} ${tag} ${e.kind}${e.atr ? ` (ATR ${toHex(e.atr)})` : ''}`;
}

export function formatNote(tag: string, text: string, now = new Date()): string {
  return `${clockText(now)} ${tag} ${text}`;
}
