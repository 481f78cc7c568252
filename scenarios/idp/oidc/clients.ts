/**
 * Who may use the OpenID Provider, as `oidc-provider` client metadata:
 *
 * - **automatic registration** (the CIE way, italia/spid-cie-oidc-docs `docs/it/flusso_autenticazione.rst`,
 *   `trust_negotiation.rst`): an unknown `client_id` that is an https URL is resolved as a relying
 *   party's trust chain up to the bench trust anchor (subordinate statements, metadata policy,
 *   a trust mark of the anchor's `openid_relying_party` ids, its status); the resolved
 *   `openid_relying_party` metadata becomes the client, cached until the chain expires (at most
 *   `cacheS`) or the anchor's registrations change;
 * - **static registration**, for relying parties that do not speak OpenID Federation (such as
 *   mod_auth_openidc): client metadata given up front, held to the same metadata policy.
 *
 * Every refusal is recorded with its reason, and shown on the OP's error page for that client.
 */
import { z } from 'zod';
import { HostError } from '../../../emulator/src/host-error.ts';
import { applyPolicy, PolicyError } from '../../oidc/federation/metadata-policy.ts';
import type { FederationFetcher } from '../../oidc/federation/fetcher.ts';
import { jwksSchema } from '../../oidc/federation/statements.ts';
import { resolveTrustChain, TrustChainError } from '../../oidc/federation/trust-chain.ts';
import { RP_POLICY } from './federation-policy.ts';
import { TOLERANCES, type Tolerance } from './request-object.ts';
import type { TrustAnchor } from './trust-anchor.ts';

/** A statically registered client: `client_id` plus `openid_relying_party` metadata. */
export const staticClientSchema = z
  .object({
    client_id: z.string().min(1).max(512),
    client_name: z.string().max(200).optional(),
    redirect_uris: z.array(z.url()).min(1).max(20),
    jwks: jwksSchema,
    /** Bench-only relaxations of the CIE request rules (request-object.ts), recorded when used. */
    ciebench_tolerate: z.array(z.enum(TOLERANCES)).max(TOLERANCES.length).optional(),
  })
  .loose();
export type StaticClient = z.infer<typeof staticClientSchema>;

/** Client metadata members passed to oidc-provider (everything else is dropped). */
const CLIENT_FIELDS = [
  'redirect_uris',
  'response_types',
  'grant_types',
  'token_endpoint_auth_method',
  'token_endpoint_auth_signing_alg',
  'jwks',
  'id_token_signed_response_alg',
  'id_token_encrypted_response_alg',
  'id_token_encrypted_response_enc',
  'userinfo_signed_response_alg',
  'userinfo_encrypted_response_alg',
  'userinfo_encrypted_response_enc',
  'request_object_signing_alg',
  'logo_uri',
  'policy_uri',
  'client_uri',
  'contacts',
] as const;

export type Refusal = { readonly reason: string; readonly detail: string; readonly at: string };

export interface ClientDirectoryOptions {
  readonly anchor: TrustAnchor;
  readonly fetch: FederationFetcher;
  /** Seconds since the epoch. */
  readonly now: () => number;
  /** Resolve unknown https client_ids as federation relying parties (default true). */
  readonly federation?: boolean;
  /** Ask the anchor's status endpoint about the trust mark (default true). */
  readonly trustMarkStatus?: boolean;
  /** Longest time a resolved chain is reused (default 300 s). */
  readonly cacheS?: number;
  readonly record: (kind: string, detail: string) => void;
}

/** oidc-provider client metadata from `openid_relying_party` metadata (policy already applied). */
export function providerClient(
  clientId: string,
  metadata: Readonly<Record<string, unknown>>,
  name: string | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = { client_id: clientId };
  for (const k of CLIENT_FIELDS) if (metadata[k] !== undefined) out[k] = metadata[k];
  if (name ?? metadata['client_name']) out['client_name'] = name ?? metadata['client_name'];
  // Pairwise subjects (docs/it/token_endpoint.rst: `sub` "DEVE essere di tipo pairwise").
  out['subject_type'] = 'pairwise';
  out['require_signed_request_object'] = true;
  return out;
}

