/**
 * The CIE rules on an authorization request, checked before `oidc-provider` sees it
 * (italia/spid-cie-oidc-docs `docs/it/authorization_endpoint.rst`; the CIE reference OP's schema,
 * italia/spid-cie-oidc-django `spid_cie_oidc/provider/schemas/authn_requests.py`). The request
 * object's signature is verified first, with the relying party's keys; only then are its claims
 * read, and its `state` and `redirect_uri` used to send an error back (an unverified object gets
 * its error at the registered redirect URI without a state).
 *
 * First failing rule wins; the error codes are the profile's:
 *
 * | error | rule |
 * |---|---|
 * | invalid_request_object | `alg` none, HMAC or unknown; signature not verifying; `iss` ≠ client_id; `client_id` claim ≠ client; `aud` not the OP; `iat` missing or in the future; `exp` missing or past; the same `nonce` (or `jti`) from the same client again |
 * | unsupported_response_type | `response_type` not `code` |
 * | invalid_request | `response_type` missing; HTTP `scope` missing or not equal to the object's; `openid` missing; `redirect_uri` missing; `state` or `nonce` shorter than 32 characters; `prompt` not `consent` / `consent login`; `acr_values` missing or not SpidL1–3; `claims` malformed or asking non-CIE claims in `id_token`; PKCE missing or not S256 |
 * | invalid_scope | a scope outside openid, profile, email, offline_access |
 *
 * `client_id` and `response_type` should also be HTTP parameters (a CIE SHOULD): their absence is
 * recorded, not refused.
 *
 * Tolerances (bench-only, per statically registered client, each recorded as a warning when used):
 * `short-state` accepts a `state` under 32 characters (mod_auth_openidc 2.4 sends 27: the SHA-1 of
 * its browser state, base64url), so a third-party RP that cannot meet the rule can still be driven
 * through a whole login while the bench reports the deviation.
 */
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import { ACR_VALUES, ID_TOKEN_CLAIMS, SCOPE_CLAIMS, SIGNING_ALGS } from '../../oidc/profile.ts';

export interface GateInput {
  /** The HTTP parameters (query or form), first value of each. */
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly issuer: string;
  /** Seconds since the epoch. */
  readonly now: number;
  readonly skewS: number;
  /** The client named by the request, or undefined when unknown. */
  readonly client?: {
    readonly clientId: string;
    readonly jwks: { readonly keys: readonly Record<string, unknown>[] };
    redirectUriAllowed(uri: string): boolean;
    readonly redirectUris: readonly string[];
  };
  /** Bench-only relaxations granted to this client (see above). */
  readonly tolerate?: readonly Tolerance[];
  /** Whether (client, nonce) or (client, jti) has been seen; records it when not. */
  readonly seen: (key: string, exp: number) => boolean;
}

/** Rules a statically registered client may be let off, each named in the OP's records. */
export const TOLERANCES = ['short-state'] as const;
export type Tolerance = (typeof TOLERANCES)[number];

export type GateVerdict =
  | { readonly ok: true; readonly warnings: readonly string[] }
  | {
      readonly ok: false;
      readonly error: string;
      readonly description: string;
      /** Where to send the error (undefined: an error page at the OP). */
      readonly redirectUri?: string;
      readonly state?: string;
    }
  /** Not the gate's to judge (no request object, unknown client): oidc-provider answers. */
  | { readonly ok: 'pass' };

type Claims = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const words = (v: unknown): string[] =>
  typeof v === 'string' ? v.split(' ').filter(Boolean) : Array.isArray(v) ? v.map(String) : [];
const sameSet = (a: string[], b: string[]): boolean =>
  a.length === b.length && a.every((x) => b.includes(x));

