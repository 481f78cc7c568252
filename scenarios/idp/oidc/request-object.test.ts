/**
 * The bench-only tolerance `short-state` of the CIE gate, on the gate itself: a signed request
 * object whose state has 27 characters (what mod_auth_openidc 2.4 sends) is refused with
 * invalid_request unless the client was granted the tolerance; granted, it passes with a warning
 * naming it, and nothing else is relaxed (a short nonce is still refused).
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACR } from '../../oidc/profile.ts';
import { checkAuthorizationRequest, type GateInput, type Tolerance } from './request-object.ts';

const ISSUER = 'https://op.example.test';
const CLIENT = 'https://rp.example.test/';
const REDIRECT = 'https://rp.example.test/secure/redirect_uri';
let privateKey: CryptoKey;
let jwk: Record<string, unknown>;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1' };
});

let counter = 0;
async function gate(
  over: Record<string, unknown>,
  tolerate: readonly Tolerance[],
): ReturnType<typeof checkAuthorizationRequest> {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    client_id: CLIENT,
    response_type: 'code',
    scope: 'openid profile',
    redirect_uri: REDIRECT,
    state: 'S'.repeat(27),
    nonce: `${'N'.repeat(40)}${++counter}`,
    prompt: 'consent',
    acr_values: ACR.L2,
    code_challenge: 'c'.repeat(43),
    code_challenge_method: 'S256',
    ...over,
  };
  const request = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(CLIENT)
    .setAudience(ISSUER)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(privateKey);
  const seen = new Set<string>();
  const input: GateInput = {
    params: { client_id: CLIENT, response_type: 'code', scope: 'openid profile', request },
    issuer: ISSUER,
    now,
    skewS: 60,
    client: {
      clientId: CLIENT,
      jwks: { keys: [jwk] },
      redirectUriAllowed: (u) => u === REDIRECT,
      redirectUris: [REDIRECT],
    },
    tolerate,
    seen: (k) => (seen.has(k) ? true : (seen.add(k), false)),
  };
  return checkAuthorizationRequest(input);
}

describe('CIE gate: the short-state tolerance of a static client', () => {
  it('without it: a 27-character state is invalid_request, sent back with that state', async () => {
    expect(await gate({}, [])).toEqual({
      ok: false,
      error: 'invalid_request',
      description: 'state must be at least 32 characters',
      redirectUri: REDIRECT,
      state: 'S'.repeat(27),
    });
  });

  it('with it: accepted, with a warning that names the tolerance', async () => {
    expect(await gate({}, ['short-state'])).toEqual({
      ok: true,
      warnings: ['state of 27 characters (< 32) accepted: tolerance short-state'],
    });
  });

  it('with it: a 32-character state gives no warning; a short nonce or an empty state is still refused', async () => {
    expect(await gate({ state: 'S'.repeat(32) }, ['short-state'])).toEqual({
      ok: true,
      warnings: [],
    });
    const shortNonce = await gate({ nonce: 'n'.repeat(20) }, ['short-state']);
    expect(shortNonce.ok === false && shortNonce.description).toBe(
      'nonce must be at least 32 characters',
    );
    const empty = await gate({ state: '' }, ['short-state']);
    expect(empty.ok === false && empty.description).toBe('state must be at least 32 characters');
  });
});
