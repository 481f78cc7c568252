/**
 * What every route of the IdP shares: configuration, URLs, clock, randomness, the stores, the trust
 * anchors, the signing key, and the helpers that end a login (Response to the SP) or show a page.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Response as HttpResponse } from 'express';
import type { IdpBehaviour, IdpClock, IdpMode, IdpTimers, IdpUrls } from './config.ts';
import type { Injections } from './injection.ts';
import { postFormPage, messagePage } from './pages/misc-pages.ts';
import {
  errorResponse,
  successResponse,
  type CitizenAttributes,
  type ResponseContext,
} from './saml/response.ts';
import type { SigningKey } from './saml/sign.ts';
import {
  ERROR_CODES,
  type ErrorCode,
  type PageOutcome,
  type SamlErrorCode,
} from './saml/status.ts';
import type { SpRegistry } from './sp-registry/registry.ts';
import type { IndexedEndpoint, SpMetadata } from './sp-registry/sp-metadata.ts';
import type { Store } from './state/store.ts';
import type { Transaction } from './state/transaction.ts';
import type { CardTrust } from './trust/card-trust.ts';
import type { CitizenRegistry } from './trust/citizens.ts';

export interface IdpEvent {
  readonly at: string;
  readonly kind: string;
  readonly detail: string;
}

export interface IdpContext {
  readonly mode: IdpMode;
  readonly urls: IdpUrls;
  readonly timers: IdpTimers;
  readonly behaviour: IdpBehaviour;
  readonly clock: IdpClock;
  readonly store: Store;
  readonly sps: SpRegistry;
  readonly trust: CardTrust;
  readonly citizens: CitizenRegistry;
  readonly signingKey: SigningKey;
  readonly injections: Injections;
  /** Request IDs seen per SP, for replay detection (kept for the skew window). */
  readonly seenRequests: Map<string, number>;
  /** Recent events (bounded), for logs and tests. */
  readonly events: IdpEvent[];
}

export const MAX_EVENTS = 500;

export function record(ctx: IdpContext, kind: string, detail: string): void {
  ctx.events.push({ at: ctx.clock.now().toISOString(), kind, detail });
  if (ctx.events.length > MAX_EVENTS) ctx.events.splice(0, ctx.events.length - MAX_EVENTS);
}

/** `_` + 32 lowercase hex: an xs:ID (must not start with a digit) and the QR opId shape. */
export function newId(): string {
  return `_${randomBytes(16).toString('hex')}`;
}

/** A decimal code of `digits` digits from the system CSPRNG. */
export function numericCode(digits: number): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += String(randomInt(10));
  return s;
}

export interface Recipient {
  readonly sp: SpMetadata;
  readonly acs: IndexedEndpoint;
  readonly inResponseTo?: string;
  readonly relayState?: string;
}

function responseContext(ctx: IdpContext, r: Recipient): ResponseContext {
  return {
    idpEntityId: ctx.urls.entityId,
    spEntityId: r.sp.entityId,
    acsUrl: r.acs.location,
    ...(r.inResponseTo === undefined ? {} : { inResponseTo: r.inResponseTo }),
    now: ctx.clock.now(),
    key: ctx.signingKey,
    newId,
  };
}

function sendForm(
  res: HttpResponse,
  r: Recipient,
  xml: string,
  code: number,
  notice?: string,
): void {
  res
    .status(200)
    .type('html')
    .set('Cache-Control', 'no-store')
    .send(
      postFormPage({
        acsUrl: r.acs.location,
        samlResponse: Buffer.from(xml, 'utf8').toString('base64'),
        ...(r.relayState === undefined ? {} : { relayState: r.relayState }),
        ...(notice ? { notice } : {}),
        code,
      }),
    );
}

/** Ends a login with a signed success Response auto-POSTed to the ACS. */
export function sendSuccess(
  ctx: IdpContext,
  res: HttpResponse,
  r: Recipient,
  citizen: CitizenAttributes,
  authnInstant: Date,
  attributes?: readonly string[],
): void {
  const xml = successResponse(responseContext(ctx, r), {
    citizen,
    authnInstant,
    sessionIndex: newId(),
    nameId: newId(),
    ...(attributes ? { attributes } : {}),
  });
  record(ctx, 'response', `1 success to ${r.sp.entityId} for ${citizen.fiscalCode}`);
  sendForm(res, r, xml, 1);
}

/** Ends a login with a signed SAML error Response (codes 8–18, 21–25). */
export function sendSamlError(
  ctx: IdpContext,
  res: HttpResponse,
  r: Recipient,
  code: SamlErrorCode,
  detail: string,
): void {
  const outcome = ERROR_CODES[code];
  const xml = errorResponse(responseContext(ctx, r), outcome);
  record(ctx, 'response', `${code} to ${r.sp.entityId}: ${detail}`);
  sendForm(res, r, xml, code, 'interstitial' in outcome ? outcome.interstitial : undefined);
}

/** A courtesy page for codes 2–7 and 10 with the published message and HTTP status. */
export function sendErrorPage(
  ctx: IdpContext,
  res: HttpResponse,
  code: ErrorCode,
  detail: string,
): void {
  const o = ERROR_CODES[code] as PageOutcome;
  record(ctx, 'page', `${code} (${o.http}): ${detail}`);
  res
    .status(o.http)
    .type('html')
    .send(messagePage(`errore-${code}`, 'Errore', o.message, `Codice errore ${code}`));
}

/** Ends a transaction with a SAML error and forgets it. */
export function failTransaction(
  ctx: IdpContext,
  res: HttpResponse,
  tx: Transaction,
  code: 21 | 22 | 23 | 25,
  detail: string,
): void {
  ctx.store.finish(tx);
  sendSamlError(
    ctx,
    res,
    {
      sp: tx.sp,
      acs: tx.request.acs,
      inResponseTo: tx.request.id,
      ...(tx.relayState === undefined ? {} : { relayState: tx.relayState }),
    },
    code,
    detail,
  );
}

/** The recipient of a transaction's Response. */
export function recipientOf(tx: Transaction): Recipient {
  return {
    sp: tx.sp,
    acs: tx.request.acs,
    inResponseTo: tx.request.id,
    ...(tx.relayState === undefined ? {} : { relayState: tx.relayState }),
  };
}
