/**
 * The SAML side of a login: a registered SP's accepted AuthnRequest. Success and failure are
 * signed Responses auto-POSTed to the request's ACS, with the request ID as InResponseTo and the
 * RelayState given back.
 */
import type { Response } from 'express';
import { sendErrorPage, sendSamlError, sendSuccess, type IdpContext } from '../context.ts';
import type { ConsentRow, LoginFailureCode, LoginRequester } from '../flows/requester.ts';
import type { SpMetadata } from '../sp-registry/sp-metadata.ts';
import type { AcceptedRequest } from './authn-request.ts';
import { ATTRIBUTES, type CitizenAttributes } from './response.ts';

/** Consent-page labels of the eIDAS minimum set, in page order. */
const LABELS: Readonly<Record<string, string>> = {
  name: 'Nome',
  familyName: 'Cognome',
  dateOfBirth: 'Data di nascita',
  fiscalNumber: 'Codice fiscale',
};

/** A requester answering `sp` for `request`. */
export function samlRequester(
  sp: SpMetadata,
  request: AcceptedRequest,
  relayState: string | undefined,
): LoginRequester {
  const recipient = {
    sp,
    acs: request.acs,
    inResponseTo: request.id,
    ...(relayState === undefined ? {} : { relayState }),
  };
  const guarded = async (ctx: IdpContext, res: Response, act: () => void): Promise<void> => {
    try {
      act();
    } catch (e) {
      sendErrorPage(ctx, res, 3, `SAML Response not issued: ${(e as Error).message}`);
    }
  };
  return {
    protocol: 'saml',
    id: sp.entityId,
    displayName: sp.displayName,
    ...(sp.logoUrl === undefined ? {} : { logoUrl: sp.logoUrl }),
    reference: `request ${request.id}`,
    consentRows: (citizen: CitizenAttributes): readonly ConsentRow[] =>
      ATTRIBUTES.filter((a) => request.requestedAttributes.includes(a.name))
        .sort((a, b) => Object.keys(LABELS).indexOf(a.name) - Object.keys(LABELS).indexOf(b.name))
        .map((a) => ({ label: LABELS[a.name] ?? a.name, value: a.value(citizen) })),
    succeed: (ctx, res, citizen, authnInstant) =>
      guarded(ctx, res, () =>
        sendSuccess(ctx, res, recipient, citizen, authnInstant, request.requestedAttributes),
      ),
    fail: (ctx, res, code: LoginFailureCode, detail) =>
      guarded(ctx, res, () => sendSamlError(ctx, res, recipient, code, detail)),
  };
}
