/**
 * Applications and sessions (PKCS#11 v2.40 §2.6–2.7). Each bridge connection is one application:
 * it has its own sessions and its own login state per token (a C_Login in one session logs in
 * every session of that application on that token; closing its last session there logs it out).
 * Session handles are unique across connections and never reused, so a stale handle from a
 * dropped connection cannot reach another application's session.
 */
import { wipe } from '../../../emulator/src/bytes/bytes.ts';
import type { UlongLayout } from './objects.ts';

export interface Login {
  readonly insertion: number;
  /**
   * The last 4 PIN digits (ASCII), wiped at logout; undefined for a self-login not yet completed
   * (the PIN-entry channel is asked at the first signature).
   */
  last4: Uint8Array | undefined;
}

export interface SignOperation {
  readonly key: number;
  readonly parts: Uint8Array[];
  /** Set once C_SignUpdate was used: C_Sign may no longer end this operation. */
  multipart: boolean;
}

export interface Session {
  readonly handle: number;
  readonly client: Client;
  readonly slot: number;
  readonly insertion: number;
  readonly rw: boolean;
  find: { readonly handles: readonly number[]; pos: number } | undefined;
  sign: SignOperation | undefined;
}

export interface Client {
  readonly id: number;
  layout: UlongLayout;
  pid: number;
  readonly sessions: Map<number, Session>;
  readonly logins: Map<number, Login>;
}

/** Sessions of one application at most (CKR_SESSION_COUNT beyond). */
export const MAX_SESSIONS_PER_CLIENT = 64;

export class SessionTable {
  private nextHandle = 0x1000;
  private readonly all = new Map<number, Session>();

  open(client: Client, slot: number, insertion: number, rw: boolean): Session | undefined {
    if (client.sessions.size >= MAX_SESSIONS_PER_CLIENT) return undefined;
    const s: Session = {
      handle: this.nextHandle++,
      client,
      slot,
      insertion,
      rw,
      find: undefined,
      sign: undefined,
    };
    this.all.set(s.handle, s);
    client.sessions.set(s.handle, s);
    return s;
  }

  /** The session `handle` of `client` (another application's handle is invalid for it). */
  get(client: Client, handle: number): Session | undefined {
    const s = this.all.get(handle);
    return s && s.client === client ? s : undefined;
  }

  close(s: Session): void {
    this.all.delete(s.handle);
    s.client.sessions.delete(s.handle);
    if (![...s.client.sessions.values()].some((o) => o.slot === s.slot)) logout(s.client, s.slot);
  }

  /** Closes every session on a token that went away (§2.6: removal closes its sessions). */
  closeInsertion(slot: number, insertion: number): void {
    for (const s of [...this.all.values()])
      if (s.slot === slot && s.insertion === insertion) this.close(s);
  }

  count(slot: number): { sessions: number; rw: number } {
    let sessions = 0;
    let rw = 0;
    for (const s of this.all.values())
      if (s.slot === slot) {
        sessions++;
        if (s.rw) rw++;
      }
    return { sessions, rw };
  }

  /** Drops a client (its connection closed). */
  drop(client: Client): void {
    for (const s of [...client.sessions.values()]) this.close(s);
    for (const slot of [...client.logins.keys()]) logout(client, slot);
  }
}

export function logout(client: Client, slot: number): boolean {
  const l = client.logins.get(slot);
  if (!l) return false;
  if (l.last4) wipe(l.last4);
  client.logins.delete(slot);
  for (const s of client.sessions.values()) if (s.slot === slot) s.sign = undefined;
  return true;
}
