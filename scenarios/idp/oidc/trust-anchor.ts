/**
 * The bench trust anchor: the stand-in for the CIE federation registry run by the Ministry of the
 * Interior (`oidc.registry.servizicie.interno.gov.it`), which registers relying parties at
 * onboarding and issues their trust marks. It holds the registered subordinates (entity ID,
 * federation keys, entity types, metadata policy, trust marks) and answers the federation API
 * (italia/spid-cie-oidc-docs `docs/it/federation_endpoint.rst`; request and answer shapes as the CIE
 * reference implementation, italia/spid-cie-oidc-django `spid_cie_oidc/authority/views.py`):
 *
 * - its Entity Configuration (`constraints.max_path_length`, `trust_mark_issuers`, the endpoints);
 * - `fetch?sub=` — the subordinate statement about a registered entity (`jwks`, `metadata_policy`,
 *   `trust_marks`, `source_endpoint`);
 * - `list[?entity_type=]` — the registered entity IDs;
 * - `resolve?sub=&anchor=[&type=]` — the subject's metadata with the policy applied, its trust
 *   marks and chain, signed by the anchor;
 * - `trust_mark_status?sub=&id=` (or `trust_mark=`) — `{"active": true|false}`.
 *
 * All state is in memory; keys come from a seed, so the same seed signs the same way after a
 * restart.
 */
import { randomUUID } from 'node:crypto';
import { defaultPolicies, type EntityType } from './federation-policy.ts';
import type { JwkPair } from '../../oidc/federation/keys.ts';
import type { TypePolicy } from '../../oidc/federation/metadata-policy.ts';
import {
  peek,
  signStatement,
  TRUST_MARK_TYP,
  verifyWith,
  type Jwks,
} from '../../oidc/federation/statements.ts';
import {
  trustMarkId,
  type TrustMarkProfile,
  type TrustMarkRole,
} from '../../oidc/federation/trust-marks.ts';

export interface TrustAnchorUrls {
  readonly entityId: string;
  readonly fetch: string;
  readonly list: string;
  readonly resolve: string;
  readonly trustMarkStatus: string;
}

/** The four endpoints under the anchor's entity ID (`A-REGISTRY-PATHS`: the reference layout). */
export function trustAnchorUrls(entityId: string): TrustAnchorUrls {
  const base = entityId.replace(/\/+$/, '');
  return {
    entityId: base,
    fetch: `${base}/fetch`,
    list: `${base}/list`,
    resolve: `${base}/resolve`,
    trustMarkStatus: `${base}/trust_mark_status`,
  };
}

export interface IssuedTrustMark {
  readonly id: string;
  readonly jwt: string;
  readonly iat: number;
  readonly exp?: number;
  revoked: boolean;
}

export interface Subordinate {
  readonly entityId: string;
  readonly jwks: Jwks;
  readonly entityTypes: readonly EntityType[];
  readonly policy: Readonly<Partial<Record<EntityType, TypePolicy>>>;
  readonly trustMarks: IssuedTrustMark[];
  readonly registeredAt: number;
}

/** What onboarding records about an organisation (the trust mark's claims). */
export interface Organisation {
  readonly organizationName?: string;
  readonly organizationType?: TrustMarkProfile;
  /** IPA code (public) or VAT number (private). */
  readonly idCode?: string;
  readonly email?: string;
}

export interface RegisterInput {
  readonly entityId: string;
  /** The entity's federation keys (from its Entity Configuration). */
  readonly jwks: Jwks;
  readonly entityTypes: readonly EntityType[];
  /** Trust mark profile; absent: no trust mark. */
  readonly trustMark?: {
    readonly profile: TrustMarkProfile;
    /** Lifetime in seconds (absent: no `exp`). Negative: already expired, for tests. */
    readonly lifetimeS?: number;
  };
  readonly organisation?: Organisation;
  /** Per-entity policy, combined over the anchor's default. */
  readonly policy?: Partial<Record<EntityType, TypePolicy>>;
}

