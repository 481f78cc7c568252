/**
 * Applications plug their command tables into the pipeline (DESIGN.md rule 2, the OpenSC
 * `iso_ops` pattern): a table is built by spreading the ISO table and overriding named entries.
 */
import type { CommandApdu } from '../apdu/command-apdu.ts';
import type { ResponseApdu } from '../apdu/response-apdu.ts';
import type { Clock } from '../crypto/clock.ts';
import type { Rng } from '../crypto/rng.ts';
import type { AccessCondition } from '../iso7816/access.ts';
import type { FileSystem } from '../iso7816/fs/file-system.ts';
import type { DfNode, EfNode, FsNode } from '../iso7816/fs/nodes.ts';
import type { SecurityEnvironment } from '../security/security-environment.ts';
import type { SecurityStatus } from '../security/security-status.ts';
import type { SmSession } from '../sm/sm-session.ts';
import type { CardOptions } from './card-options.ts';

/**
 * How a command takes part in command chaining (ISO/IEC 7816-4:2020 §5.3.3):
 * `accumulate` joins the data of all segments and runs the handler once (answering `9000` to
 * the others), `per-segment` runs the handler for every segment (`ctx.chained` tells whether
 * more follow: the PACE GENERAL AUTHENTICATE dialogue), `refuse` answers `6884`.
 */
export type ChainingMode = 'accumulate' | 'per-segment' | 'refuse';

export type CommandHandler = (ctx: CommandContext, apdu: CommandApdu) => ResponseApdu;

export interface HandlerEntry {
  readonly handle: CommandHandler;
  readonly chaining?: ChainingMode;
  /** Checked before the handler runs; unmet → `6982`. */
  readonly requires?: AccessCondition;
}

export type HandlerTable = ReadonlyMap<number, HandlerEntry>;

/**
 * What happened to the card's secure-messaging session. The pipeline tells every application once,
 * whichever application is current, so state bound to a session (the IAS DAPP channel, the eMRTD
 * access rights) is dropped in one place and never re-derived by comparing keys:
 * - `ended`: a plain command, an SM error, a command refused before SM processing, an error
 *   answered in plain, or the application ended it (power-off and reset go to `powerReset`);
 * - `replaced`: new session keys; `rights: 'kept'` when the handler keeps the access rights
 *   (ICAO 9303-11 §6.2: Chip Authentication), `'revoked'` otherwise.
 * A counter re-seed with the same keys (the IAS DAPP) is the same session: no event.
 */
export type SmSessionEvent =
  | { readonly kind: 'ended'; readonly reason: string }
  | { readonly kind: 'replaced'; readonly rights: 'kept' | 'revoked' };

export interface Application {
  readonly id: string;
  readonly handlers: HandlerTable;
  /** Whether proprietary class bytes (`8x`–`Fx`) are accepted; otherwise they get `6E00`. */
  readonly proprietaryCla?: boolean;
  /** Drops every volatile state of the application (power-off, reset). */
  powerReset?(): void;
  /** Called when selection makes this application current. */
  activated?(ctx: CommandContext): void;
  /** The secure-messaging session ended or was replaced (see {@link SmSessionEvent}). */
  smSessionChanged?(event: SmSessionEvent, ctx: CommandContext): void;
}

export interface SmReplaceOptions {
  readonly keepFlags?: boolean;
}

/** What a handler may see and do (DESIGN.md rule 5: a narrow port, not the whole card). */
export interface CommandContext {
  readonly fs: FileSystem;
  readonly options: CardOptions;
  readonly rng: Rng;
  readonly clock: Clock;
  readonly security: SecurityStatus;
  readonly se: SecurityEnvironment;
  readonly currentDf: DfNode;
  readonly currentEf: EfNode | undefined;
  readonly application: Application;
  /** Makes `node` current (DF: current DF, no current EF; EF: current EF and its parent DF). */
  select(node: FsNode): void;
  /** True when the command arrived secure-messaging protected. */
  readonly smProtected: boolean;
  readonly smSession: SmSession | undefined;
  /**
   * Replaces (or ends, with undefined) the SM session once the current response has been
   * produced; the response itself still uses the session the command arrived under. The old
   * session's rights end at this call: `sm-session` flags are revoked and the applications get
   * the {@link SmSessionEvent} now, so a handler sets up the new session's state after calling
   * it. Flags survive when the keys stay the same (a counter re-seed, e.g. after the IAS DAPP)
   * or when `keepFlags` is set (a re-key that keeps the access rights, e.g. ICAO Chip
   * Authentication after PACE/BAC); ending the session always revokes them.
   */
  setSmSessionAfterResponse(session: SmSession | undefined, options?: SmReplaceOptions): void;
  /**
   * Number of this command since power-on: every command dispatched to an application counts,
   * so a protocol can tell that another command came in between two of its steps.
   */
  readonly commandNumber: number;
  /** In `per-segment` chaining: more segments of this chain follow. */
  readonly chained: boolean;
  /** The last GET CHALLENGE value, until consumed. */
  challenge: Uint8Array | undefined;
  /** Adds a remark to the exchange's trace record. */
  note(text: string): void;
}
