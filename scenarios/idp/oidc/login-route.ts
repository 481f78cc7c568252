/**
 * Where an OpenID Connect authorization meets the level-3 login: `oidc-provider` sends the browser
 * to `<IdP>/idp/profile/oidc/login?uid=<interaction>` (`A-OIDC-LOGIN-PATH`) on the IdP's main
 * listener; the route opens a login transaction for the interaction (the same pages, app
 * endpoints and card checks as SAML) and ends it through the OIDC requester. An interaction is
 * started once; a second visit gets the stale-session page. Injected outcomes (the control API's
 * `inject`) apply to relying parties by client_id as they do to SPs by entityID.
 */
import { Router, type Response } from 'express';
import type Provider from 'oidc-provider';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { record, sendErrorPage, type IdpContext } from '../context.ts';
import { sendStale } from '../routes/flow-guard.ts';
import { startTransaction } from '../routes/start-transaction.ts';
import { ERROR_CODES, statusMessage } from '../saml/status.ts';
import type { Accounts } from './accounts.ts';
import { oidcRequester } from './requester.ts';

export const OIDC_LOGIN_PATH = '/idp/profile/oidc/login';
const MAX_STARTED = 20_000;

async function injected(
  ctx: IdpContext,
  res: Response,
  requester: ReturnType<typeof oidcRequester>,
): Promise<boolean> {
  const inj = ctx.injections.take(requester.id);
  if (!inj) return false;
  record(ctx, 'oidc', `injected ${inj.code} for ${requester.id}`);
  if (inj.code === 1) {
    const cf = inj.fiscalCode ?? defaultCardImage().citizen.fiscalCode;
    const c = ctx.citizens.get(cf);
    const now = ctx.clock.now();
    const birth = ctx.citizens.birthDate(cf, now);
    if (!c || !birth) {
      sendErrorPage(ctx, res, 3, `injected success for unknown citizen ${cf}`);
      return true;
    }
    await requester.succeed(
      ctx,
      res,
      { name: c.givenName, familyName: c.surname, fiscalCode: cf, dateOfBirth: birth },
      now,
    );
    return true;
  }
  if (inj.code === 21 || inj.code === 22 || inj.code === 23 || inj.code === 25) {
    await requester.fail(ctx, res, inj.code, 'injected');
    return true;
  }
  if (ERROR_CODES[inj.code].kind === 'page') sendErrorPage(ctx, res, inj.code, 'injected');
  else sendErrorPage(ctx, res, 3, `injected ${statusMessage(inj.code)} has no OpenID Connect form`);
  return true;
}

export function oidcLoginRouter(ctx: IdpContext, provider: Provider, accounts: Accounts): Router {
  const router = Router();
  const started = new Set<string>();
  router.get(OIDC_LOGIN_PATH, async (req, res) => {
    const uid = typeof req.query['uid'] === 'string' ? req.query['uid'] : '';
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(uid) || started.has(uid)) return sendStale(res);
    const interaction = await provider.Interaction.find(uid).catch(() => undefined);
    if (!interaction) return sendStale(res);
    const params = interaction.params as Record<string, unknown>;
    const clientId = typeof params['client_id'] === 'string' ? params['client_id'] : '';
    const client = await provider.Client.find(clientId).catch(() => undefined);
    if (!client) return sendStale(res);
    started.add(uid);
    if (started.size > MAX_STARTED) started.delete(started.values().next().value as string);
    const requester = oidcRequester(provider, accounts, {
      uid,
      clientId,
      clientName: client.clientName ?? clientId,
      ...(typeof client.logoUri === 'string' ? { logoUri: client.logoUri } : {}),
      scope: typeof params['scope'] === 'string' ? params['scope'] : 'openid',
      ...(typeof params['claims'] === 'string' ? { claims: params['claims'] } : {}),
    });
    if (await injected(ctx, res, requester)) return;
    startTransaction(ctx, req, res, requester);
  });
  return router;
}
