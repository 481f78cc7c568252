/**
 * Everything the eMRTD handlers share: state, behaviour options and the chip's key material,
 * prepared once from the personalisation (DESIGN.md rule 5: handlers get a narrow port).
 */
import type { CommandContext } from '../../card/application.ts';
import type { BacKeys } from '../../protocols/bac/bac-keys.ts';
import type { ChipAuthKey } from '../../protocols/chip-auth/ca-card.ts';
import {
  rngEntropy,
  type PaceCardConfig,
  type PaceEntropy,
} from '../../protocols/pace/pace-card.ts';
import type { EmrtdOptions } from './emrtd-options.ts';
import type { EmrtdState } from './emrtd-state.ts';

export interface EmrtdRuntime {
  readonly state: EmrtdState;
  readonly options: EmrtdOptions;
  readonly pace: PaceCardConfig;
  readonly bacKeys: BacKeys;
  readonly caKeys: readonly ChipAuthKey[];
  /** ID_PICC after BAC: document number ‖ check digit (ASCII). */
  readonly documentIdPicc: Uint8Array;
  /** Blocks for `ms` milliseconds (the `stall` delay mode); injectable for tests. */
  readonly stall: (ms: number) => void;
  /** Chip randomness for PACE; defaults to the card's injected RNG (KATs replace it). */
  readonly paceEntropy: (ctx: CommandContext) => PaceEntropy;
}

/** Default `stall`: a synchronous sleep, as an unresponsive chip holds the reader. */
export function blockingStall(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function defaultPaceEntropy(ctx: CommandContext): PaceEntropy {
  return rngEntropy(ctx.rng);
}
