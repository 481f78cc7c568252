/**
 * The OpenID Connect messages a journey's browser carries, read as they pass (nothing changed):
 * the authorization request (its request object decoded, never the RP's keys) and the authorization
 * response at the RP's redirect URI (RFC 6749 §4.1.2, with `iss`, RFC 9207). A response is
 * summarised the CIE way, as a SAML Response is: 1 when it carries a code, otherwise the
 * `ErrorCode nrNN` of its `error_description` (the OP puts the CIE code there).
 */
import { decodeJwt } from 'jose';
import type { Request } from 'playwright-core';

export interface OidcMessageView {
  readonly kind: 'AuthnRequest' | 'Response';
  readonly summary: string;
  /** The message as JSON text (request object claims; response parameters, code redacted). */
  readonly text: string;
  readonly code?: number;
}

/** The OIDC message a browser request carries, if any. */
export function oidcMessage(req: Request): OidcMessageView | undefined {
  if (req.method() !== 'GET') return undefined;
  let u: URL;
  try {
    u = new URL(req.url());
  } catch {
    return undefined;
  }
  const q = u.searchParams;
  const request = q.get('request');
  if (request && q.has('client_id')) {
    let claims: Record<string, unknown>;
    try {
      claims = decodeJwt(request) as Record<string, unknown>;
    } catch {
      return {
        kind: 'AuthnRequest',
        summary: 'OIDC authorization request (request object not a JWT)',
        text: JSON.stringify(Object.fromEntries(q), null, 2),
      };
    }
    const acr = String(claims['acr_values'] ?? '').replace(/^.*\//, '');
    return {
      kind: 'AuthnRequest',
      summary: `OIDC authorization request (signed request object) from ${String(claims['client_id'] ?? '?')}${acr ? ` for ${acr}` : ''}`,
      text: JSON.stringify(claims, null, 2),
    };
  }
  if (!q.has('state') || !q.has('iss') || !(q.has('code') || q.has('error'))) return undefined;
  const params = Object.fromEntries(q);
  if (params['code']) params['code'] = '(redacted)';
  const text = JSON.stringify(params, null, 2);
  if (q.has('code'))
    return { kind: 'Response', summary: 'OIDC authorization response: code', text, code: 1 };
  const description = q.get('error_description') ?? '';
  const nr = /ErrorCode nr(\d{1,2})/.exec(description)?.[1];
  return {
    kind: 'Response',
    summary: `OIDC authorization response: ${q.get('error')}${description ? ` "${description}"` : ''}`,
    text,
    ...(nr !== undefined ? { code: Number(nr) } : {}),
  };
}
