/**
 * The eMRTD application's state: volatile protocol machines (lost at power-off/reset, DESIGN.md
 * §4: one record, one reset path) and the non-volatile TA data (trust points, chip date).
 *
 * Security-status flags (checked by the file access conditions) all have scope `sm-session`, so a
 * plain command or an SM error revokes them together with the session (ICAO 9303-11 §9.8.4;
 * ICAO Part 3 B_37..B_54, C_13..C_18). The pipeline's session event ({@link
 * EmrtdState.sessionChanged}) drops the access record and the session-bound protocol states at the
 * same moment; Chip Authentication replaces the keys but keeps the rights.
 *
 * PACE runs one GENERAL AUTHENTICATE after the other: any other command in between abandons it
 * (ICAO Part 3 P_58..P_61). The state remembers the number of the command that last advanced it
 * ({@link EmrtdVolatile.paceAt}), so PACE notices an interleaved command when its next step
 * arrives, and no other command — of this or another application — runs eMRTD code.
 */
import type { CommandContext, SmSessionEvent } from '../../card/application.ts';
import { CA_IDLE, type CaCardState } from '../../protocols/chip-auth/ca-card.ts';
import { PACE_IDLE, type PaceCardState } from '../../protocols/pace/pace-card.ts';
import {
  TA_IDLE,
  type TaCardState,
  type TaPersistentState,
} from '../../protocols/terminal-auth/ta-card.ts';

/** Flag names of this application (access conditions are written with them). */
export const FLAG_ACCESS = 'emrtd:access';
export const FLAG_BAC = 'emrtd:bac';
export const FLAG_PACE = 'emrtd:pace';
export const FLAG_CA = 'emrtd:ca';
export const FLAG_TA_DG3 = 'emrtd:ta:dg3';
export const FLAG_TA_DG4 = 'emrtd:ta:dg4';

/** What the current SM session has achieved. */
export interface AccessRecord {
  readonly method: 'bac' | 'pace';
  readonly flags: readonly string[];
  /** ID_PICC for Terminal Authentication (README.md §2.7 item 5). */
  readonly idPicc: Uint8Array;
  /** Comp(PK_PCD) of a completed Chip Authentication. */
  readonly caCompPkPcd?: Uint8Array;
}

export interface EmrtdVolatile {
  pace: PaceCardState;
  /** `commandNumber` of the command that last advanced PACE. */
  paceAt: number;
  ca: CaCardState;
  ta: TaCardState;
  access: AccessRecord | undefined;
  /** Card-clock time (µs) of the last wrong PACE password, for the `refuse` delay mode. */
  lastPaceFailure: number | undefined;
}

export function freshVolatile(): EmrtdVolatile {
  return {
    pace: PACE_IDLE,
    paceAt: 0,
    ca: CA_IDLE,
    ta: TA_IDLE,
    access: undefined,
    lastPaceFailure: undefined,
  };
}

export class EmrtdState {
  volatile: EmrtdVolatile = freshVolatile();
  readonly persistent: TaPersistentState;

  constructor(persistent: TaPersistentState) {
    this.persistent = persistent;
  }

  powerReset(): void {
    this.volatile = freshVolatile();
  }

  /** The session ended or got new keys: its rights go, unless Chip Authentication keeps them. */
  sessionChanged(event: SmSessionEvent): void {
    if (event.kind === 'replaced' && event.rights === 'kept') return;
    const v = this.volatile;
    v.access = undefined;
    v.ca = CA_IDLE;
    v.ta = TA_IDLE;
  }

  /** PACE as the next step may continue it: abandoned when another command came in between. */
  pace(ctx: CommandContext): PaceCardState {
    const v = this.volatile;
    if (v.pace.step !== 'idle' && v.paceAt !== ctx.commandNumber - 1) {
      v.pace = PACE_IDLE;
      ctx.note('PACE abandoned: interleaved command');
    }
    return v.pace;
  }

  /** PACE advanced by the current command. */
  setPace(ctx: CommandContext, state: PaceCardState): void {
    this.volatile.pace = state;
    this.volatile.paceAt = ctx.commandNumber;
  }

  /** Records (and grants now) the rights of the session that starts after this response. */
  establish(ctx: CommandContext, record: AccessRecord): void {
    this.volatile.access = record;
    for (const f of record.flags) ctx.security.grant(f, 'sm-session');
  }
}
