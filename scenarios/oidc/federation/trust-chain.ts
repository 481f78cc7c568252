/**
 * Trust chain resolution (OpenID Federation 1.0 §10, as the CIE profile uses it:
 * italia/spid-cie-oidc-docs `docs/it/trust_negotiation.rst`; the reference implementations'
 * `trust_chain.py` in italia/spid-cie-oidc-django and `getTrustChain.ts` in
 * italia/spid-cie-oidc-nodejs):
 *
 * 1. fetch the subject's Entity Configuration and check its self-signature;
 * 2. for each `authority_hints` entry, fetch that superior's Entity Configuration and, from its
 *    fetch endpoint, the subordinate statement about the subject; that statement's `jwks` must
 *    verify the subject's Entity Configuration (the superior vouches for the subject's keys);
 * 3. climb until a configured trust anchor, whose Entity Configuration must verify with the keys
 *    the verifier was configured with (never with keys learnt on the way), within the anchor's
 *    `constraints.max_path_length`;
 * 4. combine the metadata policies from the anchor down and apply them to the subject's metadata;
 * 5. require one valid trust mark among the ids asked for (static check; then, optionally, its
 *    issuer's status endpoint).
 *
 * The chain expires with its earliest statement. Every refusal is a {@link TrustChainError} with a
 * stable reason.
 */
import type { FederationFetcher } from './fetcher.ts';
import type { PublicJwk } from './keys.ts';
import { applyPolicy, combinePolicies, PolicyError, type TypePolicy } from './metadata-policy.ts';
import {
  asStatement,
  peek,
  STATEMENT_TYP,
  StatementError,
  verifyWith,
  wellKnownUrl,
  type EntityStatement,
  type Jwks,
} from './statements.ts';
import { checkTrustMark, type TrustMarkVerdict } from './trust-marks.ts';
import type { TrustMarkClaims } from './statements.ts';

export type ChainRefusal =
  | 'FETCH_FAILED'
  | 'STATEMENT_INVALID'
  | 'STATEMENT_EXPIRED'
  | 'NO_PATH_TO_ANCHOR'
  | 'POLICY_VIOLATION'
  | 'METADATA_MISSING'
  | 'TRUST_MARK_MISSING'
  | 'TRUST_MARK_INVALID'
  | 'TRUST_MARK_EXPIRED'
  | 'TRUST_MARK_REVOKED';

export class TrustChainError extends Error {
  readonly reason: ChainRefusal;
  readonly subject: string;
  constructor(reason: ChainRefusal, subject: string, message: string) {
    super(`${subject}: ${reason}: ${message}`);
    this.reason = reason;
    this.subject = subject;
  }
}

export interface TrustAnchorConfig {
  readonly entityId: string;
  /** The anchor's federation keys, configured out of band. */
  readonly jwks: Jwks;
}

export interface ChainOptions {
  readonly anchors: readonly TrustAnchorConfig[];
  readonly fetch: FederationFetcher;
  /** Seconds since the epoch. */
  readonly now: () => number;
  /** The metadata type the verifier needs (`openid_relying_party`, `openid_provider`). */
  readonly entityType: string;
  /** One valid trust mark among these ids is required (empty: none required). */
  readonly requiredTrustMarks?: readonly string[];
  /** Also ask the issuer's status endpoint whether the trust mark is active. */
  readonly trustMarkStatus?: boolean;
  readonly skewS?: number;
}

export interface ResolvedChain {
  readonly subject: string;
  readonly anchor: string;
  /** Leaf Entity Configuration, subordinate statements bottom-up, anchor Entity Configuration. */
  readonly statements: readonly string[];
  readonly exp: number;
  /** The subject's metadata of the asked type, policy applied. */
  readonly metadata: Record<string, unknown>;
  /** The subject's federation keys (as vouched for by its superior). */
  readonly jwks: Jwks;
  readonly trustMarks: readonly TrustMarkClaims[];
  /** The valid trust marks as published (`{id, trust_mark}`). */
  readonly trustMarkRefs: readonly { readonly id: string; readonly trust_mark: string }[];
  readonly leaf: EntityStatement;
}

const MEDIA = /^application\/(entity-statement\+jwt|jose|jwt)\b/;

interface Hop {
  readonly ec: EntityStatement;
  readonly ecJwt: string;
}

interface Path {
  /** Subordinate statements, bottom-up (the one about the subject first). */
  readonly statements: readonly { jwt: string; st: EntityStatement }[];
  /** Intermediates' Entity Configurations, bottom-up. */
  readonly intermediates: readonly Hop[];
  readonly anchor: Hop;
}

class Resolver {
  private readonly o: ChainOptions;
  private readonly subject: string;
  constructor(o: ChainOptions, subject: string) {
    this.o = o;
    this.subject = subject;
  }

  fail(reason: ChainRefusal, message: string): never {
    throw new TrustChainError(reason, this.subject, message);
  }

