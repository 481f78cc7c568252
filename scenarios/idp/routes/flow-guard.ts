/**
 * Finding the user's transaction from a browser request (session cookie + flow key) and the checks
 * every browser step makes first: the time budget (SAML 21) and a failure recorded by an app call
 * (SAML 23).
 */
import type { Request, Response } from 'express';
import { failTransaction, type IdpContext } from '../context.ts';
import { messagePage } from '../pages/misc-pages.ts';
import type { Transaction } from '../state/transaction.ts';
import { sessionCookie } from './start-transaction.ts';

export function flowKey(ctx: IdpContext, source: Record<string, unknown>): string | undefined {
  const v = source[ctx.behaviour.flowKeyName];
  return typeof v === 'string' && /^e\d{1,9}s\d{1,3}$/.test(v) ? v : undefined;
}

export function sendStale(res: Response): void {
  res
    .status(400)
    .type('html')
    .send(
      messagePage(
        'sessione-non-valida',
        'Sessione non valida',
        "La sessione di autenticazione non è valida o è scaduta. Torna al sito del servizio e ripeti l'accesso.",
      ),
    );
}

/**
 * The live transaction for this request, or undefined after answering (stale session page, or the
 * SAML 21/23 Response that ends it).
 */
export function liveTransaction(
  ctx: IdpContext,
  req: Request,
  res: Response,
  source: Record<string, unknown>,
): Transaction | undefined {
  const tx = ctx.store.get(sessionCookie(req), flowKey(ctx, source));
  if (!tx) {
    sendStale(res);
    return undefined;
  }
  if (ctx.clock.now().getTime() > tx.deadline) {
    failTransaction(ctx, res, tx, 21, 'login time budget exceeded');
    return undefined;
  }
  if (tx.state.step === 'failed') {
    failTransaction(ctx, res, tx, tx.state.code, tx.state.detail);
    return undefined;
  }
  return tx;
}
