/**
 * The endpoints the CieID app calls without a client certificate (L3-PROTOCOL.md §4.3, §5.2), and
 * the browser continuations of the phone-only flow: `X509MobileTLS13Second` (TLS 1.3 variant) and
 * `livello3mobile?…&login=1&codice=…` (Login2 variant).
 */
import { randomBytes } from 'node:crypto';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { record, type IdpContext } from '../context.ts';
import {
  APP_CODES,
  AppRefusal,
  checkCard,
  checkSignature,
  citizenOf,
  hexParam,
  isCardInvalid,
  type AppCode,
} from '../flows/card-login.ts';
import { appHybridCall, SERIAL_RE } from '../flows/hybrid.ts';
import { messagePage } from '../pages/misc-pages.ts';
import type { Transaction } from '../state/transaction.ts';
import { liveTransaction } from './flow-guard.ts';
import { l3Url } from './start-transaction.ts';

const HEX_CERT = z.string().regex(/^([0-9a-fA-F]{2}){64,4096}$/, 'cert must be hexadecimal DER');
const HEX_SIG = z
  .string()
  .regex(/^([0-9a-fA-F]{2}){64,1024}$/, 'challenge must be a hexadecimal signature');

const hybridSchema = z
  .object({
    opId: z.string().regex(/^_[0-9a-f]{32}$/),
    userId: z.string().regex(SERIAL_RE),
    cert: HEX_CERT,
    challenge: HEX_SIG.optional(),
  })
  .loose();

const firstSchema = z
  .object({ cert: HEX_CERT, authnRequest: z.string().regex(/^[A-Za-z0-9_-]{43}$/) })
  .loose();

/** The error answer of the app endpoints (`A-ERROR-SHAPE`). */
export function sendAppError(res: Response, code: AppCode, detail?: string): void {
  const c = APP_CODES[code];
  res.status(c.http).json({
    esito: 'KO',
    codice: code,
    messaggio: c.messaggio,
    ...(detail ? { dettaglio: detail } : {}),
  });
}

export function appErrorOf(e: unknown): { code: AppCode; detail: string } {
  if (e instanceof AppRefusal) return { code: e.appCode, detail: e.message };
  return { code: 'INTERNAL', detail: (e as Error).message };
}

function tls13First(ctx: IdpContext, body: z.infer<typeof firstSchema>): string {
  const tx = ctx.store.byAuthnRequestString(body.authnRequest);
  if (!tx || tx.state.step !== 'handoff')
    throw new AppRefusal('NOT_FOUND', 'unknown or finished authnRequest');
  const now = ctx.clock.now().getTime();
  if (now > tx.deadline) throw new AppRefusal('TIMEOUT', 'login time budget exceeded');
  const cert = hexParam(body.cert, 'cert');
  let citizen;
  try {
    citizen = citizenOf(ctx, checkCard(ctx, cert));
  } catch (e) {
    if (e instanceof AppRefusal && isCardInvalid(e.appCode))
      tx.state = { step: 'failed', code: 23, detail: e.message };
    throw e;
  }
  const value = randomBytes(32).toString('hex');
  tx.state = {
    step: 'handoff',
    challenge: {
      value,
      expiresAt: now + ctx.timers.challengeLifetimeMs,
      citizen,
      certificate: cert,
    },
  };
  record(ctx, 'mobile', `${tx.key}: challenge issued to ${citizen.fiscalCode}`);
  return value;
}

function refusePage(res: Response, status: number, message: string): void {
  res
    .status(status)
    .type('html')
    .send(messagePage('errore-accesso', 'Accesso non riuscito', message));
}

/** Browser continuation of the TLS 1.3 variant: verify the challenge signature, then consent. */
function tls13Second(ctx: IdpContext, res: Response, tx: Transaction, signature: string): void {
  const s = tx.state;
  if (s.step !== 'handoff' || !s.challenge)
    return refusePage(res, 400, 'Nessuna operazione in attesa di firma.');
  if (ctx.clock.now().getTime() > s.challenge.expiresAt)
    return refusePage(res, 410, 'La richiesta è scaduta: ripeti la lettura della carta.');
  try {
    const id = checkCard(ctx, s.challenge.certificate);
    checkSignature(id, s.challenge.value, signature);
  } catch (e) {
    const { code, detail } = appErrorOf(e);
    record(ctx, 'mobile', `${tx.key}: second step refused ${code} (${detail})`);
    if (isCardInvalid(code)) {
      tx.state = { step: 'failed', code: 23, detail };
      return void res.redirect(303, l3Url(ctx, tx));
    }
    return refusePage(res, APP_CODES[code].http, APP_CODES[code].messaggio);
  }
  tx.state = { step: 'consent', citizen: s.challenge.citizen, authnInstant: ctx.clock.now() };
  res.redirect(303, l3Url(ctx, tx));
}

/** Browser continuation of Login2: the one-time code from `codice:<16 digits>`. */
function login2Continue(ctx: IdpContext, res: Response, tx: Transaction, codice: unknown): void {
  const s = tx.state;
  if (s.step !== 'handoff' || !s.code || typeof codice !== 'string' || codice !== s.code.value)
    return refusePage(res, 403, 'Codice di accesso non valido.');
  if (ctx.clock.now().getTime() > s.code.expiresAt)
    return refusePage(res, 410, 'Codice di accesso scaduto.');
  tx.state = { step: 'consent', citizen: s.code.citizen, authnInstant: ctx.clock.now() };
  res.redirect(303, l3Url(ctx, tx));
}

export function appRouter(ctx: IdpContext): Router {
  const router = Router();
  router.post('/idp/Authn/SSL/X509AuthIbridoTLS13', (req, res) => {
    const body = hybridSchema.safeParse(req.body ?? {});
    if (!body.success) return sendAppError(res, 'BAD_REQUEST', body.error.issues[0]?.message);
    try {
      const answer = appHybridCall(ctx, {
        opId: body.data.opId,
        userId: body.data.userId,
        certificate: hexParam(body.data.cert, 'cert'),
        ...(body.data.challenge ? { signature: body.data.challenge } : {}),
      });
      res.json({ esito: 'OK', ...answer });
    } catch (e) {
      const { code, detail } = appErrorOf(e);
      sendAppError(res, code, detail);
    }
  });
  router.post('/idp/Authn/X509TLS13First', (req, res) => {
    const body = firstSchema.safeParse(req.body ?? {});
    if (!body.success) return sendAppError(res, 'BAD_REQUEST', body.error.issues[0]?.message);
    try {
      res.status(200).type('text/plain; charset=utf-8').send(tls13First(ctx, body.data));
    } catch (e) {
      const { code, detail } = appErrorOf(e);
      sendAppError(res, code, detail);
    }
  });
  router.get('/idp/Authn/X509MobileTLS13Second', (req, res) => {
    const sig = HEX_SIG.safeParse(req.query['challenge']);
    const tx = liveTransaction(ctx, req, res, req.query as Record<string, unknown>);
    if (!tx) return;
    if (!sig.success) return refusePage(res, 400, 'Firma mancante o non valida.');
    tls13Second(ctx, res, tx, sig.data);
  });
  router.get('/idp/login/livello3mobile', (req, res) => {
    const tx = liveTransaction(ctx, req, res, req.query as Record<string, unknown>);
    if (tx) login2Continue(ctx, res, tx, req.query['codice']);
  });
  for (const p of ['/idp/Authn/SSL/X509AuthIbridoTLS13', '/idp/Authn/X509TLS13First'])
    router.all(p, (_req, res) => sendAppError(res, 'METHOD_NOT_ALLOWED'));
  return router;
}