export class ClientDirectory {
  private readonly statics = new Map<string, Record<string, unknown>>();
  private readonly tolerances = new Map<string, readonly Tolerance[]>();
  private readonly cache = new Map<string, { client: Record<string, unknown>; until: number }>();
  private readonly refusals = new Map<string, Refusal>();
  private readonly o: ClientDirectoryOptions;

  constructor(o: ClientDirectoryOptions) {
    this.o = o;
    o.anchor.onChange(() => this.cache.clear());
  }

  /** Registers a static client after the metadata policy; throws with every problem listed. */
  addStatic(input: unknown): string {
    const parsed = staticClientSchema.safeParse(input);
    if (!parsed.success)
      throw new StaticClientError(
        parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
      );
    let metadata: Record<string, unknown>;
    try {
      metadata = applyPolicy(parsed.data, RP_POLICY);
    } catch (e) {
      if (e instanceof PolicyError) throw new StaticClientError(e.message);
      throw e;
    }
    const client = providerClient(parsed.data.client_id, metadata, parsed.data.client_name);
    this.statics.set(parsed.data.client_id, client);
    this.tolerances.set(parsed.data.client_id, parsed.data.ciebench_tolerate ?? []);
    this.cache.delete(parsed.data.client_id);
    this.o.record('oidc-client', `static client ${parsed.data.client_id} registered`);
    return parsed.data.client_id;
  }

  /** The bench-only tolerances of a static client (none for federation clients). */
  tolerated(clientId: string): readonly Tolerance[] {
    return this.tolerances.get(clientId) ?? [];
  }

  removeStatic(clientId: string): boolean {
    this.tolerances.delete(clientId);
    return this.statics.delete(clientId);
  }

  staticIds(): string[] {
    return [...this.statics.keys()];
  }

  /** Why `clientId` was last refused (for the error page). */
  refusal(clientId: string): Refusal | undefined {
    return this.refusals.get(clientId);
  }

  /** The client metadata for `clientId`, or undefined (unknown or refused). */
  async find(clientId: string): Promise<Record<string, unknown> | undefined> {
    const s = this.statics.get(clientId);
    if (s) return s;
    if (this.o.federation === false || !/^https:\/\//.test(clientId)) return undefined;
    const now = this.o.now();
    const hit = this.cache.get(clientId);
    if (hit && hit.until > now) return hit.client;
    const a = this.o.anchor;
    try {
      const chain = await resolveTrustChain(clientId, {
        anchors: [{ entityId: a.entityId, jwks: a.jwks }],
        fetch: this.o.fetch,
        now: this.o.now,
        entityType: 'openid_relying_party',
        requiredTrustMarks: [
          a.trustMarkId('openid_relying_party', 'public'),
          a.trustMarkId('openid_relying_party', 'private'),
        ],
        trustMarkStatus: this.o.trustMarkStatus ?? true,
      });
      const fe = chain.leaf.metadata?.['federation_entity'] ?? {};
      const name =
        typeof fe['organization_name'] === 'string' ? fe['organization_name'] : undefined;
      const client = providerClient(clientId, chain.metadata, name);
      this.cache.set(clientId, {
        client,
        until: Math.min(chain.exp, now + (this.o.cacheS ?? 300)),
      });
      this.refusals.delete(clientId);
      this.o.record(
        'oidc-client',
        `trust chain of ${clientId} resolved (${chain.statements.length} statements)`,
      );
      return client;
    } catch (e) {
      const reason = e instanceof TrustChainError ? e.reason : 'INTERNAL';
      const detail = (e as Error).message;
      this.refusals.set(clientId, { reason, detail, at: new Date(now * 1000).toISOString() });
      while (this.refusals.size > 1000)
        this.refusals.delete(this.refusals.keys().next().value as string);
      this.o.record('oidc-client', `${clientId} refused: ${detail}`);
      return undefined;
    }
  }
}

/** Static client metadata that cannot be registered (exit code 2 on the command line). */
export class StaticClientError extends HostError {
  readonly code = 'OIDC_CLIENT_INVALID';
}
