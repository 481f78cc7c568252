/**
 * In-memory sessions and transactions of the IdP. A session is what the `JSESSIONID` cookie names;
 * it holds the user's login transactions. Indexes let the app's server calls find a transaction by
 * `authnRequestString` or QR `opId`. Finished and timed-out transactions are removed, and the
 * number of sessions is bounded (the oldest go first), so a load test cannot grow memory without end.
 */
import { randomBytes } from 'node:crypto';
import type { Transaction } from './transaction.ts';

export const MAX_SESSIONS = 20_000;
/** How long a transaction is kept after its time budget (its last page may still answer 21). */
export const GRACE_MS = 600_000;

interface Session {
  readonly id: string;
  counter: number;
  readonly transactions: Map<string, Transaction>;
}

export type NewTransaction = Omit<Transaction, 'key' | 'sessionId' | 'authnRequestString'>;

/** 32 random bytes as base64url (43 characters, URL-safe). */
export function token(): string {
  return randomBytes(32).toString('base64url');
}

export class Store {
  private readonly sessions = new Map<string, Session>();
  private readonly byAuthnRequest = new Map<string, Transaction>();
  private readonly byOpId = new Map<string, Transaction>();
  private readonly opsOf = new Map<Transaction, Set<string>>();
  private readonly opWatchers = new Set<(t: Transaction) => void>();

  /**
   * Calls `listener` with the transaction each time a QR operation starts (the QR page is about to
   * show); returns the function that stops it. The bench's demo phone (`ciebench start`) scans the
   * QR this way, as a citizen holding the phone to the screen would.
   */
  watchOps(listener: (t: Transaction) => void): () => void {
    this.opWatchers.add(listener);
    return () => this.opWatchers.delete(listener);
  }

  /** Tells the watchers that `t` now shows a new QR operation. */
  opStarted(t: Transaction): void {
    for (const w of this.opWatchers) {
      try {
        w(t);
      } catch {
        // A watcher's failure is its own; the login goes on.
      }
    }
  }

  /** The session named by `id`, or a new one (returned id differs then). */
  session(id: string | undefined): string {
    if (id && this.sessions.has(id)) return id;
    const fresh = token();
    this.sessions.set(fresh, { id: fresh, counter: 0, transactions: new Map() });
    while (this.sessions.size > MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value as string;
      this.dropSession(oldest);
    }
    return fresh;
  }

  dropSession(id: string): void {
    const s = this.sessions.get(id);
    if (!s) return;
    for (const t of s.transactions.values()) this.unindex(t);
    this.sessions.delete(id);
  }

  create(sessionId: string, t: NewTransaction): Transaction {
    const s = this.sessions.get(sessionId);
    if (!s) throw new Error('unknown session');
    // Abandoned logins go once their budget is long over (a user who starts again and again).
    for (const old of [...s.transactions.values()])
      if (old.deadline + GRACE_MS < t.createdAt) this.finish(old);
    s.counter++;
    const tx: Transaction = {
      ...t,
      key: `e${s.counter}s1`,
      sessionId,
      authnRequestString: token(),
    };
    s.transactions.set(tx.key, tx);
    this.byAuthnRequest.set(tx.authnRequestString, tx);
    return tx;
  }

  get(sessionId: string | undefined, key: string | undefined): Transaction | undefined {
    if (!sessionId || !key) return undefined;
    return this.sessions.get(sessionId)?.transactions.get(key);
  }

  /** The most recent live transaction of a session. */
  latest(sessionId: string | undefined): Transaction | undefined {
    const s = sessionId ? this.sessions.get(sessionId) : undefined;
    return s ? [...s.transactions.values()].pop() : undefined;
  }

  byAuthnRequestString(s: string): Transaction | undefined {
    return this.byAuthnRequest.get(s);
  }

  byOp(opId: string): Transaction | undefined {
    return this.byOpId.get(opId);
  }

  indexOp(opId: string, t: Transaction): void {
    this.byOpId.set(opId, t);
    let set = this.opsOf.get(t);
    if (!set) this.opsOf.set(t, (set = new Set()));
    set.add(opId);
  }

  unindexOp(opId: string): void {
    const t = this.byOpId.get(opId);
    this.byOpId.delete(opId);
    if (t) this.opsOf.get(t)?.delete(opId);
  }

  /** Removes a finished transaction and its indexes. */
  finish(t: Transaction): void {
    this.unindex(t);
    this.sessions.get(t.sessionId)?.transactions.delete(t.key);
  }

  private unindex(t: Transaction): void {
    this.byAuthnRequest.delete(t.authnRequestString);
    for (const op of this.opsOf.get(t) ?? []) this.byOpId.delete(op);
    this.opsOf.delete(t);
  }

  get counts(): { sessions: number; transactions: number } {
    let transactions = 0;
    for (const s of this.sessions.values()) transactions += s.transactions.size;
    return { sessions: this.sessions.size, transactions };
  }
}
