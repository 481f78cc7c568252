/**
 * The OpenID Connect side of the reference IdP, assembled: the keys (from the IdP's seed), the bench
 * trust anchor, the client directory (federation and static), the `oidc-provider` instance, the
 * OP's Entity Configuration, and the HTTP handlers for the OP's listener, the anchor's listener and
 * the level-3 hand-over on the main listener. `startIdp` mounts them; nothing here listens.
 */
import express, { Router, type Express } from 'express';
import { z, ZodError } from 'zod';
import type { IdpContext } from '../context.ts';
import { record } from '../context.ts';
import { ecJwk, randomJwk, rsaJwk, type JwkPair } from '../../oidc/federation/keys.ts';
import { httpsFetcher, type FederationFetcher } from '../../oidc/federation/fetcher.ts';
import {
  asStatement,
  jwksSchema,
  peek,
  signStatement,
  STATEMENT_MEDIA_TYPE,
  StatementError,
  verifyWith,
  WELL_KNOWN,
  wellKnownUrl,
  type Jwks,
} from '../../oidc/federation/statements.ts';
import { Accounts } from './accounts.ts';
import { ClientDirectory } from './clients.ts';
import { resolveHandler, registryRouter } from './federation-routes.ts';
import { OIDC_LOGIN_PATH, oidcLoginRouter } from './login-route.ts';
import { opEntityConfiguration } from './op-entity.ts';
import { buildProvider, OP_PATHS } from './provider.ts';
import { TrustAnchor, type Organisation } from './trust-anchor.ts';
import { BenchError } from '../../../emulator/src/host-error.ts';

export interface OidcConfig {
  /** Resolve unknown https client_ids as federation relying parties (default true). */
  readonly federation?: boolean;
  /** Ask the anchor's trust mark status endpoint when checking a relying party (default true). */
  readonly trustMarkStatus?: boolean;
  /** Statically registered clients: `client_id` + `openid_relying_party` metadata (JSON). */
  readonly staticClients?: readonly unknown[];
  /** PEM CAs trusted when fetching entity configurations (the bench TLS CA always is). */
  readonly fetchCas?: readonly string[];
  /** Longest reuse of a resolved relying-party chain, seconds (default 300). */
  readonly chainCacheS?: number;
  /**
   * `seeded` (default): the trust anchor's and the OP's keys come from the IdP's seed and stay the
   * same across restarts; `random`: fresh keys (no 5-second key derivation, for tests).
   */
  readonly keys?: 'seeded' | 'random';
}

export interface OidcUrls {
  /** The OP's entity ID and issuer. */
  readonly issuer: string;
  readonly authorization: string;
  readonly token: string;
  readonly userinfo: string;
  readonly keyset: string;
  readonly revocation: string;
  readonly introspection: string;
  /** `/.well-known/openid-configuration` (for relying parties registered statically). */
  readonly discovery: string;
  readonly entityConfiguration: string;
  /** The trust anchor's entity ID. */
  readonly trustAnchor: string;
  readonly trustAnchorEntityConfiguration: string;
}

export interface AddRelyingParty {
  readonly entityId: string;
  /** Trust mark profile (default public). */
  readonly profile?: 'public' | 'private';
  /** Trust mark lifetime in seconds (default one year; negative: issued expired). */
  readonly trustMarkLifetimeS?: number;
  /** Issue a trust mark (default true). */
  readonly trustMark?: boolean;
  /** The RP's federation keys; absent: read from its Entity Configuration. */
  readonly jwks?: Jwks;
  readonly organisation?: Organisation;
  /** Per-RP metadata policy for `openid_relying_party`, combined over the anchor's. */
  readonly policy?: Record<string, Record<string, unknown>>;
}

