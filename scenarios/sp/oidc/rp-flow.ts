/**
 * The relying party's side of a CIE login (italia/spid-cie-oidc-docs `docs/it/authorization_endpoint.rst`,
 * `token_endpoint.rst`, `userinfo_endpoint.rst`, `logout.rst`):
 *
 * 1. **Request**: PKCE S256 (verifier 64 characters), `state` and `nonce` of 32 random alphanumeric
 *    characters, a request object signed with the RP's key (`openid-client`
 *    `buildAuthorizationUrlWithJAR`: `iss` = client_id, `aud` = the OP, `iat`, `exp`, `jti`) holding
 *    every parameter, and `client_id`, `response_type`, `scope`, `code_challenge`,
 *    `code_challenge_method` repeated as HTTP parameters.
 * 2. **Response**: `iss` must be the OP, `state` one this browser was given; an error is recorded
 *    with its code (and the CIE code in its description).
 * 3. **Token**: code + verifier with private_key_jwt (`aud` = token endpoint); the ID Token decrypted
 *    and verified (signature with the OP's keys from the trust chain, `iss`, `aud`, `exp`, `iat`,
 *    `nonce`), its `acr` at least the lowest level asked, its `at_hash` matching the access token.
 * 4. **UserInfo**: JWT signed and encrypted, decrypted and verified, `sub` equal to the ID Token's,
 *    `aud` = the client, `iss` = the OP.
 * 5. **Logout**: the access token is revoked at the revocation endpoint (the refresh token, if any,
 *    is kept: docs/it/logout.rst).
 *
 * For negative tests a login can be built with deliberate faults ({@link LoginFaults}); a
 * conformant login has none.
 */
import { createHash, randomInt } from 'node:crypto';
import * as client from 'openid-client';
import { decodeJwt, UnsecuredJWT } from 'jose';
import { ACR_VALUES } from '../../oidc/profile.ts';
import type { OpTrust } from './op-trust.ts';
import type { RpOptions } from './rp-options.ts';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `n` random alphanumeric characters (the profile's form of `state` and `nonce`). */
export function alphanumeric(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

/** Deliberate faults of one authorization request (negative tests only). */
export interface LoginFaults {
  /** `none`: no PKCE; `plain`: the plain method. */
  readonly pkce?: 'S256' | 'plain' | 'none';
  readonly state?: string;
  readonly nonce?: string;
  /** A request object with `alg: none`. */
  readonly unsigned?: boolean;
  /** The HTTP `scope` parameter (null: left out). */
  readonly httpScope?: string | null;
  /** Claims set (or, with `undefined`, removed) in the request object after the defaults. */
  readonly requestObject?: Readonly<Record<string, unknown>>;
}

export interface PendingLogin {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier?: string;
  readonly acrValues: readonly string[];
  readonly createdAt: number;
}

export interface BuiltLogin {
  readonly url: URL;
  readonly pending: PendingLogin;
}

/** The authorization request URL (and what the callback will need). */
export async function buildLogin(
  trust: OpTrust,
  o: RpOptions,
  redirectUri: string,
  faults: LoginFaults = {},
): Promise<BuiltLogin> {
  const state = faults.state ?? alphanumeric(32);
  const nonce = faults.nonce ?? alphanumeric(32);
  const pkce = faults.pkce ?? 'S256';
  const codeVerifier = pkce === 'none' ? undefined : alphanumeric(64);
  const challenge =
    codeVerifier === undefined
      ? undefined
      : pkce === 'plain'
        ? codeVerifier
        : await client.calculatePKCECodeChallenge(codeVerifier);
  const scope = [o.scope, ...(o.offlineAccess ? ['offline_access'] : [])].join(' ');
  const params: Record<string, string> = {
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    state,
    nonce,
    prompt: o.prompt,
    acr_values: o.acrValues.join(' '),
    ...(o.claims ? { claims: JSON.stringify(o.claims) } : {}),
    ...(challenge ? { code_challenge: challenge, code_challenge_method: pkce } : {}),
  };
  const modify = (_h: Record<string, unknown>, p: Record<string, unknown>): void => {
    // A short-lived object, as the library makes it; faults then change what they name.
    for (const [k, v] of Object.entries(faults.requestObject ?? {}))
      if (v === undefined) delete p[k];
      else p[k] = v;
  };
  const jar = await client.buildAuthorizationUrlWithJAR(trust.config, params, trust.signingKey, {
    [client.modifyAssertion]: modify,
  });
  let request = jar.searchParams.get('request') ?? '';
  if (faults.unsigned) request = new UnsecuredJWT(decodeJwt(request)).encode();
  const url = new URL(String(trust.chain.metadata['authorization_endpoint']));
  url.searchParams.set('client_id', trust.config.clientMetadata().client_id);
  url.searchParams.set('response_type', 'code');
  if (faults.httpScope !== null) url.searchParams.set('scope', faults.httpScope ?? scope);
  if (challenge) {
    url.searchParams.set('code_challenge', challenge);
    url.searchParams.set('code_challenge_method', pkce);
  }
  url.searchParams.set('request', request);
  return {
    url,
    pending: {
      state,
      nonce,
      ...(codeVerifier ? { codeVerifier } : {}),
      acrValues: o.acrValues,
      createdAt: Date.now(),
    },
  };
}

/** OpenID Connect Core §3.3.2.11: left half of the hash of the access token, base64url. */
export function atHash(accessToken: string, signingAlg: string): string {
  const bits = /512$/.test(signingAlg) ? 'sha512' : /384$/.test(signingAlg) ? 'sha384' : 'sha256';
  const d = createHash(bits).update(accessToken, 'ascii').digest();
  return d.subarray(0, d.length / 2).toString('base64url');
}

/** `acr` satisfies the request: a level at least the lowest asked (docs: "uguale o superiore"). */
export function acrSatisfies(acr: unknown, asked: readonly string[]): boolean {
  if (typeof acr !== 'string') return false;
  const level = ACR_VALUES.indexOf(acr);
  const min = Math.min(...asked.map((a) => ACR_VALUES.indexOf(a)).filter((i) => i >= 0));
  return level >= 0 && level >= min;
}

export interface LoginResult {
  readonly sub: string;
  readonly acr: string;
  readonly idToken: Record<string, unknown>;
  readonly userinfo: Record<string, unknown>;
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly expiresIn?: number;
}

/** Thrown when a check of the relying party fails (the login is refused). */
export class RpCheckError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('; '));
    this.problems = problems;
  }
}

