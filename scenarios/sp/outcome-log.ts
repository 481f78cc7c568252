/**
 * The log of outcomes a reference service provider keeps (the SAML SP's ACS outcomes, the OpenID
 * relying party's callback and logout outcomes), which tests and the scenario runner read and
 * wait on. Typed by the outcome record; the waiting is the shared awaitable log.
 */
import { AwaitableLog } from '../../emulator/src/awaitable-log.ts';
import { HostError, type FailureKind } from '../../emulator/src/host-error.ts';

/** What every session of a reference service provider carries. */
export interface SessionRecord {
  readonly id: string;
  readonly createdAt: string;
}

/** The outcome that opened a session (the first member of every outcome union). */
export interface LoginOutcome<S extends SessionRecord> {
  readonly kind: 'login';
  readonly at: string;
  readonly session: S;
}

/** No outcome arrived in time: the login did not reach the SP (a verdict, exit 1). */
export class SpTimeoutError extends HostError {
  readonly code = 'SP_WAIT_TIMEOUT';
  override get kind(): FailureKind {
    return 'verdict';
  }
}

/** A reference service provider's log of outcomes `O`, with the API its callers use. */
export class OutcomeLog<O extends object> extends AwaitableLog<O> {
  /**
   * @param what - the outcomes' name in the timeout message ("ACS outcome").
   * @param keep - keep only the newest `keep` outcomes (default: all).
   */
  constructor(what: string, keep?: number) {
    super({
      ...(keep === undefined ? {} : { keep }),
      timeoutError: (ms) => new SpTimeoutError(`no matching ${what} within ${ms} ms`),
    });
  }

  /** The outcomes, oldest first (the same array as `entries`). */
  get outcomes(): O[] {
    return this.entries;
  }

  record(outcome: O): void {
    this.push(outcome);
  }

  /**
   * The first outcome with index ≥ `from` (default: the next one to arrive) that satisfies
   * `match`; rejects with {@link SpTimeoutError} after `timeoutMs`.
   */
  waitForOutcome(
    match: (o: O) => boolean = () => true,
    timeoutMs = 60_000,
    from = this.entries.length,
  ): Promise<O> {
    return this.waitFor(match, timeoutMs, from);
  }
}
