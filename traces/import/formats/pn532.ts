/**
 * The serial log of the italia/cie-PN532 Arduino library (a PN532 NFC reader; examples such as
 * `cie-ReadAll` with `cie.verbose = true`), as users post it (italia/cie-PN532 issues 3 and 5):
 *
 * ```
 * File or application not found 0x6A 0x82                       status word of a failed command
 * Command (failure): 0x00 0xA4 0x04 0x0C 0x0D 0xA0 … 0x01        the command, after the exchange
 * Command (success): 0x00 0xA4 0x00 0x0C 0x02 0x3F 0x00           success = status word 9000
 * ```
 * The sketch prints commands, not responses: a `success` line is an exchange answered `90 00`, a
 * `failure` line takes the status word of the status message printed just before it (the
 * library's `hasSuccessStatusWord` messages). A failure without such a line, or with the status
 * `0x00 0x00` (no status word in the PN532 frame), is a transport failure: the exchange is
 * incomplete. Response data is never logged, so every exchange is `responseDataUnknown` (the
 * diff compares status words only). A command whose bytes do not form an APDU (`… 0x80 0x`, or a
 * line cut by the copy) is truncated. Reader and sketch messages (`Found chip PN532`,
 * `TIMEOUT!`, `We have … bytes of memory left`, `EF_SN_ICC (12 bytes, 651 ms) …`, `Couldn't …`)
 * are counted as noise; `Tag number: n` (a card detected) is a power-on event.
 */
import { parseCommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import type { ExchangeAssembler } from '../assembler.ts';
import type { LogFormat } from './format.ts';

const COMMAND = /^\s*Command \((success|failure)\):\s*(.*)$/;
/** The status messages of cie_PN532::hasSuccessStatusWord, then the two SW bytes. */
const STATUS =
  /^\s*(Warning selected file deactivated|The selected file is in terminate state|End of file\/record reached before reading Le bytes|File or application not found|Incorrect parameters P1-P2|Nc inconsistent with parameters P1-P2|Unknown? error)\s+0x([0-9A-Fa-f]{2})\s+0x([0-9A-Fa-f]{2})\s*$/;
const TAG = /^\s*Tag number:\s*\d+\s*$/;
const NOISE: readonly RegExp[] = [
  /^\s*Found chip PN5/,
  /^\s*Firmware ver\./,
  /^\s*PN53x initialized/,
  /^\s*Didn't find PN53x/,
  /^\s*TIMEOUT!\s*$/,
  /^\s*We have \d+ bytes of memory left/,
  /^\s*Couldn't /,
  /^\s*Error reading /,
  /^\s*EF_[A-Za-z_]+ \(\d+ bytes, \d+ ms\)/,
];

/** `0x00 0xA4 …`: the bytes, and whether the last token was cut (`0x`, `0x8`). */
function parseBytes(text: string): { bytes: Uint8Array; truncated: boolean } | undefined {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return undefined;
  const out: number[] = [];
  for (const [i, tok] of tokens.entries()) {
    const m = /^0x([0-9A-Fa-f]{2})$/.exec(tok);
    if (m) {
      out.push(parseInt(m[1] ?? '', 16));
      continue;
    }
    // A last token cut by the copy: `0`, `0x`, `0x8`.
    if (i === tokens.length - 1 && /^0(x[0-9A-Fa-f]?)?$/.test(tok))
      return { bytes: Uint8Array.from(out), truncated: true };
    return undefined;
  }
  return { bytes: Uint8Array.from(out), truncated: false };
}

const isApdu = (b: Uint8Array): boolean => {
  try {
    parseCommandApdu(b);
    return true;
  } catch {
    return false;
  }
};

export const pn532Format: LogFormat = {
  id: 'pn532',
  title: 'italia/cie-PN532 Arduino serial log (Command (success|failure): 0x.. lines)',
  detect(lines) {
    return lines.filter((l) => COMMAND.test(l)).length;
  },
  parse(lines, asm) {
    let status: { sw: Uint8Array; line: number } | undefined;
    lines.forEach((text, i) => {
      const line = i + 1;
      if (text.trim() === '') return;
      const st = STATUS.exec(text);
      if (st) {
        status = { sw: Uint8Array.of(parseInt(st[2] ?? '', 16), parseInt(st[3] ?? '', 16)), line };
        return asm.ignore(line, 'status message');
      }
      const cmd = COMMAND.exec(text);
      if (cmd) {
        command(cmd[1] === 'success', cmd[2] ?? '', text, line, asm, status);
        status = undefined;
        return;
      }
      if (TAG.test(text)) return asm.event('power-on', line, undefined, undefined, text.trim());
      if (NOISE.some((r) => r.test(text))) return asm.ignore(line, 'sketch message');
      asm.unknown(line, text);
    });
  },
};

function command(
  success: boolean,
  hexText: string,
  text: string,
  line: number,
  asm: ExchangeAssembler,
  status: { sw: Uint8Array; line: number } | undefined,
): void {
  const parsed = parseBytes(hexText);
  if (parsed === undefined) return asm.unknown(line, text, 'Command line without 0x.. bytes');
  // The sketch prints the whole command buffer: bytes that do not form an APDU were cut by the copy.
  const truncated = parsed.truncated || !isApdu(parsed.bytes);
  asm.command(parsed.bytes, line, undefined, truncated);
  if (success) return asm.response(Uint8Array.of(0x90, 0x00), line, undefined, false, true);
  if (status && (status.sw[0] !== 0 || status.sw[1] !== 0))
    return asm.response(status.sw, line, undefined, false, true);
  asm.failed(
    line,
    status
      ? `status 0x00 0x00 at line ${status.line}: no status word in the PN532 frame (transport)`
      : 'failure without a status message: the PN532 exchange itself failed',
  );
}
