/**
 * Status-word patterns of expectations: `9000`, `6Cxx` (any low byte), `63Cx` (any low nibble).
 * `success` is `9000`; `error` is any status that reports a failed command: SW1 `64`–`6F`
 * (ISO/IEC 7816-4:2020 §5.6 Table 5: "execution error" 64–66, "checking error" 67–6F) and the
 * `63xx` family (`6300` authentication failed, `63Cx` verification failed) — what ICAO Part 3
 * means by a negative step that does not pin a status word (emrtd/README.md §4.3).
 */
import { HostError } from '../../emulator/src/host-error.ts';
import { SW_9000_OK, describeSw, swHex } from '../../emulator/src/apdu/status-words.ts';

export class SwPatternError extends HostError {
  readonly code = 'SW_PATTERN';
}

const PATTERN = /^[0-9A-F]{2}([0-9A-F]{2}|xx|[0-9A-F]x)$/;

export function isErrorSw(sw: number): boolean {
  const sw1 = sw >> 8;
  return sw1 >= 0x63 && sw1 <= 0x6f;
}

/** True when `sw` matches one pattern. */
export function swMatches(sw: number, pattern: string): boolean {
  if (pattern === 'success') return sw === SW_9000_OK;
  if (pattern === 'error') return isErrorSw(sw);
  const p = pattern.toUpperCase().replace(/X/g, 'x');
  if (!PATTERN.test(p)) throw new SwPatternError(`not a status-word pattern: ${pattern}`);
  const text = swHex(sw);
  for (let i = 0; i < 4; i++) if (p[i] !== 'x' && p[i] !== text[i]) return false;
  return true;
}

export function swMatchesAny(sw: number, patterns: readonly string[]): boolean {
  return patterns.some((p) => swMatches(sw, p));
}

/** `6982 (Security status not satisfied)` for reports. */
export function swLabel(sw: number): string {
  return `${swHex(sw)} (${describeSw(sw).text})`;
}
