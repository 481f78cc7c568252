/**
 * `pcscd --foreground --debug --apdu` logs (pcsc-lite `debuglog.c`): every line starts with the
 * microseconds since the previous line (8 digits), optionally a `[thread]` id and ANSI colours;
 * `APDU: ` lines carry the command and `SW: ` lines the whole response (data ‖ SW1 SW2), both as
 * spaced upper-case hex. `Card ATR: ` lines (reader events) become power-on events. Every other
 * pcscd message is log noise, counted in the import result. A `SW:` line whose bytes cannot be read
 * (a published log with redacted `XX` bytes) leaves its command incomplete, with a warning.
 */
import { parseCommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import type { ExchangeAssembler } from '../assembler.ts';
import { parseLogHex, stripAnsi } from '../hex-tokens.ts';
import type { LogFormat } from './format.ts';

const LINE = /^\s*(\d{8})\s+(?:\[[^\]]*\]\s+)?(.*)$/;
const APDU = /(?:^|\s)APDU: ?(.*)$/;
const SW = /(?:^|\s)SW: ?(.*)$/;
const ATR = /Card ATR: ?([0-9A-Fa-f ]+)/;
const REMOVED = /Card Removed/i;

export const pcscdFormat: LogFormat = {
  id: 'pcscd',
  title: 'pcscd --foreground --debug --apdu log',
  detect(lines) {
    let n = 0;
    for (const raw of lines) {
      const m = LINE.exec(stripAnsi(raw));
      if (m && (APDU.test(m[2] ?? '') || SW.test(m[2] ?? ''))) n++;
    }
    return n;
  },
  parse(lines, asm) {
    let t = 0;
    lines.forEach((raw, i) => parseLine(stripAnsi(raw), i + 1, asm, (delta) => (t += delta)));
  },
};

function parseLine(
  text: string,
  line: number,
  asm: ExchangeAssembler,
  advance: (d: number) => number,
): void {
  if (text.trim() === '') return;
  const m = LINE.exec(text);
  if (!m) {
    asm.unknown(line, text, 'not a pcscd log line');
    return;
  }
  const t = advance(Number(m[1]));
  const msg = m[2] ?? '';
  const apdu = APDU.exec(msg);
  const sw = apdu ? undefined : SW.exec(msg);
  const hexText = (apdu ?? sw)?.[1];
  if (hexText !== undefined) {
    const hex = parseLogHex(hexText);
    if (hex === undefined) {
      // A response that cannot be read (redacted `XX`) must not pair with anything later.
      if (apdu) asm.unknown(line, text, 'APDU line without hex');
      else asm.unparsableResponse(line, text, 'SW line whose bytes cannot be read');
      return;
    }
    if (apdu) {
      if (!hex.truncated) checkCommandLength(hex.bytes, line, asm);
      asm.command(hex.bytes, line, t, hex.truncated);
    } else asm.response(hex.bytes, line, t, hex.truncated);
    return;
  }
  const atr = ATR.exec(msg);
  if (atr) {
    const hex = parseLogHex(atr[1] ?? '');
    if (hex) asm.event('power-on', line, t, hex.bytes);
    return;
  }
  if (REMOVED.test(msg)) {
    asm.event('power-off', line, t);
    return;
  }
  asm.ignore(line, 'pcscd message');
}

/** Older pcsc-lite versions cut long `APDU:` lines at their buffer size: flag lengths that disagree. */
function checkCommandLength(bytes: Uint8Array, line: number, asm: ExchangeAssembler): void {
  try {
    parseCommandApdu(bytes);
  } catch (e) {
    asm.diagnose(
      line,
      'warning',
      'LENGTH_MISMATCH',
      `command length inconsistent with its length fields (${(e as Error).message}); the log line may be cut`,
    );
  }
}