  async get(url: string): Promise<string> {
    let doc;
    try {
      doc = await this.o.fetch(url);
    } catch (e) {
      this.fail('FETCH_FAILED', (e as Error).message);
    }
    if (doc.status !== 200) this.fail('FETCH_FAILED', `${url}: HTTP ${doc.status}`);
    if (!MEDIA.test(doc.contentType))
      this.fail(
        'FETCH_FAILED',
        `${url}: content type '${doc.contentType}' is not an entity statement`,
      );
    return doc.body.trim();
  }

  checkTimes(st: EntityStatement, what: string): void {
    const now = this.o.now();
    const skew = this.o.skewS ?? 60;
    if (st.exp <= now - skew)
      this.fail('STATEMENT_EXPIRED', `${what} expired at ${new Date(st.exp * 1000).toISOString()}`);
    if (st.iat > now + skew) this.fail('STATEMENT_INVALID', `${what} issued in the future`);
  }

  async verified(
    jwt: string,
    keys: readonly PublicJwk[] | Jwks['keys'],
    what: string,
  ): Promise<EntityStatement> {
    try {
      return asStatement(await verifyWith(jwt, keys, STATEMENT_TYP));
    } catch (e) {
      if (e instanceof StatementError) this.fail('STATEMENT_INVALID', `${what}: ${e.message}`);
      throw e;
    }
  }

  /** An entity's Entity Configuration, self-signed (or signed by configured anchor keys). */
  async entityConfiguration(entityId: string, anchorKeys?: Jwks): Promise<Hop> {
    const jwt = await this.get(wellKnownUrl(entityId));
    let keys: Jwks['keys'];
    try {
      const p = peek(jwt);
      keys = anchorKeys?.keys ?? (p['jwks'] as Jwks | undefined)?.keys ?? [];
    } catch (e) {
      this.fail('STATEMENT_INVALID', `${entityId}: ${(e as Error).message}`);
    }
    const ec = await this.verified(jwt, keys, `Entity Configuration of ${entityId}`);
    if (ec.iss !== entityId || ec.sub !== entityId)
      this.fail(
        'STATEMENT_INVALID',
        `Entity Configuration of ${entityId} has iss ${ec.iss}, sub ${ec.sub}`,
      );
    this.checkTimes(ec, `Entity Configuration of ${entityId}`);
    return { ec, ecJwt: jwt };
  }

  async climb(
    entity: Hop,
    depth: number,
    seen: ReadonlySet<string>,
    errors: string[],
  ): Promise<Path | undefined> {
    for (const hint of entity.ec.authority_hints ?? []) {
      if (seen.has(hint)) continue;
      try {
        const anchor = this.o.anchors.find((a) => a.entityId === hint);
        const sup = await this.entityConfiguration(hint, anchor?.jwks);
        const fe = sup.ec.metadata?.['federation_entity']?.['federation_fetch_endpoint'];
        if (typeof fe !== 'string')
          this.fail('STATEMENT_INVALID', `${hint} publishes no federation_fetch_endpoint`);
        const url = new URL(fe);
        url.searchParams.set('sub', entity.ec.sub);
        const jwt = await this.get(url.toString());
        const st = await this.verified(
          jwt,
          sup.ec.jwks.keys,
          `statement of ${hint} about ${entity.ec.sub}`,
        );
        if (st.iss !== hint || st.sub !== entity.ec.sub)
          this.fail('STATEMENT_INVALID', `statement of ${hint} names iss ${st.iss}, sub ${st.sub}`);
        this.checkTimes(st, `statement of ${hint} about ${entity.ec.sub}`);
        // The superior vouches for the subordinate's keys: its own configuration must verify with them.
        await this.verified(
          entity.ecJwt,
          st.jwks.keys,
          `Entity Configuration of ${entity.ec.sub} under the keys ${hint} registered`,
        );
        if (anchor) {
          const max = sup.ec.constraints?.max_path_length;
          if (max !== undefined && depth > max)
            this.fail(
              'NO_PATH_TO_ANCHOR',
              `${depth} intermediates exceed the anchor's max_path_length ${max}`,
            );
          return { statements: [{ jwt, st }], intermediates: [], anchor: sup };
        }
        const up = await this.climb(sup, depth + 1, new Set([...seen, hint]), errors);
        if (up)
          return {
            statements: [{ jwt, st }, ...up.statements],
            intermediates: [sup, ...up.intermediates],
            anchor: up.anchor,
          };
      } catch (e) {
        if (!(e instanceof TrustChainError)) throw e;
        errors.push(e.message);
      }
    }
    return undefined;
  }
}

async function trustMarkStatus(
  o: ChainOptions,
  issuer: EntityStatement,
  subject: string,
  id: string,
): Promise<boolean | undefined> {
  const fe = issuer.metadata?.['federation_entity'] ?? {};
  const endpoint = fe['federation_trust_mark_status_endpoint'] ?? fe['federation_status_endpoint'];
  if (typeof endpoint !== 'string') return undefined;
  const url = new URL(endpoint);
  url.searchParams.set('sub', subject);
  url.searchParams.set('id', id);
  const doc = await o.fetch(url.toString());
  if (doc.status !== 200) return false;
  try {
    return (JSON.parse(doc.body) as { active?: unknown }).active === true;
  } catch {
    return false;
  }
}

