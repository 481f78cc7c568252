/**
 * Hex as it appears in logs: `00 A4 04 0C`, `00-A4-04-0C`, `00:A4`, `00A4040C`, upper or lower
 * case. A trailing odd digit means the log cut the bytes short (`…-8E-0`): the whole bytes are
 * kept and the result says `truncated`.
 */

export interface LogHex {
  readonly bytes: Uint8Array;
  /** The text ended inside a byte (odd number of hex digits in the last group). */
  readonly truncated: boolean;
}

const HEX_RUN = /^[0-9A-Fa-f\s:,-]*$/;

/** Parses log hex; returns undefined when `text` holds anything but hex digits and separators. */
export function parseLogHex(text: string): LogHex | undefined {
  const t = text.trim();
  if (!HEX_RUN.test(t)) return undefined;
  const groups = t.split(/[\s:,-]+/).filter((g) => g !== '');
  const digits: string[] = [];
  let truncated = false;
  let invalid = false;
  groups.forEach((g, i) => {
    if (g.length % 2 === 1) {
      if (i === groups.length - 1) {
        truncated = true;
        digits.push(g.slice(0, -1));
        return;
      }
      // An odd group in the middle is not log hex (e.g. a decimal number).
      invalid = true;
    }
    digits.push(g);
  });
  const all = digits.join('');
  if (invalid || all.length % 2 === 1) return undefined;
  const bytes = new Uint8Array(all.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(all.slice(2 * i, 2 * i + 2), 16);
  return { bytes, truncated };
}

/** True when the whole text is hex bytes and separators (a continuation line). */
export function isHexOnly(text: string): boolean {
  const t = text.trim();
  return t !== '' && HEX_RUN.test(t) && /[0-9A-Fa-f]{2}/.test(t);
}

/** Removes ANSI colour escapes (pcscd --color, OpenSC, pcsc-spy). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/** A comment line of any log: `#` first (the source headers of the committed real traces). */
export const COMMENT_LINE = /^\s*#/;

/**
 * A gap marker in an excerpt of a log: `[... truncated ...]`, `[... gap of unknown size ...]`,
 * `=== excerpt 2 (…) ===`. Whatever follows is not the continuation of what precedes.
 */
export function isGapMarker(text: string): boolean {
  const t = text.trim();
  return /^\[\s*(\.\.\.|…).*\]$/.test(t) || /^={3,}\s+\S.*\S\s+={3,}$/.test(t);
}
