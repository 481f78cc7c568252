/**
 * The storage adapter of `oidc-provider` (its adapter interface: `upsert`, `find`, `findByUid`,
 * `findByUserCode`, `consume`, `destroy`, `revokeByGrantId`): in memory, bounded, entries dropped
 * once expired. Clients are not stored here: `find` for the Client model asks the client directory,
 * which answers from the static registrations or by resolving the relying party's trust chain
 * (oidc-provider has no OpenID Federation support; this is where automatic registration happens).
 */

type Payload = Record<string, unknown> & { grantId?: string; uid?: string; userCode?: string };

interface Entry {
  readonly payload: Payload;
  readonly expiresAt: number;
}

/** Bound on stored entries (a load test must not grow memory without end). */
export const MAX_ENTRIES = 200_000;

/** Looks a client up by client_id (static registration or trust chain). */
export type ClientLookup = (clientId: string) => Promise<Record<string, unknown> | undefined>;

class Store {
  readonly entries = new Map<string, Entry>();
  readonly grants = new Map<string, Set<string>>();
  readonly uids = new Map<string, string>();
  readonly userCodes = new Map<string, string>();

  get(key: string): Payload | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      this.delete(key);
      return undefined;
    }
    return e.payload;
  }

  set(key: string, payload: Payload, expiresInS: number | undefined): void {
    this.entries.delete(key);
    this.entries.set(key, {
      payload,
      expiresAt: expiresInS === undefined ? Infinity : Date.now() + expiresInS * 1000,
    });
    while (this.entries.size > MAX_ENTRIES) this.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    this.entries.delete(key);
    if (e?.payload.grantId) this.grants.get(e.payload.grantId)?.delete(key);
  }
}

/** An adapter class bound to one store and one client lookup. */
export function memoryAdapter(clients: ClientLookup): new (model: string) => object {
  const store = new Store();
  return class Adapter {
    private readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      const key = this.key(id);
      if (payload.grantId) {
        let set = store.grants.get(payload.grantId);
        if (!set) store.grants.set(payload.grantId, (set = new Set()));
        set.add(key);
      }
      if (payload.uid) store.uids.set(payload.uid, id);
      if (payload.userCode) store.userCodes.set(payload.userCode, id);
      store.set(key, payload, expiresIn);
    }

    async find(id: string): Promise<Payload | undefined> {
      if (this.model === 'Client') return (await clients(id)) as Payload | undefined;
      return store.get(this.key(id));
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      const id = store.uids.get(uid);
      return id === undefined ? undefined : this.find(id);
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      const id = store.userCodes.get(userCode);
      return id === undefined ? undefined : this.find(id);
    }

    async consume(id: string): Promise<void> {
      const p = store.get(this.key(id));
      if (p) p['consumed'] = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      store.delete(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of store.grants.get(grantId) ?? []) store.entries.delete(key);
      store.grants.delete(grantId);
    }
  };
}
