/**
 * The reference CIE relying party (OpenID Connect with OpenID Federation), on HTTPS:
 *
 * | route | what |
 * |---|---|
 * | `GET /` | home page with **Entra con CIE** |
 * | `GET /login` | a signed request object with PKCE: 302 to the OP |
 * | `GET /callback` | the redirect URI: code → tokens → ID Token and UserInfo checks → 303 `/attributes`; the OP's errors on an error page |
 * | `GET /attributes` | the session's claims, `sub`, `acr` (401 without a session) |
 * | `GET /logout` | revokes the access token at the OP, ends the session |
 * | `GET /.well-known/openid-federation` | its signed Entity Configuration (trust chain to the bench anchor) |
 * | `GET /api/outcomes` | the outcome log as JSON (`Authorization: Bearer <controlToken>`) |
 *
 * The OP is trusted through its resolved trust chain (`op-trust.ts`); the RP's own trust marks are
 * those the anchor issued at registration (`setTrustMarks`, or `ciebench idp federation add-rp`).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import * as client from 'openid-client';
import { httpsFetcher } from '../../oidc/federation/fetcher.ts';
import {
  asStatement,
  STATEMENT_MEDIA_TYPE,
  verifyWith,
  WELL_KNOWN,
  wellKnownUrl,
  type Jwks,
} from '../../oidc/federation/statements.ts';
import { trustOp, type OpTrust } from './op-trust.ts';
import { rpEntityConfiguration, rpKeys, type RpKeys } from './rp-entity.ts';
import {
  buildLogin,
  completeLogin,
  OpCallError,
  RpCheckError,
  type LoginFaults,
} from './rp-flow.ts';
import { parseRpOptions, type RpOptions, type RpOptionsInput } from './rp-options.ts';
import {
  rpAttributesPage,
  rpErrorPage,
  rpHomePage,
  rpLoggedOutPage,
  rpMessagePage,
  rpRejectedPage,
} from './rp-pages.ts';
import { cieCodeOf, RpState, type RpOutcome, type RpSession } from './rp-state.ts';

export interface RpTls {
  readonly keyPem: string;
  /** Leaf (and chain) PEM. */
  readonly certPem: string;
}

export interface RpUrls {
  readonly base: string;
  /** The entity ID and client_id. */
  readonly entityId: string;
  readonly login: string;
  readonly callback: string;
  readonly attributes: string;
  readonly logout: string;
  readonly entityConfiguration: string;
}

