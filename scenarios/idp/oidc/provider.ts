/**
 * The OpenID Provider: `oidc-provider` 9 configured for the CIE profile (italia/spid-cie-oidc-docs
 * `docs/it/`), plus the few things the library does differently from the profile:
 *
 * - authorization code flow only, PKCE S256 required, signed request objects required (checked
 *   first by `request-object.ts`, with the profile's error codes and the request's `state`);
 * - client authentication `private_key_jwt` only (token, revocation, introspection endpoints);
 * - ID Token and UserInfo signed (RS256/RS512/PS256/PS512/ES256) and encrypted (RSA-OAEP,
 *   RSA-OAEP-256, ECDH-ES…; A128CBC-HS256, A256CBC-HS512) as the client's metadata asks; CIE
 *   claims released by scope in **both** (`conformIdTokenClaims: false`);
 * - pairwise `sub`; `iss` in every authorization response; `acr` SpidL3;
 * - refresh tokens only for `offline_access` with `prompt=consent`, rotated at every use, and a
 *   refresh grant answers **without** an ID Token (docs/it/token_endpoint.rst: a refresh token
 *   "NON DEVE consentire al RP richiedente di ottenere un ID Token");
 * - revoking an access token leaves its refresh token (the library would revoke the whole grant);
 *   revoking a refresh token revokes the grant (docs/it/revocation_endpoint.rst);
 * - introspection answers only `active` (docs/it/introspection_endpoint.rst).
 *
 * Endpoint paths (`A-OIDC-PATHS`): the Shibboleth OIDC layout public client configurations of the
 * CIE OP use (`/idp/profile/oidc/authorize`, `…/token`, `…/userinfo`, `…/keyset`); revocation and
 * introspection under `/idp/profile/oauth2/`.
 *
 * Tokens are the library's opaque values, not the signed JWTs the profile describes (`oidc-provider`
 * issues JWT access tokens only for resource servers, which its UserInfo endpoint refuses): a
 * relying party must not parse them anyway; `A-OIDC-TOKEN-FORMAT` in the README.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { messagePage } from '../pages/misc-pages.ts';
import {
  ACR_VALUES,
  ENCRYPTION_ALGS,
  ENCRYPTION_ENCS,
  SCOPE_CLAIMS,
  SIGNING_ALGS,
} from '../../oidc/profile.ts';
import type { JwkPair } from '../../oidc/federation/keys.ts';
import { cieClaims, type Accounts } from './accounts.ts';
import { memoryAdapter, type ClientLookup } from './adapter.ts';
import { checkAuthorizationRequest, type Tolerance } from './request-object.ts';

/** Paths of the OP's endpoints on its listener. */
export const OP_PATHS = {
  authorization: '/idp/profile/oidc/authorize',
  token: '/idp/profile/oidc/token',
  userinfo: '/idp/profile/oidc/userinfo',
  jwks: '/idp/profile/oidc/keyset',
  revocation: '/idp/profile/oauth2/revocation',
  introspection: '/idp/profile/oauth2/introspection',
} as const;

/** Token lifetimes in seconds (`expires_in` 1800 as the profile's example; refresh ≤ 30 days). */
export const OP_TTL = {
  AccessToken: 1800,
  AuthorizationCode: 60,
  IdToken: 3600,
  RefreshToken: 30 * 24 * 3600,
  Interaction: 600,
  Session: 600,
  Grant: 30 * 24 * 3600,
} as const;

export interface ProviderDeps {
  readonly issuer: string;
  /** Signing keys (RSA for the RS and PS algorithms, P-256 for ES256). */
  readonly keys: readonly JwkPair[];
  readonly accounts: Accounts;
  readonly clients: ClientLookup;
  /** Where the level-3 login of an interaction starts (on the IdP's main listener). */
  readonly loginUrl: (uid: string) => string;
  /** Explains a refused client on the error page. */
  readonly refusal: (clientId: string) => string | undefined;
  /** Bench-only tolerances of a statically registered client. */
  readonly tolerances?: (clientId: string) => readonly Tolerance[];
  readonly record: (kind: string, detail: string) => void;
  readonly clockSkewS?: number;
}

/** Private JWK of a key pair (oidc-provider signs with the `jwks` it is configured with). */
function privateJwk(k: JwkPair): Record<string, unknown> {
  // No `alg` on RSA keys: one key then serves RS256, RS512, PS256 and PS512.
  return {
    ...(k.privateKey.export({ format: 'jwk' }) as object),
    kid: k.kid,
    use: 'sig',
    ...(k.publicJwk.kty === 'RSA' ? {} : { alg: k.alg }),
  };
}

function firstValues(q: Record<string, unknown>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(q))
    out[k] = typeof v === 'string' ? v : Array.isArray(v) ? String(v[0]) : undefined;
  return out;
}

