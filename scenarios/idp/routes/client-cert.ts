/**
 * The endpoints behind TLS client authentication (TLS 1.2 only: with TLS 1.3 a card that signs only
 * PKCS#1 v1.5 has no usable CertificateVerify algorithm, RFC 8446 §4.4.3):
 *
 * - desktop listener: `GET /idp/Authn/X509?<flow key>` — the browser presents the card certificate
 *   through the CIE middleware; the IdP maps it to the citizen after the card checks (expired or
 *   revoked → SAML 23) and shows the consent page (`A-DESKTOP-PATH`: the real path is not public;
 *   this is Shibboleth's own X.509 login path);
 * - mobile mutual-TLS listener (certificate required and checked in the handshake, so an expired
 *   or revoked card gets the TLS alert the SDKs expect): `POST /idp/Authn/SSL/Login2` → `codice:<16
 *   digits>`, and the legacy hybrid `POST /idp/Authn/SSL/X509AuthIbrido`.
 */
import type { TLSSocket } from 'node:tls';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { failTransaction, numericCode, record, type IdpContext } from '../context.ts';
import { APP_CODES, checkCard, citizenOf, isCardInvalid } from '../flows/card-login.ts';
import { appHybridCall, SERIAL_RE } from '../flows/hybrid.ts';
import { messagePage } from '../pages/misc-pages.ts';
import { appErrorOf, sendAppError } from './app-api.ts';
import { liveTransaction } from './flow-guard.ts';
import { l3Url } from './start-transaction.ts';

export const DESKTOP_PATH = '/idp/Authn/X509';

/** DER of the client certificate of this TLS connection, if one was presented. */
export function peerCertificate(req: Request): Uint8Array | undefined {
  const sock = req.socket as TLSSocket;
  if (typeof sock.getPeerCertificate !== 'function') return undefined;
  const c = sock.getPeerCertificate(false);
  return c && c.raw ? new Uint8Array(c.raw) : undefined;
}

function page(res: Response, status: number, message: string): void {
  res
    .status(status)
    .type('html')
    .send(messagePage('errore-accesso', 'Accesso non riuscito', message));
}

export function desktopRouter(ctx: IdpContext): Router {
  const router = Router();
  router.get(DESKTOP_PATH, (req, res) => {
    const tx = liveTransaction(ctx, req, res, req.query as Record<string, unknown>);
    if (!tx) return;
    if (tx.state.step !== 'desktop') return page(res, 400, 'Nessun accesso con lettore in corso.');
    const cert = peerCertificate(req);
    if (!cert)
      return page(res, 403, 'Nessun certificato ricevuto: appoggia la CIE sul lettore e riprova.');
    try {
      const citizen = citizenOf(ctx, checkCard(ctx, cert));
      tx.state = { step: 'consent', citizen, authnInstant: ctx.clock.now() };
      record(ctx, 'desktop', `${tx.key}: client certificate of ${citizen.fiscalCode}`);
      res.redirect(303, l3Url(ctx, tx));
    } catch (e) {
      const { code, detail } = appErrorOf(e);
      if (isCardInvalid(code)) return failTransaction(ctx, res, tx, 23, detail);
      page(res, APP_CODES[code].http, APP_CODES[code].messaggio);
    }
  });
  return router;
}

const login2Schema = z
  .object({
    authnRequest: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    generaCodice: z.literal('1').optional(),
  })
  .loose();
const ibridoSchema = z
  .object({ opId: z.string().regex(/^_[0-9a-f]{32}$/), userId: z.string().regex(SERIAL_RE) })
  .loose();

export function mutualTlsRouter(ctx: IdpContext): Router {
  const router = Router();
  router.post('/idp/Authn/SSL/Login2', (req, res) => {
    const body = login2Schema.safeParse(req.body ?? {});
    const cert = peerCertificate(req);
    if (!body.success || !cert)
      return sendAppError(
        res,
        'BAD_REQUEST',
        body.success ? 'no client certificate' : body.error.issues[0]?.message,
      );
    const tx = ctx.store.byAuthnRequestString(body.data.authnRequest);
    const key = (req.body as Record<string, unknown>)[ctx.behaviour.flowKeyName];
    if (!tx || tx.state.step !== 'handoff' || key !== tx.key)
      return sendAppError(res, 'NOT_FOUND', 'unknown or finished authnRequest');
    const now = ctx.clock.now().getTime();
    if (now > tx.deadline) return sendAppError(res, 'TIMEOUT');
    try {
      const citizen = citizenOf(ctx, checkCard(ctx, cert));
      const value = numericCode(16);
      tx.state = {
        step: 'handoff',
        code: { value, expiresAt: now + ctx.timers.codeLifetimeMs, citizen },
      };
      record(ctx, 'mobile', `${tx.key}: Login2 code issued to ${citizen.fiscalCode}`);
      res.status(200).type('text/plain; charset=utf-8').send(`codice:${value}`);
    } catch (e) {
      const { code, detail } = appErrorOf(e);
      if (isCardInvalid(code)) tx.state = { step: 'failed', code: 23, detail };
      sendAppError(res, code, detail);
    }
  });
  router.post('/idp/Authn/SSL/X509AuthIbrido', (req, res) => {
    const body = ibridoSchema.safeParse(req.body ?? {});
    const cert = peerCertificate(req);
    if (!body.success || !cert)
      return sendAppError(
        res,
        'BAD_REQUEST',
        body.success ? 'no client certificate' : body.error.issues[0]?.message,
      );
    try {
      res.json({
        esito: 'OK',
        ...appHybridCall(ctx, { ...body.data, certificate: cert, keyProven: true }),
      });
    } catch (e) {
      const { code, detail } = appErrorOf(e);
      sendAppError(res, code, detail);
    }
  });
  return router;
}
