/**
 * Metadata, logout (no SAML SingleLogout: any request to an SLO location clears the IdP session and
 * shows "Logout effettuato con successo", as the real IdP), the page a generic QR scanner lands on,
 * the app hand-off fallback, the app's error hand-back (`/cieiderror`, code 25), and the default SP
 * logo.
 */
import { Router } from 'express';
import { failTransaction, type IdpContext } from '../context.ts';
import { erroreQrPage, logoutPage, messagePage, openAppPage } from '../pages/misc-pages.ts';
import { idpMetadata } from '../saml/metadata.ts';
import { SESSION_COOKIE, SESSION_COOKIE_PATH, sessionCookie } from './start-transaction.ts';

const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">' +
  '<rect width="64" height="64" rx="8" fill="#06c"/><text x="32" y="40" font-size="20" ' +
  'text-anchor="middle" fill="#fff" font-family="Arial">SP</text></svg>';

export function miscRouter(ctx: IdpContext, certificateBase64: string): Router {
  const router = Router();
  let metadata: string | undefined;
  router.get('/idp/shibboleth', (_req, res) => {
    metadata ??= idpMetadata(ctx.urls, ctx.signingKey, certificateBase64);
    res.type('application/samlmetadata+xml').send(metadata);
  });
  router.all(/^\/idp\/profile\/SAML2\/(Redirect|POST|POST-SimpleSign|SOAP)\/SLO$/, (req, res) => {
    const sid = sessionCookie(req);
    if (sid) ctx.store.dropSession(sid);
    res.append(
      'Set-Cookie',
      `${SESSION_COOKIE}=; Path=${SESSION_COOKIE_PATH}; Secure; HttpOnly; SameSite=Lax; Max-Age=0`,
    );
    res.status(200).type('html').send(logoutPage());
  });
  router.get('/idp/erroreQr.jsp', (_req, res) => void res.type('html').send(erroreQrPage()));
  router.get('/idp/OpenApp', (_req, res) => void res.type('html').send(openAppPage()));
  router.get(
    '/idp/images/logo-sp.svg',
    (_req, res) => void res.type('image/svg+xml').send(LOGO_SVG),
  );
  router.get('/cieiderror', (req, res) => {
    const raw =
      typeof req.query['cieid_error_message'] === 'string' ? req.query['cieid_error_message'] : '';
    const message = raw.slice(0, 200).replace(/_/g, ' ');
    const tx = ctx.store.latest(sessionCookie(req));
    if (tx) return void failTransaction(ctx, res, tx, 25, `app error: ${message}`);
    res
      .status(200)
      .type('html')
      .send(messagePage('errore-app', 'Operazione interrotta', message || 'Operazione annullata'));
  });
  return router;
}
