/**
 * In-memory state of the reference relying party: logins in flight (by `state`, bound to the
 * browser that began them), sessions, and the log of outcomes tests and the scenario runner wait
 * on (as the SAML SP's ACS outcomes).
 */
import { OutcomeLog, type LoginOutcome, type SessionRecord } from '../outcome-log.ts';
import type { LoginResult, PendingLogin } from './rp-flow.ts';

/** A logged-in user of the RP: what the login gave, in a session. */
export type RpSession = LoginResult & SessionRecord;

/** What the callback (or logout) made of one step. */
export type RpOutcome =
  | LoginOutcome<RpSession>
  | {
      readonly kind: 'op-error';
      readonly at: string;
      /** Where the OP said no. */
      readonly where: 'authorization' | 'token' | 'userinfo';
      readonly error: string;
      readonly description?: string;
      /** The CIE code carried in the description ("ErrorCode nrNN"), when there is one. */
      readonly cieCode?: number;
      readonly state?: string;
      /** The state names a login this browser began. */
      readonly stateMatched: boolean;
      readonly status?: number;
    }
  | { readonly kind: 'rejected'; readonly at: string; readonly problems: readonly string[] }
  | { readonly kind: 'logout'; readonly at: string; readonly revoked: boolean };

/** `ErrorCode nrNN` in an error description → NN. */
export function cieCodeOf(description: string | undefined): number | undefined {
  const m = /ErrorCode nr(\d{2})/.exec(description ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The RP's state; its outcomes are its {@link OutcomeLog} (`outcomes`, `waitForOutcome`). */
export class RpState extends OutcomeLog<RpOutcome> {
  readonly pending = new Map<string, PendingLogin & { readonly browser: string }>();
  readonly sessions = new Map<string, RpSession>();
  readonly #ttlMs: number;

  constructor(ttlMs = 15 * 60_000) {
    // Bounded memory for a long-running RP: only the last 10,000 outcomes are kept.
    super('relying-party outcome', 10_000);
    this.#ttlMs = ttlMs;
  }

  addPending(p: PendingLogin, browser: string): void {
    const now = Date.now();
    for (const [k, v] of this.pending) if (v.createdAt + this.#ttlMs < now) this.pending.delete(k);
    this.pending.set(p.state, { ...p, browser });
  }

  /** The login `state` names, if this browser began it (used once). */
  takePending(state: string | undefined, browser: string | undefined): PendingLogin | undefined {
    if (!state || !browser) return undefined;
    const p = this.pending.get(state);
    if (!p || p.browser !== browser || p.createdAt + this.#ttlMs < Date.now()) return undefined;
    this.pending.delete(state);
    return p;
  }
}
