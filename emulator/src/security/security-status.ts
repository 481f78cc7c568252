/**
 * What has been achieved (DESIGN.md §2, PersoSim `secstatus/`): flags such as a completed
 * PACE, a verified PIN, a terminal-authentication right. Each flag has a scope that says which
 * event revokes it; a power cycle revokes everything (one reset path, DESIGN.md §4).
 */
import type { FlagSource } from '../iso7816/access.ts';

export type FlagScope =
  /** Until power-off or reset. */
  | 'card'
  /** Until the current secure-messaging session ends (error, plain APDU, new session, reset). */
  | 'sm-session'
  /** Until another application becomes current. */
  | 'application';

export class SecurityStatus implements FlagSource {
  private readonly flags = new Map<string, FlagScope>();

  grant(flag: string, scope: FlagScope): void {
    this.flags.set(flag, scope);
  }

  revoke(flag: string): void {
    this.flags.delete(flag);
  }

  has(flag: string): boolean {
    return this.flags.has(flag);
  }

  /** Revokes every flag of the given scope. */
  endScope(scope: FlagScope): void {
    for (const [flag, s] of this.flags) if (s === scope) this.flags.delete(flag);
  }

  clearAll(): void {
    this.flags.clear();
  }

  /** Flag names, sorted, for traces and tests. */
  list(): string[] {
    return [...this.flags.keys()].sort();
  }
}
