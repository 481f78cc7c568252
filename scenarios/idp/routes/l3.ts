/**
 * The level-3 pages at `/idp/login/livello3` (GET renders the transaction's current step, POST
 * applies the user's choice and redirects back, post/redirect/get) and the QR status endpoint the
 * QR page polls (`A-QR-POLL`).
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { failTransaction, record, succeedTransaction, type IdpContext } from '../context.ts';
import {
  newOp,
  otpMatches,
  qrPayload,
  qrSvg,
  remainingSeconds,
  SERIAL_RE,
} from '../flows/hybrid.ts';
import {
  chooserPage,
  consentPage,
  desktopPage,
  L3_PATH,
  otpPage,
  otpVoidPage,
  qrExpiredPage,
  qrPage,
  serialPage,
  type FlowFields,
} from '../pages/l3-pages.ts';
import { openAppPage } from '../pages/misc-pages.ts';
import type { Transaction } from '../state/transaction.ts';
import { flowKey, liveTransaction } from './flow-guard.ts';
import { l3Url, sessionCookie } from './start-transaction.ts';

const postSchema = z
  .object({
    scelta: z.string().max(32).optional(),
    azione: z.string().max(32).optional(),
    seriale: z.string().max(64).optional(),
    otp: z.string().max(64).optional(),
  })
  .loose();

function fields(ctx: IdpContext, tx: Transaction): FlowFields {
  return { keyName: ctx.behaviour.flowKeyName, key: tx.key };
}

async function render(ctx: IdpContext, res: Response, tx: Transaction): Promise<void> {
  const f = fields(ctx, tx);
  const s = tx.state;
  const send = (html: string): void =>
    void res.status(200).type('html').set('Cache-Control', 'no-store').send(html);
  switch (s.step) {
    case 'chooser':
      return send(chooserPage(f, tx.requester.displayName));
    case 'serial':
      return send(serialPage(f, s.error));
    case 'qr': {
      if (s.op.outcome.kind === 'refused') {
        ctx.store.unindexOp(s.op.opId);
        tx.state = { step: 'serial', error: s.op.outcome.message };
        return render(ctx, res, tx);
      }
      if (remainingSeconds(ctx, s.op) === 0) return send(qrExpiredPage(f));
      const payload = qrPayload(ctx, tx, s.op);
      return send(
        qrPage(f, {
          svg: await qrSvg(payload),
          payload,
          remainingSeconds: remainingSeconds(ctx, s.op),
          pollMs: ctx.timers.qrPollMs,
          checkUrl: `${ctx.urls.base}/idp/login/livello3checkqrcode?${ctx.behaviour.flowKeyName}=${tx.key}`,
          spName: tx.requester.displayName,
        }),
      );
    }
    case 'otp':
      return send(otpPage(f, s.error));
    case 'otp-void':
      return send(otpVoidPage(f, s.reason));
    case 'desktop':
      return send(
        desktopPage(f, `${ctx.urls.desktop}/idp/Authn/X509?${ctx.behaviour.flowKeyName}=${tx.key}`),
      );
    case 'handoff':
      return send(openAppPage());
    case 'consent':
      return send(consentPage(f, tx.requester.displayName, tx.requester.consentRows(s.citizen)));
    case 'failed':
    case 'done':
      return void failTransaction(ctx, res, tx, 25, 'transaction already ended');
  }
}

/** Applies one POSTed choice; returns false when the answer has already been sent. */
function act(
  ctx: IdpContext,
  res: Response,
  tx: Transaction,
  body: z.infer<typeof postSchema>,
): boolean {
  const s = tx.state;
  const now = ctx.clock.now().getTime();
  if (body.scelta === 'annulla') {
    void failTransaction(ctx, res, tx, 25, `cancelled by the user at step ${s.step}`);
    return false;
  }
  if (s.step === 'chooser') {
    if (body.scelta === 'computer') tx.state = { step: 'desktop' };
    if (body.scelta === 'smartphone') tx.state = { step: 'serial' };
  } else if (s.step === 'serial') {
    const serial = (body.seriale ?? '').trim().toUpperCase();
    if (SERIAL_RE.test(serial)) newOp(ctx, tx, serial);
    else
      tx.state = {
        step: 'serial',
        error: 'Il numero seriale inserito non è valido (esempio: CA00000AA)',
      };
  } else if ((s.step === 'qr' || s.step === 'otp-void') && body.azione === 'rigenera') {
    const serial = s.step === 'qr' ? s.op.serial : undefined;
    if (serial) newOp(ctx, tx, serial);
    else tx.state = { step: 'serial' };
  } else if (s.step === 'otp' && body.azione === 'otp') {
    if (now > s.expiresAt) tx.state = { step: 'otp-void', reason: 'expired' };
    else if (ctx.behaviour.otpCheck === 'off' || otpMatches(s.otp, (body.otp ?? '').trim())) {
      ctx.store.unindexOp(s.op.opId);
      tx.state = { step: 'consent', citizen: s.citizen, authnInstant: new Date(now) };
    } else if (s.triesLeft <= 1) {
      record(ctx, 'hybrid', `${tx.key}: OTP tries exhausted`);
      if (ctx.behaviour.otpExhausted === 'cancel') {
        void failTransaction(ctx, res, tx, 25, 'OTP tries exhausted');
        return false;
      }
      tx.state = { step: 'otp-void', reason: 'tries' };
    } else {
      const left = s.triesLeft - 1;
      tx.state = { ...s, triesLeft: left, error: `Codice errato. Tentativi rimasti: ${left}` };
    }
  } else if (s.step === 'consent' && body.azione === 'consenso') {
    if (body.scelta === 'nego') {
      void failTransaction(ctx, res, tx, 22, 'consent refused');
      return false;
    }
    if (body.scelta === 'acconsento') {
      void succeedTransaction(ctx, res, tx, s.citizen, s.authnInstant);
      return false;
    }
  }
  return true;
}

