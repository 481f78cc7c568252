/**
 * Byte masks for normalisation: a normalised byte string is an array of byte values where a
 * masked byte is `MASKED`. Masks follow BER-TLV structure, so tags and lengths stay compared
 * while the values a rule names are hidden.
 */
import { parseTlvTree, type Tlv } from '../../emulator/src/bytes/ber-tlv.ts';

export const MASKED = -1;
export type Masked = number[];

export function maskable(bytes: Uint8Array): Masked {
  return Array.from(bytes);
}

export function maskRange(m: Masked, start: number, end = m.length): boolean {
  let changed = false;
  for (let i = Math.max(0, start); i < Math.min(end, m.length); i++) {
    if (m[i] !== MASKED) {
      m[i] = MASKED;
      changed = true;
    }
  }
  return changed;
}

/**
 * Masks the values of the data objects reached by `paths` (each a list of tags from the top
 * level, e.g. `[0x7c, 0x80]`). Returns whether anything was masked. Data that does not parse as
 * BER-TLV is left alone (the structure comparison will report it).
 */
export function maskTlvValues(
  m: Masked,
  bytes: Uint8Array,
  paths: ReadonlyArray<readonly number[]>,
): boolean {
  let list: Tlv[];
  try {
    list = parseTlvTree(bytes);
  } catch {
    return false;
  }
  let changed = false;
  const walk = (
    nodes: readonly Tlv[],
    depth: number,
    live: ReadonlyArray<readonly number[]>,
  ): void => {
    for (const n of nodes) {
      const next = live.filter((p) => p[depth] === n.tag);
      if (next.length === 0) continue;
      if (next.some((p) => p.length === depth + 1)) {
        const start = n.value.byteOffset - bytes.byteOffset;
        changed = maskRange(m, start, start + n.value.length) || changed;
      } else if (n.children) walk(n.children, depth + 1, next);
    }
  };
  walk(list, 0, paths);
  return changed;
}

/** Upper-case hex with `··` for masked bytes. */
export function maskedHex(m: Masked): string {
  return m
    .map((b) => (b === MASKED ? '··' : b.toString(16).toUpperCase().padStart(2, '0')))
    .join('');
}
