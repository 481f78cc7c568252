/**
 * The express 5 application of the reference SP. Routes:
 *
 * | route | what |
 * |---|---|
 * | `GET /` | home page with the "Entra con CIE" button |
 * | `GET /login?binding=redirect\|post&level=SpidL1\|2\|3` | signed AuthnRequest: 302 (Redirect) or auto-POST form |
 * | `POST /acs` | Assertion Consumer Service (HTTP-POST) |
 * | `GET /attributes` | the session's attributes (401 page without a session) |
 * | `GET /logout` | clears the SP session; then, in `idp` mode, GET to the IdP's logout URL |
 * | `GET /metadata` | signed SP metadata |
 * | `GET /api/outcomes` | ACS outcomes as JSON (Bearer token) |
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import { z } from 'zod';
import { consumeResponse, type AcsDeps } from './acs.ts';
import type { CieSaml } from './cie-saml.ts';
import { SPID_LEVELS } from './config.ts';
import {
  attributesPage,
  homePage,
  idpErrorPage,
  loggedOutPage,
  notLoggedInPage,
  postFormPage,
  rejectedPage,
} from './pages.ts';

const COOKIE = 'ciebench_sp';

export interface AppDeps extends AcsDeps {
  /** The SAML client of a binding (their entry points differ) and authentication level. */
  readonly clientFor: (
    binding: 'redirect' | 'post',
    level: (typeof SPID_LEVELS)[number],
  ) => CieSaml;
  readonly metadataXml: string;
  readonly idpLogoutUrl: string | undefined;
  readonly secureCookies: boolean;
  readonly controlToken: string;
  readonly title: string;
}

const loginQuery = z.object({
  binding: z.enum(['redirect', 'post']).optional(),
  level: z.enum(SPID_LEVELS).optional(),
});

function sessionIdOf(req: Request): string | undefined {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

function html(res: Response, status: number, body: string): void {
  res.status(status).type('html').set('Cache-Control', 'no-store').send(body);
}

function tokenOk(req: Request, token: string): boolean {
  const got = Buffer.from((req.headers.authorization ?? '').replace(/^Bearer /, ''));
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Its pages are made per session and request; no validator to revalidate against.
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.get('/', (req, res) => {
    const sid = sessionIdOf(req);
    html(res, 200, homePage(deps.title, !!(sid && deps.state.sessions.get(sid))));
  });

  app.get('/metadata', (_req, res) => {
    res.status(200).type('application/samlmetadata+xml').send(deps.metadataXml);
  });

  app.get('/login', async (req, res) => {
    const q = loginQuery.safeParse(req.query);
    if (!q.success)
      return html(res, 400, rejectedPage(deps.title, ['login: invalid binding or level']));
    const binding = q.data.binding ?? deps.options.binding;
    const client = deps.clientFor(binding, q.data.level ?? deps.options.level);
    const relayState = randomBytes(18).toString('base64url');
    deps.state.relayStates.set(relayState, true);
    if (binding === 'redirect') {
      res
        .set('Cache-Control', 'no-store')
        .redirect(302, await client.getAuthorizeUrlAsync(relayState, undefined, {}));
      return;
    }
    const message = await client.getAuthorizeMessageAsync(relayState);
    const fields = Object.fromEntries(Object.entries(message).map(([k, v]) => [k, String(v)]));
    html(res, 200, postFormPage(client.options.entryPoint ?? '', fields));
  });

  app.post('/acs', express.urlencoded({ extended: false, limit: '3mb' }), async (req, res) => {
    const outcome = await consumeResponse(deps, req.body);
    if (outcome.kind === 'login') {
      res.cookie(COOKIE, outcome.session.id, {
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.secureCookies,
        path: '/',
        maxAge: deps.options.sessionTtlSeconds * 1000,
      });
      res.set('Cache-Control', 'no-store').redirect(303, '/attributes');
      return;
    }
    if (outcome.kind === 'idp-error')
      return html(res, 200, idpErrorPage(deps.title, outcome.status));
    html(res, 403, rejectedPage(deps.title, outcome.problems));
  });

  app.get('/attributes', (req, res) => {
    const sid = sessionIdOf(req);
    const session = sid ? deps.state.sessions.get(sid) : undefined;
    if (!session) return html(res, 401, notLoggedInPage(deps.title));
    html(res, 200, attributesPage(deps.title, session));
  });

  app.get('/logout', (req, res) => {
    const sid = sessionIdOf(req);
    if (sid) deps.state.sessions.delete(sid);
    res.clearCookie(COOKIE, { path: '/' });
    // The CIE IdP does no SAML Single Logout: a plain GET to its logout URL ends its own session.
    if (deps.options.logout === 'idp' && deps.idpLogoutUrl)
      return res.redirect(302, deps.idpLogoutUrl);
    html(res, 200, loggedOutPage(deps.title));
  });

  app.get('/api/outcomes', (req, res) => {
    if (!tokenOk(req, deps.controlToken)) {
      res.status(401).json({ error: 'missing or wrong Bearer token' });
      return;
    }
    res.json(deps.state.outcomes);
  });

  app.use((_req: Request, res: Response) =>
    html(res, 404, rejectedPage(deps.title, ['pagina non trovata'])),
  );
  // Express 5 routes async errors here; never a stack trace to the client.
  app.use((err: Error, _req: Request, res: Response, _next: express.NextFunction) => {
    html(res, 500, rejectedPage(deps.title, [`errore interno: ${err.message}`]));
  });
  return app;
}