function qrStatus(ctx: IdpContext, req: Request, res: Response): void {
  const tx = ctx.store.get(sessionCookie(req), flowKey(ctx, req.query as Record<string, unknown>));
  res.set('Cache-Control', 'no-store');
  if (!tx) return void res.json({ status: 'KO', statusType: 'INVALID_SESSION' });
  if (ctx.clock.now().getTime() > tx.deadline)
    return void res.json({ status: 'KO', statusType: 'TIMEOUT' });
  const s = tx.state;
  if (s.step === 'otp') return void res.json({ status: 'OK' });
  if (s.step === 'failed') return void res.json({ status: 'KO', statusType: `ERROR_${s.code}` });
  if (s.step !== 'qr') return void res.json({ status: 'KO', statusType: 'NOT_WAITING' });
  if (s.op.outcome.kind === 'refused')
    return void res.json({ status: 'KO', statusType: s.op.outcome.code });
  const left = remainingSeconds(ctx, s.op);
  if (left === 0) return void res.json({ status: 'KO', statusType: 'SESSION_EXPIRED' });
  res.json({ status: 'WAIT', remainingSeconds: left });
}

export function l3Router(ctx: IdpContext): Router {
  const router = Router();
  router.get(L3_PATH, async (req, res) => {
    if (typeof req.query['opId'] === 'string') return void res.type('html').send(openAppPage());
    const tx = liveTransaction(ctx, req, res, req.query as Record<string, unknown>);
    if (tx) await render(ctx, res, tx);
  });
  router.post(L3_PATH, (req, res) => {
    const body = postSchema.safeParse(req.body ?? {});
    const tx = liveTransaction(ctx, req, res, (req.body ?? {}) as Record<string, unknown>);
    if (!tx) return;
    if (!body.success) return void res.status(400).type('text').send('richiesta non valida');
    if (act(ctx, res, tx, body.data)) res.redirect(303, l3Url(ctx, tx));
  });
  router.get('/idp/login/livello3checkqrcode', (req, res) => qrStatus(ctx, req, res));
  return router;
}