/** The claim rules, on verified claims; returns [error, description] or undefined. */
function claimRules(
  c: Claims,
  i: GateInput,
  clientId: string,
  warnings: string[],
): [string, string] | undefined {
  const p = i.params;
  if (c['iss'] !== clientId) return ['invalid_request_object', 'iss must be the client_id'];
  if (c['client_id'] !== clientId)
    return ['invalid_request_object', 'client_id claim must be the client_id'];
  const aud = Array.isArray(c['aud']) ? c['aud'] : [c['aud']];
  if (!aud.includes(i.issuer))
    return ['invalid_request_object', `aud must be the OP (${i.issuer})`];
  if (typeof c['iat'] !== 'number') return ['invalid_request_object', 'iat missing'];
  if (c['iat'] > i.now + i.skewS) return ['invalid_request_object', 'iat in the future'];
  if (typeof c['exp'] !== 'number') return ['invalid_request_object', 'exp missing'];
  if (c['exp'] <= i.now - i.skewS) return ['invalid_request_object', 'request object expired'];
  const replayKey = str(c['jti']) ?? str(c['nonce']);
  if (replayKey && i.seen(`${clientId}\n${replayKey}`, c['exp']))
    return ['invalid_request_object', 'request object already used (same nonce/jti)'];
  if (c['response_type'] === undefined) return ['invalid_request', 'response_type missing'];
  if (c['response_type'] !== 'code')
    return ['unsupported_response_type', 'only response_type=code'];
  const scope = words(c['scope']);
  if (p['scope'] === undefined) return ['invalid_request', 'scope must also be an HTTP parameter'];
  if (!sameSet(words(p['scope']), scope))
    return ['invalid_request', 'the HTTP scope and the request object scope differ'];
  if (!scope.includes('openid')) return ['invalid_request', "scope must contain 'openid'"];
  const unknown = scope.filter((s) => !(s in SCOPE_CLAIMS));
  if (unknown.length) return ['invalid_scope', `unsupported scope ${unknown.join(' ')}`];
  if (typeof c['redirect_uri'] !== 'string') return ['invalid_request', 'redirect_uri missing'];
  for (const k of ['state', 'nonce'] as const) {
    const v = c[k];
    if (typeof v !== 'string' || v.length < 32) {
      if (k === 'state' && typeof v === 'string' && v && i.tolerate?.includes('short-state')) {
        warnings.push(`state of ${v.length} characters (< 32) accepted: tolerance short-state`);
        continue;
      }
      return ['invalid_request', `${k} must be at least 32 characters`];
    }
  }
  const prompt = words(c['prompt']);
  if (!(sameSet(prompt, ['consent']) || sameSet(prompt, ['consent', 'login'])))
    return ['invalid_request', "prompt must be 'consent' or 'consent login'"];
  const acr = words(c['acr_values']);
  if (acr.length === 0 || acr.some((a) => !ACR_VALUES.includes(a)))
    return ['invalid_request', 'acr_values must list SpidL1, SpidL2 or SpidL3 URLs'];
  const claimsError = claimsRule(c['claims']);
  if (claimsError) return ['invalid_request', claimsError];
  if (typeof c['code_challenge'] !== 'string')
    return ['invalid_request', 'PKCE code_challenge missing'];
  if (c['code_challenge_method'] !== 'S256')
    return ['invalid_request', 'code_challenge_method must be S256'];
  return undefined;
}

function claimsRule(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const obj = typeof v === 'string' ? safeJson(v) : v;
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return 'claims must be a JSON object';
  for (const [k, members] of Object.entries(obj)) {
    if (k !== 'userinfo' && k !== 'id_token')
      return `claims member '${k}' is not userinfo or id_token`;
    if (!members || typeof members !== 'object' || Array.isArray(members))
      return `claims.${k} must be an object`;
    if (k === 'id_token') {
      const extra = Object.keys(members).filter((n) => !ID_TOKEN_CLAIMS.includes(n) && n !== 'acr');
      if (extra.length) return `claims.id_token may not ask ${extra.join(', ')} (only in userinfo)`;
    }
  }
  return undefined;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** Checks one authorization request (see the table above). */
export async function checkAuthorizationRequest(i: GateInput): Promise<GateVerdict> {
  const request = i.params['request'];
  const client = i.client;
  if (request === undefined || !client) return { ok: 'pass' };
  const warnings: string[] = [];
  if (i.params['client_id'] === undefined)
    warnings.push('client_id is not an HTTP parameter (a CIE SHOULD)');
  if (i.params['response_type'] === undefined)
    warnings.push('response_type is not an HTTP parameter (a CIE SHOULD)');
  // Before verification only a registered redirect URI may receive the error.
  const httpRedirect = i.params['redirect_uri'];
  const fallback =
    httpRedirect && client.redirectUriAllowed(httpRedirect)
      ? httpRedirect
      : client.redirectUris.length === 1
        ? client.redirectUris[0]
        : undefined;
  const untrusted = (error: string, description: string): GateVerdict => ({
    ok: false,
    error,
    description,
    ...(fallback ? { redirectUri: fallback } : {}),
  });
  let alg: string;
  let kid: string | undefined;
  try {
    const h = decodeProtectedHeader(request);
    alg = h.alg ?? 'none';
    kid = h.kid;
    decodeJwt(request);
  } catch {
    return untrusted('invalid_request_object', 'the request object is not a signed JWT');
  }
  if (!(SIGNING_ALGS as readonly string[]).includes(alg))
    return untrusted(
      'invalid_request_object',
      `request object alg '${alg}' is not accepted (signed request objects only)`,
    );
  const keys = client.jwks.keys.filter(
    (k) => (kid === undefined || k['kid'] === kid) && k['use'] !== 'enc',
  );
  let claims: Claims | undefined;
  for (const k of keys) {
    try {
      const key = await importJWK(k as Parameters<typeof importJWK>[0], alg);
      const { payload } = await compactVerify(request, key);
      claims = JSON.parse(new TextDecoder().decode(payload)) as Claims;
      break;
    } catch {
      // next key
    }
  }
  if (!claims)
    return untrusted(
      'invalid_request_object',
      'the request object signature does not verify with the client keys',
    );
  const redirect = str(claims['redirect_uri']);
  const state = str(claims['state']);
  const verdictOf = (error: string, description: string): GateVerdict => {
    const to = redirect && client.redirectUriAllowed(redirect) ? redirect : fallback;
    return {
      ok: false,
      error,
      description,
      ...(to ? { redirectUri: to } : {}),
      ...(state !== undefined ? { state } : {}),
    };
  };
  if (redirect !== undefined && !client.redirectUriAllowed(redirect))
    return {
      ok: false,
      error: 'invalid_redirect_uri',
      description: `redirect_uri ${redirect} is not registered`,
    };
  const broken = claimRules(claims, i, client.clientId, warnings);
  if (broken) return verdictOf(broken[0], broken[1]);
  return { ok: true, warnings };
}