export interface RelyingParty {
  readonly urls: RpUrls;
  readonly options: RpOptions;
  readonly keys: RpKeys;
  readonly controlToken: string;
  readonly state: RpState;
  entityConfiguration(): Promise<string>;
  /** The trust marks the anchor issued to this RP (published in its Entity Configuration). */
  setTrustMarks(marks: readonly { id: string; trust_mark: string }[]): void;
  /** Tests: change the Entity Configuration before it is signed. */
  modifyEntityConfiguration(
    fn: ((p: Record<string, unknown>) => Record<string, unknown>) | undefined,
  ): void;
  /** Resolves the OP (again); the first login does it anyway. */
  trustOp(): Promise<OpTrust>;
  /** An authorization request bound to the browser cookie `browser` (tests: with faults). */
  beginLogin(browser: string, faults?: LoginFaults): Promise<URL>;
  waitForOutcome(
    match?: (o: RpOutcome) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<RpOutcome>;
  /** A session by id (tests: refresh, introspection). */
  session(id: string): RpSession | undefined;
  close(): Promise<void>;
}

export interface RpRuntime {
  readonly tls: RpTls;
  readonly connectTo?: (host: string, port: number) => { host: string; port: number } | undefined;
  /** Changes client assertions (negative tests: expired, wrong audience). */
  readonly modifyAssertion?: (
    header: Record<string, unknown>,
    payload: Record<string, unknown>,
  ) => void;
}

const LOGIN_COOKIE = 'ciebench_rp_login';
const SESSION_COOKIE = 'ciebench_rp_session';

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function html(res: Response, status: number, body: string): void {
  res.status(status).type('html').set('Cache-Control', 'no-store').send(body);
}

const callbackQuery = z
  .object({
    code: z.string().max(512).optional(),
    state: z.string().max(512).optional(),
    iss: z.string().max(2048).optional(),
    error: z.string().max(128).optional(),
    error_description: z.string().max(2048).optional(),
  })
  .loose();

/** Starts the relying party on HTTPS (port 0 by default). */
export async function startRelyingParty(
  input: RpOptionsInput,
  rt: RpRuntime,
): Promise<RelyingParty> {
  const o = parseRpOptions(input);
  const keys = rpKeys(o);
  const state = new RpState();
  const controlToken = o.controlToken ?? randomBytes(24).toString('base64url');
  let handler: (req: Request, res: Response) => void = (_q, s) => void s.status(503).end();
  const server: Server = createServer(
    { key: rt.tls.keyPem, cert: rt.tls.certPem, minVersion: 'TLSv1.2' },
    (q, s) => handler(q as Request, s as unknown as Response),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.listen, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const base = (o.publicUrl ?? `https://${o.listen}:${port}`).replace(/\/+$/, '');
  const urls: RpUrls = {
    base,
    entityId: base,
    login: `${base}/login`,
    callback: `${base}/callback`,
    attributes: `${base}/attributes`,
    logout: `${base}/logout`,
    entityConfiguration: wellKnownUrl(base),
  };
  const nowS = (): number => Math.floor(Date.now() / 1000);
  const anchorEntity = o.trustAnchor.entityId.replace(/\/+$/, '');
  let anchorJwks: Jwks | undefined = o.trustAnchor.jwks as Jwks | undefined;
  let trustMarks: readonly { id: string; trust_mark: string }[] = [];
  let modify: ((p: Record<string, unknown>) => Record<string, unknown>) | undefined;
  let trust: OpTrust | undefined;

  const entityConfiguration = (): Promise<string> =>
    rpEntityConfiguration({
      entityId: urls.entityId,
      redirectUri: urls.callback,
      anchor: anchorEntity,
      options: o,
      keys,
      trustMarks,
      now: nowS(),
      ...(modify ? { modify } : {}),
    });

  const resolveOp = async (): Promise<OpTrust> => {
    if (!anchorJwks) {
      // No pinned keys: read the anchor's own configuration once (trust on first use, over TLS).
      const fetch = httpsFetcher({
        ca: o.trustCas,
        ...(rt.connectTo ? { connectTo: rt.connectTo } : {}),
      });
      const doc = await fetch(wellKnownUrl(anchorEntity));
      const own = JSON.parse(
        Buffer.from(doc.body.split('.')[1] ?? '', 'base64url').toString('utf8'),
      ) as { jwks?: Jwks };
      anchorJwks = asStatement(await verifyWith(doc.body.trim(), own.jwks?.keys ?? [])).jwks;
    }
    trust = await trustOp({
      options: o,
      entityId: urls.entityId,
      redirectUri: urls.callback,
      keys,
      anchorJwks,
      now: nowS,
      ...(rt.connectTo ? { connectTo: rt.connectTo } : {}),
      ...(rt.modifyAssertion ? { modifyAssertion: rt.modifyAssertion } : {}),
    });
    return trust;
  };
  const currentTrust = async (): Promise<OpTrust> =>
    trust && trust.chain.exp > nowS() ? trust : resolveOp();

  const beginLogin = async (browser: string, faults?: LoginFaults): Promise<URL> => {
    const t = await currentTrust();
    const built = await buildLogin(t, o, urls.callback, faults);
    state.addPending(built.pending, browser);
    return built.url;
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/', (req, res) =>
    html(
      res,
      200,
      rpHomePage(o.serviceName, state.sessions.has(cookie(req, SESSION_COOKIE) ?? '')),
    ),
  );
  app.get(WELL_KNOWN, async (_req, res) => {
    res
      .status(200)
      .type(STATEMENT_MEDIA_TYPE)
      .set('Cache-Control', 'no-store')
      .send(await entityConfiguration());
  });
  app.get('/login', async (req, res) => {
    const browser = cookie(req, LOGIN_COOKIE) ?? randomBytes(18).toString('base64url');
    res.append('Set-Cookie', `${LOGIN_COOKIE}=${browser}; Path=/; Secure; HttpOnly; SameSite=Lax`);
    try {
      const url = await beginLogin(browser);
      res.set('Cache-Control', 'no-store').redirect(302, url.toString());
    } catch (e) {
      html(
        res,
        502,
        rpMessagePage(
          o.serviceName,
          'sp-op-untrusted',
          `OpenID Provider non raggiungibile o non fidato: ${(e as Error).message}`,
        ),
      );
    }
  });
  app.get('/callback', async (req, res) => {
    const q = callbackQuery.safeParse(req.query);
    const at = new Date().toISOString();
    if (!q.success)
      return html(res, 400, rpRejectedPage(o.serviceName, ['parametri della risposta non validi']));
    const pending = state.takePending(q.data.state, cookie(req, LOGIN_COOKIE));
    const t = trust;
    const issOk = t !== undefined && q.data.iss === t.config.serverMetadata().issuer;
    if (q.data.error) {
      const outcome: RpOutcome = {
        kind: 'op-error',
        at,
        where: 'authorization',
        error: q.data.error,
        ...(q.data.error_description !== undefined
          ? { description: q.data.error_description }
          : {}),
        ...(cieCodeOf(q.data.error_description) !== undefined
          ? { cieCode: cieCodeOf(q.data.error_description)! }
          : {}),
        ...(q.data.state !== undefined ? { state: q.data.state } : {}),
        stateMatched: pending !== undefined && issOk,
      };
      state.record(outcome);
      return html(
        res,
        200,
        rpErrorPage(o.serviceName, {
          error: q.data.error,
          ...(outcome.description ? { description: outcome.description } : {}),
          ...(outcome.cieCode !== undefined ? { cieCode: outcome.cieCode } : {}),
        }),
      );
    }
    const problems = [
      ...(pending ? [] : ['state sconosciuto, già usato o di un altro browser']),
      ...(issOk ? [] : [`iss assente o diverso dall'OP (${q.data.iss ?? 'assente'})`]),
      ...(q.data.code ? [] : ['code assente']),
    ];
    if (problems.length || !pending || !t) {
      state.record({ kind: 'rejected', at, problems });
      return html(res, 403, rpRejectedPage(o.serviceName, problems));
    }
    try {
      const r = await completeLogin(
        t,
        o,
        new URL(`${urls.callback}${req.url.slice(req.url.indexOf('?'))}`),
        pending,
      );
      const session: RpSession = {
        ...r,
        id: randomBytes(24).toString('base64url'),
        createdAt: new Date().toISOString(),
      };
      state.sessions.set(session.id, session);
      state.record({ kind: 'login', at: session.createdAt, session });
      res.append(
        'Set-Cookie',
        `${SESSION_COOKIE}=${session.id}; Path=/; Secure; HttpOnly; SameSite=Lax`,
      );
      res.redirect(303, '/attributes');
    } catch (e) {
      if (e instanceof OpCallError) {
        state.record({
          kind: 'op-error',
          at,
          where: e.where,
          error: e.error,
          ...(e.description !== undefined ? { description: e.description } : {}),
          ...(e.status !== undefined ? { status: e.status } : {}),
          stateMatched: true,
        });
        return html(
          res,
          502,
          rpErrorPage(o.serviceName, {
            error: e.error,
            ...(e.description ? { description: e.description } : {}),
          }),
        );
      }
      const list = e instanceof RpCheckError ? e.problems : [(e as Error).message];
      state.record({ kind: 'rejected', at, problems: list });
      html(res, 403, rpRejectedPage(o.serviceName, list));
    }
  });
  app.get('/attributes', (req, res) => {
    const s = state.sessions.get(cookie(req, SESSION_COOKIE) ?? '');
    if (!s)
      return html(
        res,
        401,
        rpMessagePage(o.serviceName, 'sp-not-logged-in', 'Non hai effettuato l’accesso'),
      );
    html(
      res,
      200,
      rpAttributesPage(o.serviceName, {
        sub: s.sub,
        acr: s.acr,
        userinfo: s.userinfo,
        op: o.op,
        createdAt: s.createdAt,
        refreshToken: s.refreshToken !== undefined,
      }),
    );
  });
  app.get('/logout', async (req, res) => {
    const id = cookie(req, SESSION_COOKIE) ?? '';
    const s = state.sessions.get(id);
    state.sessions.delete(id);
    res.append(
      'Set-Cookie',
      `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`,
    );
    let revoked = false;
    if (s && trust) {
      // docs/it/logout.rst: revoke the access tokens; a refresh token (offline access) stays.
      revoked = await client
        .tokenRevocation(trust.config, s.accessToken, { token_type_hint: 'access_token' })
        .then(
          () => true,
          () => false,
        );
    }
    state.record({ kind: 'logout', at: new Date().toISOString(), revoked });
    html(res, 200, rpLoggedOutPage(o.serviceName, revoked));
  });
  app.get('/privacy', (_req, res) =>
    html(
      res,
      200,
      rpMessagePage(o.serviceName, 'sp-privacy', 'Informativa (servizio di prova, dati sintetici)'),
    ),
  );
  app.get(
    '/logo.svg',
    (_req, res) =>
      void res
        .type('image/svg+xml')
        .send(
          '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#06c"/></svg>',
        ),
  );
  app.get('/api/outcomes', (req, res) => {
    const want = Buffer.from(`Bearer ${controlToken}`);
    const got = Buffer.from(req.headers.authorization ?? '');
    if (got.length !== want.length || !timingSafeEqual(got, want))
      return void res.status(401).json({ error: 'missing or wrong Bearer token' });
    res.json(state.outcomes);
  });
  app.use((_req: Request, res: Response) =>
    html(res, 404, rpMessagePage(o.serviceName, 'sp-not-found', 'Pagina non trovata')),
  );
  app.use((err: Error, _req: Request, res: Response, _next: express.NextFunction) =>
    html(
      res,
      500,
      rpMessagePage(o.serviceName, 'sp-internal-error', `Errore interno: ${err.message}`),
    ),
  );
  handler = app as unknown as typeof handler;

  return {
    urls,
    options: o,
    keys,
    controlToken,
    state,
    entityConfiguration,
    setTrustMarks: (m) => void (trustMarks = [...m]),
    modifyEntityConfiguration: (fn) => void (modify = fn),
    trustOp: resolveOp,
    beginLogin,
    waitForOutcome: (m, t, f) => state.waitForOutcome(m, t, f),
    session: (id) => state.sessions.get(id),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