async function readForm(ctx: KoaContextWithOIDC, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new Error('request entity too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The CIE gate in front of the authorization endpoint (see request-object.ts). */
function authorizationGate(provider: Provider, d: ProviderDeps) {
  const seen = new Map<string, number>();
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    if (ctx.path !== OP_PATHS.authorization) return next();
    if (ctx.method === 'POST' && ctx.is('application/x-www-form-urlencoded')) {
      // Checked on the GET it becomes: one code path, and the request object is seen once.
      const body = await readForm(ctx, 56 * 1024).catch(() => undefined);
      if (body === undefined) {
        ctx.status = 413;
        return;
      }
      ctx.status = 303;
      ctx.set('Cache-Control', 'no-store');
      ctx.redirect(`${d.issuer}${OP_PATHS.authorization}?${body}`);
      return;
    }
    if (ctx.method !== 'GET') return next();
    const params = firstValues(ctx.query as Record<string, unknown>);
    const now = Math.floor(Date.now() / 1000);
    for (const [k, exp] of seen) if (exp < now - 600) seen.delete(k);
    let clientId = params['client_id'];
    if (!clientId && params['request']) {
      try {
        const p = JSON.parse(
          Buffer.from(params['request'].split('.')[1] ?? '', 'base64url').toString('utf8'),
        );
        clientId =
          typeof p.client_id === 'string'
            ? p.client_id
            : typeof p.iss === 'string'
              ? p.iss
              : undefined;
      } catch {
        clientId = undefined;
      }
    }
    const client = clientId
      ? await provider.Client.find(clientId).catch(() => undefined)
      : undefined;
    const verdict = await checkAuthorizationRequest({
      params,
      issuer: d.issuer,
      now,
      skewS: d.clockSkewS ?? 60,
      ...(client
        ? {
            client: {
              clientId: client.clientId,
              jwks: (client.metadata().jwks ?? { keys: [] }) as { keys: Record<string, unknown>[] },
              redirectUriAllowed: (u: string) => client.redirectUriAllowed(u),
              redirectUris: client.redirectUris ?? [],
            },
            tolerate: d.tolerances?.(client.clientId) ?? [],
          }
        : {}),
      seen: (key, exp) => {
        if (seen.has(key)) return true;
        seen.set(key, exp);
        return false;
      },
    });
    if (verdict.ok === 'pass') return next();
    if (verdict.ok === true) {
      for (const w of verdict.warnings) d.record('oidc-request', `${clientId}: ${w}`);
      return next();
    }
    d.record('oidc-request', `${clientId}: ${verdict.error} (${verdict.description})`);
    ctx.set('Cache-Control', 'no-store');
    if (!verdict.redirectUri) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = errorPage(verdict.error, verdict.description);
      return;
    }
    const u = new URL(verdict.redirectUri);
    u.searchParams.set('error', verdict.error);
    u.searchParams.set('error_description', verdict.description);
    if (verdict.state !== undefined) u.searchParams.set('state', verdict.state);
    u.searchParams.set('iss', d.issuer);
    ctx.status = 302;
    ctx.redirect(u.toString());
  };
}

function errorPage(error: string, description: string, detail?: string): string {
  return messagePage(
    'errore-oidc',
    'Errore',
    `La richiesta di autenticazione non può essere soddisfatta (${error}).`,
    `${description}${detail ? ` — ${detail}` : ''}`,
  );
}

/** The CIE answers the library shapes differently (refresh grant, introspection, client errors). */
async function profileAnswers(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  await next();
  const body = ctx.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') return;
  const route = ctx.oidc?.route;
  if (
    route === 'token' &&
    ctx.status === 200 &&
    ctx.oidc.params?.['grant_type'] === 'refresh_token'
  )
    delete body['id_token'];
  if (route === 'introspection' && ctx.status === 200)
    ctx.body = { active: body['active'] === true };
  // A client assertion that does not authenticate the client is a client-authentication problem
  // (docs/it/token_endpoint.rst: invalid_client, 401), whatever the library calls it.
  if (
    (route === 'token' || route === 'revocation' || route === 'introspection') &&
    ctx.status === 400 &&
    body['error'] === 'invalid_request' &&
    /client_assertion|client_id/.test(String(body['error_description'] ?? ''))
  ) {
    ctx.status = 401;
    ctx.body = { ...body, error: 'invalid_client' };
  }
}

interface IdTokenInternals {
  ctx?: KoaContextWithOIDC;
  extra: Record<string, unknown>;
  set(key: string, value: unknown): void;
  issue(o?: { use?: string }): Promise<string>;
}

/**
 * ID Tokens of the token endpoint carry `at_hash` and a `jti` (docs/it/token_endpoint.rst: the
 * relying party "DEVE verificare" `at_hash`; `jti` a uuid4). oidc-provider adds `at_hash` only at
 * the authorization endpoint, so the token endpoint's ID Token gets it here, from the access token
 * issued with it (an opaque token's value is its `jti`).
 */
function idTokenClaimsOfTheProfile(provider: Provider): void {
  const proto = (provider.IdToken as unknown as { prototype: IdTokenInternals }).prototype;
  const issue = proto.issue;
  proto.issue = async function (this: IdTokenInternals, o?: { use?: string }): Promise<string> {
    if (o?.use === 'idtoken') {
      const at = this.ctx?.oidc?.entities?.AccessToken as { jti?: string } | undefined;
      if (this.ctx?.oidc?.route === 'token' && at?.jti && this.extra['at_hash'] === undefined)
        this.set('at_hash', at.jti);
      if (this.extra['jti'] === undefined) this.set('jti', randomUUID());
    }
    return issue.call(this, o);
  };
}