export interface TrustAnchorOptions {
  readonly entityId: string;
  readonly key: JwkPair;
  /** Seconds since the epoch. */
  readonly now: () => number;
  readonly organizationName?: string;
  /** Lifetime of the anchor's statements (the reference implementation: 48 hours). */
  readonly statementLifetimeS?: number;
  readonly maxPathLength?: number;
  readonly policies?: Partial<Record<EntityType, TypePolicy>>;
}

const ROLE: Readonly<Record<EntityType, TrustMarkRole>> = {
  openid_relying_party: 'openid_relying_party',
  openid_provider: 'openid_provider',
};

export class TrustAnchor {
  readonly urls: TrustAnchorUrls;
  private readonly subs = new Map<string, Subordinate>();
  private readonly listeners: (() => void)[] = [];
  private readonly o: TrustAnchorOptions;

  constructor(o: TrustAnchorOptions) {
    this.o = o;
    this.urls = trustAnchorUrls(o.entityId);
  }

  get entityId(): string {
    return this.urls.entityId;
  }

  get jwks(): Jwks {
    return { keys: [this.o.key.publicJwk] };
  }

  /** The trust mark id this anchor issues for a role and profile. */
  trustMarkId(type: EntityType, profile: TrustMarkProfile): string {
    return trustMarkId(this.entityId, ROLE[type], profile);
  }

  /** Called after every registration change (the OP drops its cached chains). */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  private lifetime(): number {
    return this.o.statementLifetimeS ?? 48 * 3600;
  }

  async entityConfiguration(): Promise<string> {
    const now = this.o.now();
    const ids = (['openid_relying_party', 'openid_provider'] as const).flatMap((t) =>
      (['public', 'private'] as const).map((p) => this.trustMarkId(t, p)),
    );
    return signStatement(
      {
        iss: this.entityId,
        sub: this.entityId,
        iat: now,
        exp: now + this.lifetime(),
        jwks: this.jwks,
        metadata: {
          federation_entity: {
            organization_name: this.o.organizationName ?? 'CIE Bench TEST trust anchor',
            homepage_uri: this.entityId,
            contacts: ['federazione@ciebench.invalid'],
            federation_fetch_endpoint: this.urls.fetch,
            federation_list_endpoint: this.urls.list,
            federation_resolve_endpoint: this.urls.resolve,
            federation_trust_mark_status_endpoint: this.urls.trustMarkStatus,
            // The CIE documentation's name for the same endpoint (docs/it/metadata_oidc_op.rst).
            federation_status_endpoint: this.urls.trustMarkStatus,
          },
        },
        constraints: { max_path_length: this.o.maxPathLength ?? 1 },
        trust_mark_issuers: Object.fromEntries(ids.map((id) => [id, [this.entityId]])),
      },
      this.o.key,
    );
  }

  /** Registers (or re-registers) an entity and issues its trust mark; returns the `trust_marks` entry. */
  async register(input: RegisterInput): Promise<{ id: string; trust_mark: string } | undefined> {
    const now = this.o.now();
    const existing = this.subs.get(input.entityId);
    const sub: Subordinate = {
      entityId: input.entityId,
      jwks: input.jwks,
      entityTypes: input.entityTypes,
      policy: input.policy ?? {},
      trustMarks: existing?.trustMarks.filter((t) => !t.revoked) ?? [],
      registeredAt: now,
    };
    this.subs.set(input.entityId, sub);
    let entry: { id: string; trust_mark: string } | undefined;
    if (input.trustMark) {
      const type = input.entityTypes[0] ?? 'openid_relying_party';
      const id = this.trustMarkId(type, input.trustMark.profile);
      const org = input.organisation ?? {};
      const exp =
        input.trustMark.lifetimeS === undefined ? undefined : now + input.trustMark.lifetimeS;
      const jwt = await signStatement(
        {
          id,
          iss: this.entityId,
          sub: input.entityId,
          // A mark issued already expired (a test's) is still issued before it expired.
          iat: exp === undefined ? now : Math.min(now, exp - 60),
          ...(exp === undefined ? {} : { exp }),
          jti: randomUUID(),
          organization_type: org.organizationType ?? input.trustMark.profile,
          id_code: org.idCode ?? 'ciebench',
          email: org.email ?? 'protocollo@ciebench.invalid',
          organization_name: org.organizationName ?? input.entityId,
          ref: `${this.entityId}/`,
        },
        this.o.key,
        TRUST_MARK_TYP,
      );
      sub.trustMarks.splice(
        0,
        sub.trustMarks.length,
        ...sub.trustMarks.filter((t) => t.id !== id),
        { id, jwt, iat: now, ...(exp === undefined ? {} : { exp }), revoked: false },
      );
      entry = { id, trust_mark: jwt };
    }
    this.changed();
    return entry;
  }

