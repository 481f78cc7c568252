/**
 * A validated request (SAML AuthnRequest, OpenID Connect authorization) opens a login transaction
 * in the user's session (cookie `JSESSIONID`, path /, Secure, HttpOnly, SameSite=Lax) and sends the
 * browser on: desktop user agents to the
 * level-3 page, mobile ones to the app hand-off (`A-MOBILE-UA`, `A-HANDOFF`).
 */
import type { Request, Response } from 'express';
import { newId, record, type IdpContext } from '../context.ts';
import type { LoginRequester } from '../flows/requester.ts';
import type { Transaction } from '../state/transaction.ts';
import { L3_PATH } from '../pages/l3-pages.ts';
import { opText, spLogo } from '../flows/sp-texts.ts';

export const SESSION_COOKIE = 'JSESSIONID';
const MOBILE_UA = /Android|iPhone|iPad|Mobile/;

/** The session id from the Cookie header (no cookie library: one name, one value). */
export function sessionCookie(req: Request): string | undefined {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return v.join('=');
  }
  return undefined;
}

/**
 * Path `/` (`A-COOKIE-PATH`), not the `/idp` a Shibboleth IdP's servlet context would give: the
 * CieID app hands a cancelled login back to `/cieiderror` at the root, and the IdP must see the
 * browser's transaction there to end it with SAML error 25.
 */
export const SESSION_COOKIE_PATH = '/';

export function setSessionCookie(res: Response, id: string): void {
  res.append(
    'Set-Cookie',
    `${SESSION_COOKIE}=${id}; Path=${SESSION_COOKIE_PATH}; Secure; HttpOnly; SameSite=Lax`,
  );
}

export function isMobile(ctx: IdpContext, req: Request): boolean {
  if (ctx.behaviour.flow !== 'auto') return ctx.behaviour.flow === 'mobile';
  return MOBILE_UA.test(req.headers['user-agent'] ?? '');
}

export function l3Url(ctx: IdpContext, tx: Transaction): string {
  return `${ctx.urls.base}${L3_PATH}?${ctx.behaviour.flowKeyName}=${tx.key}`;
}

/** The hand-off URL for the app (L3-PROTOCOL.md §5.1). */
export function handoffUrl(ctx: IdpContext, tx: Transaction): string {
  const q = new URLSearchParams();
  if (ctx.behaviour.handoff === 'livello3') q.set('opId', newId());
  q.set('name', ctx.behaviour.flowKeyName);
  q.set('value', tx.key);
  q.set('authnRequestString', tx.authnRequestString);
  q.set('nextUrl', `${ctx.urls.base}/idp/login/livello3mobile`);
  q.set('OpText', opText(tx.requester));
  q.set('imgUrl', spLogo(ctx, tx.requester));
  const path = ctx.behaviour.handoff === 'livello3' ? L3_PATH : '/idp/OpenApp';
  return `${ctx.urls.base}${path}?${q.toString().replace(/\+/g, '%20')}`;
}

/**
 * Opens a login transaction for `requester` in the browser's session and sends the browser on
 * (level-3 page, or the app hand-off for a mobile user agent).
 */
export function startTransaction(
  ctx: IdpContext,
  req: Request,
  res: Response,
  requester: LoginRequester,
): Transaction {
  const sid = ctx.store.session(sessionCookie(req));
  const now = ctx.clock.now().getTime();
  const mobile = isMobile(ctx, req);
  const tx = ctx.store.create(sid, {
    createdAt: now,
    deadline: now + ctx.timers.loginBudgetMs,
    requester,
    channel: mobile ? 'mobile' : 'desktop',
    state: mobile ? { step: 'handoff' } : { step: 'chooser' },
  });
  record(
    ctx,
    'login',
    `${tx.key} for ${requester.id} (${requester.protocol}, ${tx.channel}), ${requester.reference}`,
  );
  setSessionCookie(res, sid);
  res.set('Cache-Control', 'no-store').redirect(302, mobile ? handoffUrl(ctx, tx) : l3Url(ctx, tx));
  return tx;
}
