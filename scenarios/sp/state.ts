/**
 * In-memory state of the reference SP: issued requests (for the InResponseTo, IssueInstant and
 * authentication-context checks), issued RelayState tokens, sessions, and the log of ACS outcomes
 * that tests and the scenario runner wait on. Entries expire on a clock that is injected, so tests
 * never sleep.
 */
import { EventEmitter } from 'node:events';
import { HostError, type FailureKind } from '../../emulator/src/host-error.ts';
import type { CieLoginFacts, SamlStatus } from './acs-checks.ts';
import type { IssuedRequest } from './cie-saml.ts';

/** A logged-in user of the SP. */
export interface SpSession extends CieLoginFacts {
  readonly id: string;
  readonly createdAt: string;
  readonly requestId: string | undefined;
  readonly idpEntityId: string;
}

/** What the ACS made of one POST. */
export type AcsOutcome =
  | { readonly kind: 'login'; readonly at: string; readonly session: SpSession }
  | {
      readonly kind: 'idp-error';
      readonly at: string;
      readonly requestId: string | undefined;
      readonly status: SamlStatus;
    }
  | {
      readonly kind: 'rejected';
      readonly at: string;
      readonly requestId: string | undefined;
      readonly problems: readonly string[];
    };

/** No ACS outcome arrived in time: the login did not reach the SP (a verdict, exit 1). */
export class SpTimeoutError extends HostError {
  readonly code = 'SP_WAIT_TIMEOUT';
  override get kind(): FailureKind {
    return 'verdict';
  }
}

export class ExpiringMap<V> {
  readonly #items = new Map<string, { value: V; expires: number }>();
  readonly #ttlMs: number;
  readonly #now: () => Date;
  constructor(ttlMs: number, now: () => Date) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }
  set(key: string, value: V): void {
    this.prune();
    this.#items.set(key, { value, expires: this.#now().getTime() + this.#ttlMs });
  }
  get(key: string): V | undefined {
    const e = this.#items.get(key);
    if (!e) return undefined;
    if (e.expires <= this.#now().getTime()) {
      this.#items.delete(key);
      return undefined;
    }
    return e.value;
  }
  delete(key: string): boolean {
    return this.#items.delete(key);
  }
  private prune(): void {
    const t = this.#now().getTime();
    for (const [k, e] of this.#items) if (e.expires <= t) this.#items.delete(k);
  }
}

export class SpState {
  readonly requests: ExpiringMap<IssuedRequest>;
  readonly relayStates: ExpiringMap<true>;
  readonly sessions: ExpiringMap<SpSession>;
  readonly outcomes: AcsOutcome[] = [];
  readonly #events = new EventEmitter();

  constructor(requestTtlMs: number, sessionTtlMs: number, now: () => Date) {
    this.requests = new ExpiringMap(requestTtlMs, now);
    this.relayStates = new ExpiringMap(requestTtlMs, now);
    this.sessions = new ExpiringMap(sessionTtlMs, now);
  }

  record(outcome: AcsOutcome): void {
    this.outcomes.push(outcome);
    this.#events.emit('outcome', outcome);
  }

  /**
   * The first outcome with index ≥ `from` (default: the next one to arrive) that satisfies
   * `match`; rejects after `timeoutMs`.
   */
  waitForOutcome(
    match: (o: AcsOutcome) => boolean = () => true,
    timeoutMs = 60_000,
    from = this.outcomes.length,
  ): Promise<AcsOutcome> {
    const seen = this.outcomes.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onOutcome = (o: AcsOutcome): void => {
        if (!match(o)) return;
        clearTimeout(timer);
        this.#events.off('outcome', onOutcome);
        resolve(o);
      };
      const timer = setTimeout(() => {
        this.#events.off('outcome', onOutcome);
        reject(new SpTimeoutError(`no matching ACS outcome within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#events.on('outcome', onOutcome);
    });
  }
}
