/**
 * The SingleSignOnService endpoints, laid out as the real Shibboleth-based IdP: HTTP-Redirect at
 * `/idp/profile/SAML2/Redirect/SSO` (GET), HTTP-POST at `/idp/profile/SAML2/POST/SSO` (POST).
 * The other method on either endpoint is code 6. Order of checks (first failure wins): binding
 * format (4) → Issuer names a registered SP (10) → signature (5 Redirect, 7 POST) → injected outcome
 * → content checks on the signed element (8–18) → replay → a new login transaction.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { record, sendErrorPage, sendSamlError, type IdpContext } from '../context.ts';
import { applyInjection } from './inject-outcome.ts';
import { startTransaction } from './start-transaction.ts';
import { checkAuthnRequest, requestIssuer } from '../saml/authn-request.ts';
import {
  BindingFormatError,
  decodePostRequest,
  inflateRedirectRequest,
  parseRawQuery,
  verifyRedirectSignature,
} from '../saml/bindings.ts';
import { verifyEnvelopedRoot } from '../saml/verify-enveloped.ts';
import { parseXml, XmlInputError } from '../saml/xml.ts';
import { messagePage } from '../pages/misc-pages.ts';
import { defaultAcs, type SpMetadata } from '../sp-registry/sp-metadata.ts';

export const SSO_REDIRECT_PATH = '/idp/profile/SAML2/Redirect/SSO';
export const SSO_POST_PATH = '/idp/profile/SAML2/POST/SSO';

const postBody = z
  .object({
    SAMLRequest: z.string().min(1).max(400_000),
    RelayState: z.string().max(2048).optional(),
  })
  .loose();

const relayStateSchema = z.string().max(2048).optional();

interface Received {
  readonly element: Element;
  readonly sp: SpMetadata;
  readonly binding: 'redirect' | 'post';
  readonly relayState?: string;
}

/** Parses the XML and finds the registered SP its Issuer names (code 4 or 10 otherwise). */
function issuerSp(
  ctx: IdpContext,
  res: Response,
  xml: string,
): { doc: Document; sp: SpMetadata } | undefined {
  let doc: Document;
  try {
    doc = parseXml(xml);
  } catch (e) {
    sendErrorPage(ctx, res, 4, e instanceof XmlInputError ? e.message : String(e));
    return undefined;
  }
  const issuer = requestIssuer(doc.documentElement);
  const sp = issuer ? ctx.sps.get(issuer) : undefined;
  if (!sp) {
    sendErrorPage(
      ctx,
      res,
      10,
      issuer ? `Issuer '${issuer}' is not a registered SP` : 'Issuer missing or malformed',
    );
    return undefined;
  }
  return { doc, sp };
}

function receiveRedirect(ctx: IdpContext, req: Request, res: Response): Received | undefined {
  const q = req.originalUrl.indexOf('?');
  let params;
  let xml: string;
  try {
    params = parseRawQuery(q < 0 ? '' : req.originalUrl.slice(q + 1));
    const samlRequest = params.get('SAMLRequest');
    if (!samlRequest || !params.has('SigAlg') || !params.has('Signature'))
      throw new BindingFormatError('HTTP-Redirect needs SAMLRequest, SigAlg and Signature');
    xml = inflateRedirectRequest(samlRequest.value);
  } catch (e) {
    sendErrorPage(ctx, res, 4, e instanceof BindingFormatError ? e.message : String(e));
    return undefined;
  }
  const found = issuerSp(ctx, res, xml);
  if (!found) return undefined;
  const sig = verifyRedirectSignature(params, found.sp.signingCertificates);
  if (!sig.ok) {
    sendErrorPage(ctx, res, 5, sig.detail);
    return undefined;
  }
  const relay = relayStateSchema.safeParse(params.get('RelayState')?.value);
  if (!relay.success) {
    sendErrorPage(ctx, res, 4, 'RelayState too long');
    return undefined;
  }
  return {
    element: found.doc.documentElement,
    sp: found.sp,
    binding: 'redirect',
    ...(relay.data === undefined ? {} : { relayState: relay.data }),
  };
}

