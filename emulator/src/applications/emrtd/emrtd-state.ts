/**
 * The eMRTD application's state: volatile protocol machines (lost at power-off/reset, DESIGN.md
 * §4: one record, one reset path) and the non-volatile TA data (trust points, chip date).
 *
 * Security-status flags (checked by the file access conditions) all have scope `sm-session`, so a
 * plain command or an SM error revokes them together with the session (ICAO 9303-11 §9.8.4;
 * ICAO Part 3 B_37..B_54, C_13..C_18).
 */
import { equalBytes } from '../../bytes/bytes.ts';
import type { CommandContext } from '../../card/application.ts';
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

/** What the current SM session has achieved, remembered by its MAC key. */
export interface AccessRecord {
  readonly method: 'bac' | 'pace';
  /** K_mac of the session these rights belong to (identifies it across SSC changes). */
  readonly kMac: Uint8Array;
  readonly flags: readonly string[];
  /** ID_PICC for Terminal Authentication (README.md §2.7 item 5). */
  readonly idPicc: Uint8Array;
  /** Comp(PK_PCD) of a completed Chip Authentication. */
  readonly caCompPkPcd?: Uint8Array;
}

export interface EmrtdVolatile {
  pace: PaceCardState;
  ca: CaCardState;
  ta: TaCardState;
  access: AccessRecord | undefined;
  /** Card-clock time (µs) of the last wrong PACE password, for the `refuse` delay mode. */
  lastPaceFailure: number | undefined;
}

export function freshVolatile(): EmrtdVolatile {
  return {
    pace: PACE_IDLE,
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

  /**
   * Drops the access record and the session-bound protocol states when the session they belong
   * to is gone (no session, or another application's session).
   */
  sync(ctx: CommandContext): void {
    const v = this.volatile;
    const session = ctx.smSession;
    if (!session) {
      if (v.access) {
        v.access = undefined;
        v.ca = CA_IDLE;
        v.ta = TA_IDLE;
      }
      return;
    }
    if (!v.access || equalBytes(session.kMac, v.access.kMac)) return;
    // Another application's session (e.g. the IAS DH session): nothing of ours applies.
    v.access = undefined;
    v.ca = CA_IDLE;
    v.ta = TA_IDLE;
  }

  /** Records (and grants now) the rights of the session that starts after this response. */
  establish(ctx: CommandContext, record: AccessRecord): void {
    this.volatile.access = record;
    for (const f of record.flags) ctx.security.grant(f, 'sm-session');
  }
}
