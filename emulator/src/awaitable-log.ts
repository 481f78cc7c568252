/**
 * An append-only log that callers can wait on: "the first entry from index N on that satisfies
 * this predicate", whether it is already in the log or arrives later, with a timeout. Waits are
 * settled by `push` (event-driven, never polled), so tests wait on events, not on sleeps.
 *
 * Host-side and tied to no layer (like host-error.ts), so the PKCS#11 daemon's event log and the
 * reference service providers' outcome logs are this one piece of code.
 */
export interface AwaitableLogOptions {
  /** Keep only the newest `keep` entries (default: all); indexes count in the log as it stands. */
  readonly keep?: number;
  /** What a wait rejects with when no entry matched within `timeoutMs`. */
  readonly timeoutError: (timeoutMs: number) => Error;
}

interface Waiter<T> {
  readonly match: (entry: T) => boolean;
  readonly settle: (entry: T) => void;
}

/** An append-only log of `T` that callers can wait on (see the file's comment). */
export class AwaitableLog<T> {
  /** The entries, oldest first. */
  readonly entries: T[] = [];
  readonly #waiters = new Set<Waiter<T>>();
  readonly #keep: number;
  readonly #timeoutError: (timeoutMs: number) => Error;

  constructor(o: AwaitableLogOptions) {
    this.#keep = o.keep ?? Number.POSITIVE_INFINITY;
    this.#timeoutError = o.timeoutError;
  }

  /** Appends `entry` (dropping the oldest beyond `keep`) and settles every wait it matches. */
  push(entry: T): void {
    this.entries.push(entry);
    if (this.entries.length > this.#keep) this.entries.splice(0, this.entries.length - this.#keep);
    for (const w of [...this.#waiters])
      if (w.match(entry)) {
        this.#waiters.delete(w);
        w.settle(entry);
      }
  }

  /**
   * The first entry with index ≥ `from` that satisfies `match`, already logged or still to come;
   * rejects with the `timeoutError` after `timeoutMs`.
   */
  waitFor(match: (entry: T) => boolean, timeoutMs: number, from: number): Promise<T> {
    const seen = this.entries.slice(from).find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter: Waiter<T> = {
        match,
        settle: (entry) => {
          clearTimeout(timer);
          resolve(entry);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(this.#timeoutError(timeoutMs));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }
}
