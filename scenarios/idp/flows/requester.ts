/**
 * Who asked for a level-3 login and how its outcome travels back. The level-3 pages, the app
 * endpoints and the card checks are the same whatever protocol opened the login; only the first
 * request and the final answer differ: a signed SAML Response auto-POSTed to an SP's ACS, or an
 * OpenID Connect authorization response through the OpenID Provider. A transaction holds one
 * requester and never looks inside it.
 */
import type { Response } from 'express';
import type { IdpContext } from '../context.ts';
import type { CitizenAttributes } from '../saml/response.ts';

/** The failure codes a login can end with once it has started (CIE error table: 21, 22, 23, 25). */
export type LoginFailureCode = 21 | 22 | 23 | 25;

/** One row of the consent page: what is released, and its value. */
export interface ConsentRow {
  readonly label: string;
  readonly value: string;
}

export interface LoginRequester {
  readonly protocol: 'saml' | 'oidc';
  /** The SP's entityID or the relying party's client_id. */
  readonly id: string;
  /** The name shown on the pages, the QR and the app (`SPName`, `OpText`). */
  readonly displayName: string;
  /** The service's logo (absent: the bench's neutral logo). */
  readonly logoUrl?: string;
  /** What the request refers to in logs (the AuthnRequest ID, the authorization's interaction). */
  readonly reference: string;
  /** The data the consent page lists for this citizen, in page order. */
  consentRows(citizen: CitizenAttributes): readonly ConsentRow[];
  /** Ends the login after consent. Never rejects: a failure is answered on `res`. */
  succeed(
    ctx: IdpContext,
    res: Response,
    citizen: CitizenAttributes,
    authnInstant: Date,
  ): Promise<void>;
  /** Ends the login with a failure code. Never rejects: a failure is answered on `res`. */
  fail(ctx: IdpContext, res: Response, code: LoginFailureCode, detail: string): Promise<void>;
}