function receivePost(ctx: IdpContext, req: Request, res: Response): Received | undefined {
  const body = postBody.safeParse(req.body ?? {});
  if (!body.success) {
    sendErrorPage(
      ctx,
      res,
      4,
      'HTTP-POST needs SAMLRequest (RelayState optional, at most 2048 characters)',
    );
    return undefined;
  }
  let xml: string;
  try {
    xml = decodePostRequest(body.data.SAMLRequest);
  } catch (e) {
    sendErrorPage(ctx, res, 4, (e as Error).message);
    return undefined;
  }
  const found = issuerSp(ctx, res, xml);
  if (!found) return undefined;
  const v = verifyEnvelopedRoot(xml, found.sp.signingCertificates);
  if (!v.ok) {
    sendErrorPage(ctx, res, 7, `${v.failure}: ${v.detail}`);
    return undefined;
  }
  // From here on only the signed element is used (never `found.doc`).
  const signedRoot = v.signedDocument.documentElement;
  if (requestIssuer(signedRoot) !== found.sp.entityId) {
    sendErrorPage(ctx, res, 10, 'the signed element does not carry the Issuer that was looked up');
    return undefined;
  }
  return {
    element: signedRoot,
    sp: found.sp,
    binding: 'post',
    ...(body.data.RelayState === undefined ? {} : { relayState: body.data.RelayState }),
  };
}

/** Replay: the same request ID from the same SP within the IssueInstant window (`A-REPLAY`). */
function isReplay(ctx: IdpContext, sp: string, id: string): boolean {
  const now = ctx.clock.now().getTime();
  // Entries older than twice the skew can no longer pass the IssueInstant check: prune them
  // (every 256 requests, so the check stays O(1) amortised under load).
  if (ctx.seenRequests.size % 256 === 0)
    for (const [k, t] of ctx.seenRequests)
      if (t < now - 2 * ctx.timers.issueInstantSkewMs) ctx.seenRequests.delete(k);
  const key = `${sp}\n${id}`;
  if (ctx.seenRequests.has(key)) return true;
  ctx.seenRequests.set(key, now);
  return false;
}

function handle(ctx: IdpContext, req: Request, res: Response, r: Received): void {
  const destination = r.binding === 'redirect' ? ctx.urls.ssoRedirect : ctx.urls.ssoPost;
  const check = checkAuthnRequest(r.element, {
    sp: r.sp,
    binding: r.binding,
    destination,
    now: ctx.clock.now(),
    skewMs: ctx.timers.issueInstantSkewMs,
  });
  const relay = r.relayState === undefined ? {} : { relayState: r.relayState };
  const injected = ctx.injections.take(r.sp.entityId);
  if (injected) return applyInjection(ctx, res, injected, r.sp, check, relay);
  if (!check.ok) {
    const acs = check.acs ?? defaultAcs(r.sp);
    if (!acs)
      return sendErrorPage(ctx, res, 4, `code ${check.code} but the SP has no HTTP-POST ACS`);
    return sendSamlError(
      ctx,
      res,
      {
        sp: r.sp,
        acs,
        ...(check.inResponseTo ? { inResponseTo: check.inResponseTo } : {}),
        ...relay,
      },
      check.code,
      check.detail,
    );
  }
  if (isReplay(ctx, r.sp.entityId, check.request.id)) {
    record(ctx, 'page', `replayed request ${check.request.id} from ${r.sp.entityId}`);
    res
      .status(403)
      .type('html')
      .send(
        messagePage(
          'errore-replay',
          'Errore',
          'Richiesta di autenticazione già ricevuta - Contattare il gestore del servizio',
        ),
      );
    return;
  }
  startTransaction(ctx, req, res, r.sp, check.request, r.relayState);
}

export function ssoRouter(ctx: IdpContext): Router {
  const router = Router();
  router.get(SSO_REDIRECT_PATH, (req, res) => {
    const r = receiveRedirect(ctx, req, res);
    if (r) handle(ctx, req, res, r);
  });
  router.post(SSO_POST_PATH, (req, res) => {
    const r = receivePost(ctx, req, res);
    if (r) handle(ctx, req, res, r);
  });
  router.post(SSO_REDIRECT_PATH, (_req, res) =>
    sendErrorPage(ctx, res, 6, 'HTTP-POST request on the HTTP-Redirect endpoint'),
  );
  router.get(SSO_POST_PATH, (_req, res) =>
    sendErrorPage(ctx, res, 6, 'HTTP-Redirect request on the HTTP-POST endpoint'),
  );
  return router;
}
