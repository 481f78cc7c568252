/**
 * Card-type detection as the clients do it (ias/README.md §1.2–1.3):
 *
 * - desktop: walk `atr_list` in table order; a signature matches when it is a *multiset subset*
 *   of the ATR (both sorted; not a contiguous substring); first hit wins; no hit = "CIE not
 *   recognized". Types before NXP in the enum select the IAS by AID, the others with
 *   `00 A4 00 00`; only Gemalto asks for the whole DH template in one GET DATA (Linux/Windows).
 * - mobile: no ATR; the example apps classify EF.ATR (2F01) by byte patterns (`contains`).
 */
import { fromHex } from '../../../emulator/src/bytes/hex.ts';

export type MiddlewareType =
  | 'CIE_NXP'
  | 'CIE_Gemalto'
  | 'CIE_Gemalto2'
  | 'CIE_STM'
  | 'CIE_STM2'
  | 'CIE_STM3'
  | 'CIE_ACTALIS'
  | 'CIE_ACTALIS2'
  | 'Actalis_B946'
  | 'CIE_BIT4ID'
  | 'CIE_BIT4ID2'
  | 'CIE_BIT4ID3';

const itj4 = (letter: string, tck: string): string =>
  `80 01 80 31 80 65 49 54 4A 34 ${letter} 12 0F FF 82 90 00 ${tck}`;

/** `atr_list` in walk order (MWL/MWW ATR.cpp; Actalis_B946 from the macOS table, §1.1–1.2). */
export const ATR_SIGNATURES: readonly (readonly [MiddlewareType, Uint8Array])[] = [
  ['CIE_NXP', fromHex('80 31 80 65 49 54 4E 58 50')],
  ['CIE_Gemalto', fromHex('80 31 80 65 B0 85 04 00 11')],
  ['CIE_Gemalto2', fromHex('80 31 80 65 B0 85 03 00 EF')],
  ['CIE_STM', fromHex('80 66 47 50 00 B8 00 7F')],
  ['CIE_STM2', fromHex('80 80 01 01')],
  ['CIE_STM3', fromHex('80 01 80 66 47 50 00 B8 00 94 82 90 00 C5')],
  ['CIE_ACTALIS', fromHex(itj4('41', '88'))],
  ['CIE_ACTALIS2', fromHex(itj4('43', '8A'))],
  ['Actalis_B946', fromHex(itj4('4C', '85'))],
  ['CIE_BIT4ID', fromHex(itj4('42', '8B'))],
  ['CIE_BIT4ID2', fromHex(itj4('44', '8D'))],
  ['CIE_BIT4ID3', fromHex(itj4('49', '80'))],
];

/** Linux/Windows enum order (ATR.h): everything from NXP on selects with `00 A4 00 00`. */
const SELECT_BY_AID: ReadonlySet<MiddlewareType> = new Set([
  'CIE_Gemalto',
  'CIE_Gemalto2',
  'CIE_STM',
  'CIE_STM2',
  'CIE_STM3',
]);

/** Multiset inclusion of `signature` in `atr` (the desktop's `IsSubset` after sorting). */
export function isMultisetSubset(signature: Uint8Array, atr: Uint8Array): boolean {
  const counts = new Map<number, number>();
  for (const b of atr) counts.set(b, (counts.get(b) ?? 0) + 1);
  for (const b of signature) {
    const n = counts.get(b) ?? 0;
    if (n === 0) return false;
    counts.set(b, n - 1);
  }
  return true;
}

export function detectFromAtr(atr: Uint8Array): MiddlewareType | undefined {
  return ATR_SIGNATURES.find(([, sig]) => isMultisetSubset(sig, atr))?.[0];
}

export interface DesktopBehaviour {
  readonly iasSelect: 'aid' | 'mf';
  readonly getData: 'template' | 'separate';
}

export function desktopBehaviour(type: MiddlewareType): DesktopBehaviour {
  return {
    iasSelect: SELECT_BY_AID.has(type) ? 'aid' : 'mf',
    getData: type === 'CIE_Gemalto' ? 'template' : 'separate',
  };
}

export type EfAtrFamily = 'Gemalto' | 'Actalis' | 'ST' | 'NXP';

/** EF.ATR patterns of the mobile example apps (§1.4), most specific first. */
const EF_ATR_PATTERNS: readonly (readonly [EfAtrFamily, Uint8Array])[] = [
  ['Gemalto', fromHex('49 61 73 45 63 63 52 6F 6F 74')],
  [
    'Actalis',
    fromHex(
      '80 00 43 01 B8 46 04 10 10 10 10 47 03 94 01 E0 7F 66 08 02 02 04 D6 02 02 07 E3 E0 10 02 02 01 04 02 02 00 E6 02 02 00 E6 02 02 00 E6 78 08 06 06 2B 81 22 F8 78 02',
    ),
  ],
  [
    'ST',
    fromHex(
      '80 00 43 01 B9 46 04 00 00 00 10 47 03 94 01 81 4F 0C A0 00 00 00 95 00 00 00 00 8A 00 01 E0 10 02 02 00 FF 02 02 00 FF 02 02 01 00 02 02 01 00 78 08 06 06 2B 81 22 F8 78 02 82 02 90 00',
    ),
  ],
  [
    'NXP',
    fromHex(
      '80 00 43 01 B8 46 04 10 10 10 10 47 03 94 01 80 E0 10 02 02 01 04 02 02 00 E6 02 02 00 E6 02 02 00 E6 78 08 06 06 2B 81 22 F8 78 02 82 02 90 00',
    ),
  ],
];

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

export function detectFromEfAtr(efAtr: Uint8Array): EfAtrFamily | undefined {
  return EF_ATR_PATTERNS.find(([, pattern]) => contains(efAtr, pattern))?.[0];
}