/** The OP answered an error at the token or UserInfo endpoint. */
export class OpCallError extends Error {
  readonly where: 'token' | 'userinfo';
  readonly error: string;
  readonly description?: string;
  readonly status?: number;
  constructor(where: 'token' | 'userinfo', e: unknown) {
    const r = e as {
      error?: string;
      error_description?: string;
      status?: number;
      message?: string;
    };
    super(`${where}: ${r.error ?? r.message ?? String(e)}`);
    this.where = where;
    this.error = r.error ?? 'unknown';
    if (r.error_description !== undefined) this.description = r.error_description;
    if (r.status !== undefined) this.status = r.status;
  }
}

/** Whether `e` is the OP's error answer (not a check failing on this side). */
function opAnswered(e: unknown): boolean {
  return e instanceof client.ResponseBodyError || e instanceof client.WWWAuthenticateChallengeError;
}

/** Steps 3 and 4: code for tokens, ID Token and UserInfo checks. */
export async function completeLogin(
  trust: OpTrust,
  o: RpOptions,
  callbackUrl: URL,
  pending: PendingLogin,
): Promise<LoginResult> {
  const tokens = await client
    .authorizationCodeGrant(trust.config, callbackUrl, {
      ...(pending.codeVerifier ? { pkceCodeVerifier: pending.codeVerifier } : {}),
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    })
    .catch((e: unknown) => {
      throw opAnswered(e) ? new OpCallError('token', e) : e;
    });
  const idToken = (tokens.claims() ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (!acrSatisfies(idToken['acr'], pending.acrValues))
    problems.push(
      `acr ${String(idToken['acr'])} is below the level asked (${pending.acrValues.join(' ')})`,
    );
  if (idToken['at_hash'] !== atHash(tokens.access_token, o.signingAlg))
    problems.push('at_hash does not match the access token');
  if (typeof idToken['jti'] !== 'string' && idToken['jti'] !== undefined)
    problems.push('jti malformed');
  if (problems.length) throw new RpCheckError(problems);
  const sub = String(idToken['sub']);
  const userinfo = (await client
    .fetchUserInfo(trust.config, tokens.access_token, sub)
    .catch((e: unknown) => {
      throw opAnswered(e) ? new OpCallError('userinfo', e) : e;
    })) as Record<string, unknown>;
  if (userinfo['sub'] !== sub) problems.push('UserInfo sub differs from the ID Token');
  const aud = Array.isArray(userinfo['aud']) ? userinfo['aud'] : [userinfo['aud']];
  if (!aud.includes(trust.config.clientMetadata().client_id))
    problems.push('UserInfo aud is not this client');
  if (userinfo['iss'] !== trust.config.serverMetadata().issuer)
    problems.push('UserInfo iss is not the OP');
  for (const [k, v] of Object.entries(userinfo))
    if (
      idToken[k] !== undefined &&
      !['iss', 'aud', 'iat', 'exp', 'nbf', 'jti'].includes(k) &&
      JSON.stringify(idToken[k]) !== JSON.stringify(v)
    )
      problems.push(`${k} differs between the ID Token and UserInfo`);
  if (problems.length) throw new RpCheckError(problems);
  return {
    sub,
    acr: String(idToken['acr']),
    idToken,
    userinfo,
    accessToken: tokens.access_token,
    ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    ...(tokens.expires_in !== undefined ? { expiresIn: tokens.expires_in } : {}),
  };
}
