/**
 * Class byte decoding, ISO/IEC 7816-4:2020 §5.4.1 (Tables 2 and 3).
 *
 * ```
 * first interindustry   000x xxxx   b5 = chaining, b4-b3 = SM indication, b2-b1 = channel 0..3
 * further interindustry 01xx xxxx   b6 = SM (header not processed), b5 = chaining, b4-b1 = channel 4..19
 * 001x xxxx                         RFU
 * 1xxx xxxx (not FF)                proprietary
 * FF                                invalid (PPS)
 * ```
 */

export type SmIndication =
  'none' | 'proprietary' | 'header-not-authenticated' | 'header-authenticated';

export interface ClaInfo {
  readonly kind: 'interindustry' | 'proprietary' | 'invalid';
  readonly chaining: boolean;
  readonly sm: SmIndication;
  readonly channel: number;
}

const SM_BITS: readonly SmIndication[] = [
  'none',
  'proprietary',
  'header-not-authenticated',
  'header-authenticated',
];

export const CLA_CHAINING_BIT = 0x10;
export const CLA_SM_BITS = 0x0c;

function computeCla(cla: number): ClaInfo {
  if (cla === 0xff || (cla & 0xe0) === 0x20)
    return { kind: 'invalid', chaining: false, sm: 'none', channel: 0 };
  if ((cla & 0x80) !== 0) return { kind: 'proprietary', chaining: false, sm: 'none', channel: 0 };
  if ((cla & 0x40) === 0) {
    return {
      kind: 'interindustry',
      chaining: (cla & CLA_CHAINING_BIT) !== 0,
      sm: SM_BITS[(cla >> 2) & 3] ?? 'none',
      channel: cla & 3,
    };
  }
  return {
    kind: 'interindustry',
    chaining: (cla & CLA_CHAINING_BIT) !== 0,
    sm: (cla & 0x20) !== 0 ? 'header-not-authenticated' : 'none',
    channel: 4 + (cla & 0x0f),
  };
}

/** True when the CLA announces secure messaging (any SM indication). */
export function claHasSm(cla: number): boolean {
  return decodeCla(cla).sm !== 'none';
}

/** Precomputed for all 256 values: CLA decoding runs on every APDU. */
const CLA_TABLE: readonly ClaInfo[] = Array.from({ length: 256 }, (_, c) =>
  Object.freeze(computeCla(c)),
);

export function decodeCla(cla: number): ClaInfo {
  return CLA_TABLE[cla & 0xff] as ClaInfo;
}