interface ValidMark {
  readonly claims: TrustMarkClaims;
  readonly ref: { readonly id: string; readonly trust_mark: string };
}

async function requireTrustMark(
  o: ChainOptions,
  subject: string,
  leaf: EntityStatement,
  path: Path,
): Promise<ValidMark[]> {
  const required = o.requiredTrustMarks ?? [];
  const issuers = new Map<string, readonly PublicJwk[]>([
    [path.anchor.ec.iss, path.anchor.ec.jwks.keys as readonly PublicJwk[]],
    ...path.intermediates.map((h) => [h.ec.iss, h.ec.jwks.keys as readonly PublicJwk[]] as const),
  ]);
  const byIssuer = new Map<string, EntityStatement>([
    [path.anchor.ec.iss, path.anchor.ec],
    ...path.intermediates.map((h) => [h.ec.iss, h.ec] as const),
  ]);
  const valid: ValidMark[] = [];
  const failures: Exclude<TrustMarkVerdict, { ok: true }>[] = [];
  for (const ref of leaf.trust_marks ?? []) {
    const v = await checkTrustMark({
      subject,
      id: ref.id,
      jwt: ref.trust_mark,
      issuerKeys: issuers,
      anchor: path.anchor.ec,
      now: o.now(),
      ...(o.skewS === undefined ? {} : { skewS: o.skewS }),
    });
    if (!v.ok) {
      if (required.includes(ref.id)) failures.push(v);
      continue;
    }
    if (o.trustMarkStatus && required.includes(ref.id)) {
      const issuer = byIssuer.get(v.claims.iss);
      const active = issuer
        ? await trustMarkStatus(o, issuer, subject, ref.id).catch(() => false)
        : undefined;
      if (active === false) {
        failures.push({
          ok: false,
          reason: 'TRUST_MARK_REVOKED',
          detail: `${v.claims.iss} says ${ref.id} is not active`,
        });
        continue;
      }
    }
    valid.push({ claims: v.claims, ref: { id: ref.id, trust_mark: ref.trust_mark } });
  }
  if (required.length > 0 && !valid.some((t) => required.includes(t.claims.id))) {
    const f = failures[0];
    if (f) throw new TrustChainError(f.reason, subject, f.detail);
    throw new TrustChainError(
      'TRUST_MARK_MISSING',
      subject,
      `no trust mark among ${required.join(', ')}`,
    );
  }
  return valid;
}

/** Resolves and checks the trust chain of `subject` up to one of the configured anchors. */
export async function resolveTrustChain(subject: string, o: ChainOptions): Promise<ResolvedChain> {
  const r: Resolver = new Resolver(o, subject);
  const self = o.anchors.find((a) => a.entityId === subject);
  if (self) r.fail('NO_PATH_TO_ANCHOR', 'a trust anchor is not resolved as a leaf');
  const leaf = await r.entityConfiguration(subject);
  if (!leaf.ec.authority_hints?.length) r.fail('NO_PATH_TO_ANCHOR', 'no authority_hints');
  const errors: string[] = [];
  const path = await r.climb(leaf, 0, new Set([subject]), errors);
  if (!path)
    r.fail(
      'NO_PATH_TO_ANCHOR',
      `no chain to ${o.anchors.map((a) => a.entityId).join(', ')}${errors.length ? ` (${errors.join('; ')})` : ''}`,
    );
  const metadata = leaf.ec.metadata?.[o.entityType];
  if (!metadata) r.fail('METADATA_MISSING', `no ${o.entityType} metadata`);
  // Policies from the anchor down: the last statement was issued by the topmost superior.
  const policies = [...path.statements]
    .reverse()
    .map((s) => s.st.metadata_policy?.[o.entityType] as TypePolicy | undefined);
  const direct = path.statements[0] as { st: EntityStatement };
  const overridden = { ...metadata, ...(direct.st.metadata?.[o.entityType] ?? {}) };
  let applied: Record<string, unknown>;
  try {
    applied = applyPolicy(overridden, combinePolicies(policies));
  } catch (e) {
    if (e instanceof PolicyError) r.fail('POLICY_VIOLATION', e.message);
    throw e;
  }
  const trustMarks = await requireTrustMark(o, subject, leaf.ec, path);
  const all = [leaf.ec, ...path.statements.map((s) => s.st), path.anchor.ec];
  return {
    subject,
    anchor: path.anchor.ec.iss,
    statements: [leaf.ecJwt, ...path.statements.map((s) => s.jwt), path.anchor.ecJwt],
    exp: Math.min(...all.map((s) => s.exp)),
    metadata: applied,
    jwks: direct.st.jwks,
    trustMarks: trustMarks.map((t) => t.claims),
    trustMarkRefs: trustMarks.map((t) => t.ref),
    leaf: leaf.ec,
  };
}
