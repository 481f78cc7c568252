/**
 * Plain hex logs, one APDU per line, written by test tools and by hand:
 *
 * ```
 * C: 00 A4 04 0C 07 A0 00 00 02 47 10 01        >> 00A4040C07A0000002471001
 * R: 90 00                                      << 9000
 * ```
 * Command prefixes `C:` `>>` `->` `TX:` `C-APDU:`; response prefixes `R:` `<<` `<-` `RX:`
 * `R-APDU:`. Hex may be spaced or compact, upper or lower case. A line holding only hex
 * continues the previous APDU (long APDUs wrapped by an editor). `#`, `//` and `;` start
 * comments. A response line whose bytes are not all hex (an edited fixture) leaves its command
 * incomplete, with a warning. Anything else is reported as an unknown line.
 */
import { isHexOnly, parseLogHex, stripAnsi } from '../hex-tokens.ts';
import type { LogFormat } from './format.ts';

type Direction = 'command' | 'response';

/** Prefix → direction, longest first so `<<` wins over `<`. */
const PREFIXES: ReadonlyArray<readonly [RegExp, Direction]> = [
  [/^C-APDU\s*:\s*/i, 'command'],
  [/^R-APDU\s*:\s*/i, 'response'],
  [/^TX\s*:\s*/i, 'command'],
  [/^RX\s*:\s*/i, 'response'],
  [/^C\s*:\s*/, 'command'],
  [/^R\s*:\s*/, 'response'],
  [/^>>\s*/, 'command'],
  [/^<<\s*/, 'response'],
  [/^->\s*/, 'command'],
  [/^<-\s*/, 'response'],
];

const COMMENT = /^\s*(#|\/\/|;)/;

interface Open {
  readonly direction: Direction;
  readonly line: number;
  bytes: number[];
  truncated: boolean;
}

export const hexLogFormat: LogFormat = {
  id: 'hex',
  title: 'plain hex log (C:/R: or >>/<<)',
  detect(lines) {
    return lines.filter((l) => classify(l.trim()) !== undefined).length;
  },
  parse(lines, asm) {
    let open: Open | undefined;
    const close = (): void => {
      if (open === undefined) return;
      const bytes = Uint8Array.from(open.bytes);
      if (open.direction === 'command') asm.command(bytes, open.line, undefined, open.truncated);
      else asm.response(bytes, open.line, undefined, open.truncated);
      open = undefined;
    };
    lines.forEach((raw, i) => {
      const line = i + 1;
      const text = stripAnsi(raw).trim();
      if (text === '') return;
      if (COMMENT.test(text)) return asm.ignore(line, 'comment');
      const c = classify(text);
      if (c) {
        close();
        const hex = parseLogHex(c.rest);
        if (hex === undefined)
          return c.direction === 'response'
            ? asm.unparsableResponse(line, text, 'response line whose bytes cannot be read')
            : asm.unknown(line, text, 'command line without hex');
        open = { direction: c.direction, line, bytes: [...hex.bytes], truncated: hex.truncated };
        return;
      }
      if (open && !open.truncated && isHexOnly(text)) {
        const hex = parseLogHex(text);
        if (hex) {
          open.bytes.push(...hex.bytes);
          open.truncated = hex.truncated;
          return;
        }
      }
      close();
      // A prefixed line whose bytes are not all hex (a redacted or edited response): unreadable.
      const p = prefixOf(text);
      if (p?.direction === 'response' && /[0-9A-Fa-f]{8}/.test(p.rest))
        return asm.unparsableResponse(line, text, 'response line whose bytes cannot be read');
      asm.unknown(line, text);
    });
    close();
  },
};

function prefixOf(text: string): { direction: Direction; rest: string } | undefined {
  for (const [re, direction] of PREFIXES) {
    const m = re.exec(text);
    if (m) return { direction, rest: text.slice(m[0].length) };
  }
  return undefined;
}

function classify(text: string): { direction: Direction; rest: string } | undefined {
  const p = prefixOf(text);
  return p && isHexOnly(p.rest) ? p : undefined;
}