/** Builds the provider (not yet listening: mount `provider.callback()`). */
export function buildProvider(d: ProviderDeps): Provider {
  const salt = randomBytes(16).toString('hex');
  const configuration: Configuration = {
    adapter: memoryAdapter(d.clients) as Configuration['adapter'],
    clients: [],
    findAccount: async (_ctx, id) => {
      const c = d.accounts.get(id);
      if (!c) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...cieClaims(c) }) };
    },
    claims: { ...SCOPE_CLAIMS, acr: null } as Configuration['claims'],
    scopes: Object.keys(SCOPE_CLAIMS),
    acrValues: [...ACR_VALUES],
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    subjectTypes: ['pairwise'],
    pairwiseIdentifier: (_ctx, accountId, client) =>
      createHash('sha256')
        .update(
          `${(client['sectorIdentifier'] as string | undefined) ?? client.clientId}|${accountId}|${salt}`,
        )
        .digest('base64url'),
    clientAuthMethods: ['private_key_jwt'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      id_token_signed_response_alg: 'RS256',
      response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
    },
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    jwks: { keys: d.keys.map(privateJwk) } as Configuration['jwks'],
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      encryption: { enabled: true },
      jwtUserinfo: { enabled: true },
      introspection: {
        enabled: true,
        // docs/it/introspection_endpoint.rst: a token not issued to the caller is not active.
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        // docs/it/revocation_endpoint.rst: revoking an access token must not revoke its refresh
        // token (the library would revoke every token of the grant), revoking a refresh token
        // revokes its access tokens; another client's token is left alone (still a 200).
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId !== client.clientId) return false;
          if (token.kind === 'AccessToken') {
            await token.destroy();
            return false;
          }
          return true;
        },
      },
      requestObjects: { enabled: true, requireSignedRequestObject: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: false },
    },
    enabledJWA: {
      clientAuthSigningAlgValues: [...SIGNING_ALGS],
      idTokenSigningAlgValues: [...SIGNING_ALGS],
      requestObjectSigningAlgValues: [...SIGNING_ALGS],
      userinfoSigningAlgValues: [...SIGNING_ALGS],
      introspectionSigningAlgValues: [...SIGNING_ALGS],
      authorizationSigningAlgValues: [...SIGNING_ALGS],
      idTokenEncryptionAlgValues: [...ENCRYPTION_ALGS],
      idTokenEncryptionEncValues: [...ENCRYPTION_ENCS],
      userinfoEncryptionAlgValues: [...ENCRYPTION_ALGS],
      userinfoEncryptionEncValues: [...ENCRYPTION_ENCS],
      requestObjectEncryptionAlgValues: [...ENCRYPTION_ALGS],
      requestObjectEncryptionEncValues: [...ENCRYPTION_ENCS],
      introspectionEncryptionAlgValues: [...ENCRYPTION_ALGS],
      introspectionEncryptionEncValues: [...ENCRYPTION_ENCS],
      authorizationEncryptionAlgValues: [...ENCRYPTION_ALGS],
      authorizationEncryptionEncValues: [...ENCRYPTION_ENCS],
    } as Configuration['enabledJWA'],
    routes: { ...OP_PATHS },
    interactions: { url: (_ctx, interaction) => d.loginUrl(interaction.uid) },
    ttl: { ...OP_TTL },
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    rotateRefreshToken: true,
    clockTolerance: d.clockSkewS ?? 60,
    discovery: {
      claims_parameter_supported: true,
      request_parameter_supported: true,
      request_uri_parameter_supported: false,
      authorization_response_iss_parameter_supported: true,
    },
    renderError: async (ctx, out, _error) => {
      const clientId =
        typeof ctx.oidc?.params?.['client_id'] === 'string'
          ? (ctx.oidc.params['client_id'] as string)
          : undefined;
      const why = clientId && out.error === 'invalid_client' ? d.refusal(clientId) : undefined;
      ctx.type = 'html';
      ctx.body = errorPage(String(out.error), String(out.error_description ?? ''), why);
    },
  };
  const provider = new Provider(d.issuer, configuration);
  idTokenClaimsOfTheProfile(provider);
  provider.use(profileAnswers);
  provider.use(authorizationGate(provider, d));
  type ErrorListener = (
    ctx: KoaContextWithOIDC,
    err: Error & { error_description?: string },
  ) => void;
  const log =
    (kind: string): ErrorListener =>
    (_ctx, err) =>
      d.record('oidc', `${kind}: ${err.message} ${err.error_description ?? ''}`.trim());
  // The library's typings list each event with its own listener type; these six share one shape.
  const on = provider.on.bind(provider) as (event: string, listener: ErrorListener) => Provider;
  for (const ev of [
    'authorization.error',
    'grant.error',
    'introspection.error',
    'revocation.error',
    'userinfo.error',
    'server_error',
  ])
    on(ev, log(ev));
  return provider;
}