export const addRelyingPartySchema = z
  .object({
    entityId: z.url().max(2048),
    profile: z.enum(['public', 'private']).optional(),
    trustMarkLifetimeS: z
      .number()
      .int()
      .min(-10 * 365 * 86400)
      .max(10 * 365 * 86400)
      .optional(),
    trustMark: z.boolean().optional(),
    jwks: jwksSchema.optional(),
    organisation: z
      .object({
        organizationName: z.string().max(200).optional(),
        organizationType: z.enum(['public', 'private']).optional(),
        idCode: z.string().max(64).optional(),
        email: z.string().max(200).optional(),
      })
      .strict()
      .optional(),
    policy: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  })
  .strict();

export interface AddedRelyingParty {
  readonly entityId: string;
  /** Put these in the RP's Entity Configuration (`trust_marks`). */
  readonly trustMarks: readonly { id: string; trust_mark: string }[];
  readonly warnings: readonly string[];
}

export interface OidcRuntime {
  readonly urls: OidcUrls;
  readonly anchor: TrustAnchor;
  readonly clients: ClientDirectory;
  readonly accounts: Accounts;
  /** The OP's listener. */
  readonly opApp: Express;
  /** The trust anchor's listener. */
  readonly registryApp: Express;
  /** Mounted on the IdP's main listener (the level-3 hand-over). */
  readonly loginRouter: Router;
  /** Mounted under the control API (behind its token). */
  readonly controlRouter: Router;
  readonly federationFetcher: FederationFetcher;
  opEntityConfiguration(): Promise<string>;
  addRelyingParty(input: AddRelyingParty): Promise<AddedRelyingParty>;
  addStaticClient(metadata: unknown): string;
  /** Also trust this PEM CA when fetching entity configurations (a relying party's TLS CA). */
  trustCa(pem: string): void;
}

export interface OidcSetupInput {
  readonly issuer: string;
  readonly registry: string;
  readonly seed: string;
  /** PEM of the bench TLS CA (its listeners' certificates chain to it). */
  readonly tlsCaPem: string;
  readonly connectTo?: (host: string, port: number) => { host: string; port: number } | undefined;
  readonly config?: OidcConfig;
}

function seconds(ctx: IdpContext): () => number {
  return () => Math.floor(ctx.clock.now().getTime() / 1000);
}

