/**
 * In-memory state of the reference SP: issued requests (for the InResponseTo, IssueInstant and
 * authentication-context checks), issued RelayState tokens, sessions, and the log of ACS outcomes
 * that tests and the scenario runner wait on. Entries expire on a clock that is injected, so tests
 * never sleep.
 */
import type { CieLoginFacts, SamlStatus } from './acs-checks.ts';
import type { IssuedRequest } from './cie-saml.ts';
import { OutcomeLog, type LoginOutcome, type SessionRecord } from './outcome-log.ts';

export { SpTimeoutError } from './outcome-log.ts';

/** A logged-in user of the SP. */
export interface SpSession extends CieLoginFacts, SessionRecord {
  readonly requestId: string | undefined;
  readonly idpEntityId: string;
}

/** What the ACS made of one POST. */
export type AcsOutcome =
  | LoginOutcome<SpSession>
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

/** The SP's state; its ACS outcomes are its {@link OutcomeLog} (`outcomes`, `waitForOutcome`). */
export class SpState extends OutcomeLog<AcsOutcome> {
  readonly requests: ExpiringMap<IssuedRequest>;
  readonly relayStates: ExpiringMap<true>;
  readonly sessions: ExpiringMap<SpSession>;

  constructor(requestTtlMs: number, sessionTtlMs: number, now: () => Date) {
    super('ACS outcome');
    this.requests = new ExpiringMap(requestTtlMs, now);
    this.relayStates = new ExpiringMap(requestTtlMs, now);
    this.sessions = new ExpiringMap(sessionTtlMs, now);
  }
}
