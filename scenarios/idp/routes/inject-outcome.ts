/**
 * Applies an injected outcome (injection.ts) to a request whose signature has been verified: the
 * page, the SAML error or — code 1 — a success Response for a registry citizen, in place of the
 * login. The request ID and ACS come from the request when it has usable ones.
 */
import type { Response } from 'express';
import {
  sendErrorPage,
  sendSamlError,
  sendSuccess,
  type IdpContext,
  type Recipient,
} from '../context.ts';
import type { Injection } from '../injection.ts';
import type { RequestCheck } from '../saml/authn-request.ts';
import { ERROR_CODES, type SamlErrorCode } from '../saml/status.ts';
import { defaultAcs, type SpMetadata } from '../sp-registry/sp-metadata.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';

export function applyInjection(
  ctx: IdpContext,
  res: Response,
  inj: Injection,
  sp: SpMetadata,
  check: RequestCheck,
  relay: { relayState?: string },
): void {
  const acs = check.ok ? check.request.acs : (check.acs ?? defaultAcs(sp));
  const id = check.ok ? check.request.id : check.inResponseTo;
  if (!acs)
    return sendErrorPage(ctx, res, 4, `injected ${inj.code} but the SP has no HTTP-POST ACS`);
  const to: Recipient = { sp, acs, ...(id ? { inResponseTo: id } : {}), ...relay };
  if (inj.code === 1) {
    const cf = inj.fiscalCode ?? defaultCardImage().citizen.fiscalCode;
    const c = ctx.citizens.get(cf);
    const now = ctx.clock.now();
    const birth = ctx.citizens.birthDate(cf, now);
    if (!c || !birth)
      return sendErrorPage(ctx, res, 3, `injected success for unknown citizen ${cf}`);
    return sendSuccess(
      ctx,
      res,
      to,
      { name: c.givenName, familyName: c.surname, fiscalCode: cf, dateOfBirth: birth },
      now,
      check.ok ? check.request.requestedAttributes : undefined,
    );
  }
  const o = ERROR_CODES[inj.code];
  if (o.kind === 'page') return sendErrorPage(ctx, res, inj.code, 'injected');
  return sendSamlError(ctx, res, to, inj.code as SamlErrorCode, 'injected');
}