export async function setupOidc(ctx: IdpContext, i: OidcSetupInput): Promise<OidcRuntime> {
  const cfg = i.config ?? {};
  const now = seconds(ctx);
  const log = (kind: string, detail: string): void => record(ctx, kind, detail);
  const fetchCas = [i.tlsCaPem, ...(cfg.fetchCas ?? [])];
  const fetch = httpsFetcher({
    ca: () => fetchCas,
    ...(i.connectTo ? { connectTo: i.connectTo } : {}),
  });
  const rsa = (role: string): JwkPair =>
    cfg.keys === 'random' ? randomJwk() : rsaJwk(`${i.seed}|${role}`);
  const keys = {
    anchor: rsa('trust-anchor'),
    opFederation: rsa('op-federation'),
    opCore: [
      rsa('op-core-rsa'),
      cfg.keys === 'random' ? randomJwk('sig', 'ES256') : ecJwk(`${i.seed}|op-core-ec`),
    ] as JwkPair[],
  };
  const anchor = new TrustAnchor({ entityId: i.registry, key: keys.anchor, now });
  const accounts = new Accounts();
  const clients = new ClientDirectory({
    anchor,
    fetch,
    now,
    ...(cfg.federation === undefined ? {} : { federation: cfg.federation }),
    ...(cfg.trustMarkStatus === undefined ? {} : { trustMarkStatus: cfg.trustMarkStatus }),
    ...(cfg.chainCacheS === undefined ? {} : { cacheS: cfg.chainCacheS }),
    record: log,
  });
  for (const c of cfg.staticClients ?? []) clients.addStatic(c);
  const issuer = i.issuer.replace(/\/+$/, '');
  const provider = buildProvider({
    issuer,
    keys: keys.opCore,
    accounts,
    clients: (id) => clients.find(id),
    loginUrl: (uid) => `${ctx.urls.base}${OIDC_LOGIN_PATH}?uid=${encodeURIComponent(uid)}`,
    refusal: (id) => {
      const r = clients.refusal(id);
      return r ? `${r.reason}: ${r.detail}` : undefined;
    },
    tolerances: (id) => clients.tolerated(id),
    record: log,
  });
  // The OP is the anchor's subordinate, with its trust mark.
  let opMarks: { id: string; trust_mark: string }[] = [];
  const opMark = await anchor.register({
    entityId: issuer,
    jwks: { keys: [keys.opFederation.publicJwk] },
    entityTypes: ['openid_provider'],
    trustMark: { profile: 'public' },
    organisation: {
      organizationName: 'CIE Bench TEST OpenID Provider',
      organizationType: 'public',
    },
  });
  if (opMark) opMarks = [opMark];
  const ec = (): Promise<string> =>
    opEntityConfiguration({
      issuer,
      anchor: anchor.entityId,
      federationKey: keys.opFederation,
      coreKeys: keys.opCore,
      trustMarks: () => opMarks,
      now,
    });

  const opApp = express();
  opApp.disable('x-powered-by');
  opApp.get(WELL_KNOWN, async (_req, res) => {
    res
      .status(200)
      .set('Cache-Control', 'no-store')
      .type(STATEMENT_MEDIA_TYPE)
      .send(await ec());
  });
  opApp.get(
    '/resolve',
    resolveHandler({
      issuer,
      anchor,
      fetch,
      now,
      sign: (p) =>
        signStatement({ iss: issuer, iat: now(), ...p }, keys.opFederation, 'resolve-response+jwt'),
    }),
  );
  opApp.use(provider.callback());

  const registryApp = express();
  registryApp.disable('x-powered-by');
  registryApp.use(
    registryRouter(
      anchor,
      resolveHandler({ issuer, anchor, fetch, now, sign: (p) => anchor.signResolveAnswer(p) }),
    ),
  );
  registryApp.use(
    (_req, res) =>
      void res
        .status(404)
        .json({ error: 'not_found', error_description: 'no such federation endpoint' }),
  );

  const addRelyingParty = async (input: AddRelyingParty): Promise<AddedRelyingParty> => {
    const warnings: string[] = [];
    let jwks = input.jwks;
    let org: Organisation = input.organisation ?? {};
    if (!jwks) {
      const url = wellKnownUrl(input.entityId);
      let doc;
      try {
        doc = await fetch(url);
      } catch (e) {
        throw new BenchError(
          'RP_UNREACHABLE',
          `cannot read ${url}: ${(e as Error).message}`,
          'environment',
        );
      }
      if (doc.status !== 200)
        throw new BenchError('RP_UNREACHABLE', `${url} answered HTTP ${doc.status}`, 'environment');
      try {
        const own = (peek(doc.body.trim())['jwks'] as Jwks | undefined)?.keys ?? [];
        const st = asStatement(await verifyWith(doc.body.trim(), own));
        if (st.iss !== input.entityId || st.sub !== input.entityId)
          throw new StatementError('BAD_CLAIMS', `iss/sub are not ${input.entityId}`);
        jwks = st.jwks;
        if (!(st.authority_hints ?? []).includes(anchor.entityId))
          warnings.push(
            `its authority_hints do not name ${anchor.entityId}: its chain will not resolve`,
          );
        const fe = st.metadata?.['federation_entity'] ?? {};
        if (typeof fe['organization_name'] === 'string' && !org.organizationName)
          org = { ...org, organizationName: fe['organization_name'] };
        if (!st.metadata?.['openid_relying_party'])
          warnings.push('no openid_relying_party metadata');
      } catch (e) {
        throw new BenchError(
          'RP_CONFIGURATION_INVALID',
          `${url}: ${(e as Error).message}`,
          'input',
        );
      }
    }
    const entry = await anchor.register({
      entityId: input.entityId,
      jwks,
      entityTypes: ['openid_relying_party'],
      ...(input.trustMark === false
        ? {}
        : {
            trustMark: {
              profile: input.profile ?? 'public',
              lifetimeS: input.trustMarkLifetimeS ?? 365 * 86400,
            },
          }),
      organisation: { organizationType: input.profile ?? 'public', ...org },
      ...(input.policy ? { policy: { openid_relying_party: input.policy as never } } : {}),
    });
    log(
      'federation',
      `relying party ${input.entityId} registered${entry ? ` with ${entry.id}` : ''}`,
    );
    return { entityId: input.entityId, trustMarks: entry ? [entry] : [], warnings };
  };

  const controlRouter = Router();
  const json = express.json({ limit: '64kb' });
  const bad = (res: express.Response, e: unknown): void => {
    const message =
      e instanceof ZodError
        ? e.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')
        : (e as Error).message;
    const status = e instanceof BenchError && e.kind === 'environment' ? 502 : 400;
    res.status(status).json({ error: 'BAD_REQUEST', message });
  };
  controlRouter.post('/federation/rps', json, async (req, res) => {
    try {
      res
        .status(201)
        .json(await addRelyingParty(addRelyingPartySchema.parse(req.body) as AddRelyingParty));
    } catch (e) {
      bad(res, e);
    }
  });
  controlRouter.get('/federation/rps', (_req, res) => {
    res.json(
      anchor.list().map((id) => {
        const s = anchor.get(id);
        return {
          entityId: id,
          entityTypes: s?.entityTypes,
          trustMarks: s?.trustMarks.map((t) => ({ id: t.id, exp: t.exp, revoked: t.revoked })),
        };
      }),
    );
  });
  controlRouter.post('/federation/revoke', json, (req, res) => {
    const b = z
      .object({ entityId: z.url(), id: z.string().optional() })
      .strict()
      .safeParse(req.body);
    if (!b.success) return bad(res, b.error);
    res.json({ revoked: anchor.revokeTrustMark(b.data.entityId, b.data.id) });
  });
  controlRouter.post('/federation/remove', json, (req, res) => {
    const b = z.object({ entityId: z.url() }).strict().safeParse(req.body);
    if (!b.success) return bad(res, b.error);
    res.json({ removed: anchor.remove(b.data.entityId) });
  });
  controlRouter.post('/oidc/clients', json, (req, res) => {
    try {
      res.status(201).json({ clientId: clients.addStatic(req.body) });
    } catch (e) {
      bad(res, e);
    }
  });
  controlRouter.get('/oidc/clients', (_req, res) => void res.json(clients.staticIds()));

  return {
    urls: {
      issuer,
      authorization: `${issuer}${OP_PATHS.authorization}`,
      token: `${issuer}${OP_PATHS.token}`,
      userinfo: `${issuer}${OP_PATHS.userinfo}`,
      keyset: `${issuer}${OP_PATHS.jwks}`,
      revocation: `${issuer}${OP_PATHS.revocation}`,
      introspection: `${issuer}${OP_PATHS.introspection}`,
      discovery: `${issuer}/.well-known/openid-configuration`,
      entityConfiguration: wellKnownUrl(issuer),
      trustAnchor: anchor.entityId,
      trustAnchorEntityConfiguration: wellKnownUrl(anchor.entityId),
    },
    anchor,
    clients,
    accounts,
    opApp,
    registryApp,
    loginRouter: oidcLoginRouter(ctx, provider, accounts),
    controlRouter,
    federationFetcher: fetch,
    opEntityConfiguration: ec,
    addRelyingParty,
    addStaticClient: (m) => clients.addStatic(m),
    trustCa: (pem) => {
      if (!fetchCas.includes(pem)) fetchCas.push(pem);
    },
  };
}