  /** Revokes a subordinate's trust mark (the status endpoint then says inactive). */
  revokeTrustMark(entityId: string, id?: string): number {
    let n = 0;
    for (const t of this.subs.get(entityId)?.trustMarks ?? [])
      if (!t.revoked && (id === undefined || t.id === id)) {
        t.revoked = true;
        n++;
      }
    this.changed();
    return n;
  }

  /** Removes a subordinate (fetch then answers 404). */
  remove(entityId: string): boolean {
    const had = this.subs.delete(entityId);
    this.changed();
    return had;
  }

  get(entityId: string): Subordinate | undefined {
    return this.subs.get(entityId);
  }

  list(filter: { entityType?: string } = {}): string[] {
    return [...this.subs.values()]
      .filter(
        (s) =>
          !filter.entityType || (s.entityTypes as readonly string[]).includes(filter.entityType),
      )
      .map((s) => s.entityId);
  }

  /** The subordinate statement about `entityId`, or undefined when it is not registered. */
  async subordinateStatement(entityId: string): Promise<string | undefined> {
    const s = this.subs.get(entityId);
    if (!s) return undefined;
    const now = this.o.now();
    const defaults = defaultPolicies(this.o.policies);
    const policy = Object.fromEntries(
      s.entityTypes.map((t) => [t, { ...defaults[t], ...(s.policy[t] ?? {}) }]),
    );
    const marks = s.trustMarks
      .filter((t) => !t.revoked)
      .map((t) => ({ id: t.id, trust_mark: t.jwt }));
    return signStatement(
      {
        iss: this.entityId,
        sub: s.entityId,
        iat: now,
        exp: now + this.lifetime(),
        jwks: s.jwks,
        metadata_policy: policy,
        ...(marks.length ? { trust_marks: marks } : {}),
        source_endpoint: this.urls.fetch,
      },
      this.o.key,
    );
  }

  /** Whether the trust mark `id` of `sub` (or the given JWT, verified) is active. */
  async trustMarkStatus(q: { sub?: string; id?: string; trustMark?: string }): Promise<boolean> {
    let sub = q.sub;
    let id = q.id;
    if (q.trustMark) {
      try {
        const p = await verifyWith(q.trustMark, this.jwks.keys, TRUST_MARK_TYP);
        sub = typeof p['sub'] === 'string' ? p['sub'] : undefined;
        id = typeof p['id'] === 'string' ? p['id'] : undefined;
        if (!this.subs.get(sub ?? '')?.trustMarks.some((t) => t.jwt === q.trustMark && !t.revoked))
          return false;
      } catch {
        return false;
      }
    }
    if (!sub || !id) return false;
    const now = this.o.now();
    return (
      this.subs
        .get(sub)
        ?.trustMarks.some(
          (t) => t.id === id && !t.revoked && (t.exp === undefined || t.exp > now),
        ) ?? false
    );
  }

  /** Signs a resolve answer (the chain itself is resolved by the caller). */
  async signResolveAnswer(payload: Record<string, unknown>): Promise<string> {
    const now = this.o.now();
    return signStatement(
      { iss: this.entityId, iat: now, ...payload },
      this.o.key,
      'resolve-response+jwt',
    );
  }

  /** The federation keys an entity publishes in its own Entity Configuration (unverified peek). */
  static keysOf(entityConfigurationJwt: string): Jwks | undefined {
    const p = peek(entityConfigurationJwt);
    const j = p['jwks'] as Jwks | undefined;
    return j && Array.isArray(j.keys) ? j : undefined;
  }
}
