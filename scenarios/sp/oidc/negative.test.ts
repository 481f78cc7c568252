/**
 * Every rule the OpenID Provider enforces on an authorization request and at the token endpoint,
 * broken on its own by the reference relying party, with the profile's error checked where the
 * relying party sees it (italia/spid-cie-oidc-docs `docs/it/authorization_endpoint.rst` error table:
 * a 302 to the redirect URI with `error`, the request's `state` when the request object could be
 * verified, and `iss`; `docs/it/token_endpoint.rst`: `invalid_client` 401, `invalid_grant` 400).
 * A conformant request is run first, so each refusal is the rule's and not the setup's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../idp/client/https-client.ts';
import { alphanumeric, completeLogin, OpCallError, type LoginFaults } from './rp-flow.ts';
import type { RpOutcome } from './rp-state.ts';
import { browser, startFederation, type Federation } from './testing/federation.ts';

let f: Federation;
/** A fault applied to the next client assertions (token endpoint tests). */
let assertionFault: ((p: Record<string, unknown>) => void) | undefined;

beforeAll(async () => {
  f = await startFederation({
    rpRuntime: { modifyAssertion: (_h, p) => assertionFault?.(p) },
  });
}, 120_000);
afterAll(async () => f?.close());

let n = 0;
/** Sends an authorization request with `faults`; returns the RP's outcome (or the OP's page). */
async function authorize(
  faults: LoginFaults,
): Promise<{ outcome?: RpOutcome; status: number; body: string; url: URL; c: HttpClient }> {
  const name = `neg-${++n}`;
  const c = browser(f, name);
  const before = f.rp.state.outcomes.length;
  const url = await f.rp.beginLogin(name, faults);
  const page = await c.follow(c.get(url.toString()));
  const outcome = f.rp.state.outcomes.slice(before)[0];
  return { ...(outcome ? { outcome } : {}), status: page.status, body: page.body, url, c };
}

function expectError(
  o: RpOutcome | undefined,
  error: string,
  stateMatched: boolean,
  description?: RegExp,
): void {
  expect(o?.kind, JSON.stringify(o)).toBe('op-error');
  if (o?.kind !== 'op-error') return;
  expect(o.where).toBe('authorization');
  expect(o.error).toBe(error);
  expect(o.stateMatched).toBe(stateMatched);
  if (description) expect(o.description).toMatch(description);
}

describe('authorization request: one broken rule at a time, the error as the RP receives it', () => {
  it('a conformant request reaches the level-3 login (the baseline)', async () => {
    const r = await authorize({});
    expect(r.outcome).toBeUndefined();
    expect(r.body).toContain('data-page="scelta"');
  });

  it.each<[string, LoginFaults, string, boolean, RegExp]>([
    ['PKCE missing', { pkce: 'none' }, 'invalid_request', true, /code_challenge/],
    ['PKCE plain', { pkce: 'plain' }, 'invalid_request', true, /S256/],
    ['state of 31 characters', { state: alphanumeric(31) }, 'invalid_request', true, /state/],
    ['nonce of 31 characters', { nonce: alphanumeric(31) }, 'invalid_request', true, /nonce/],
    [
      'HTTP scope differs from the request object',
      { httpScope: 'openid email' },
      'invalid_request',
      true,
      /scope/,
    ],
    ['HTTP scope missing', { httpScope: null }, 'invalid_request', true, /scope/],
    [
      'wrong aud',
      { requestObject: { aud: 'https://op.example.invalid' } },
      'invalid_request_object',
      true,
      /aud/,
    ],
    [
      'iss not the client',
      { requestObject: { iss: 'https://rp.example.invalid' } },
      'invalid_request_object',
      true,
      /iss/,
    ],
    [
      'expired request object',
      {
        requestObject: {
          iat: Math.floor(Date.now() / 1000) - 900,
          exp: Math.floor(Date.now() / 1000) - 600,
        },
      },
      'invalid_request_object',
      true,
      /expired/,
    ],
    ['exp missing', { requestObject: { exp: undefined } }, 'invalid_request_object', true, /exp/],
    ['prompt=login', { requestObject: { prompt: 'login' } }, 'invalid_request', true, /prompt/],
    [
      'acr_values missing',
      { requestObject: { acr_values: undefined } },
      'invalid_request',
      true,
      /acr_values/,
    ],
    [
      'acr_values not a SPID level',
      { requestObject: { acr_values: 'urn:example:loa:high' } },
      'invalid_request',
      true,
      /acr_values/,
    ],
    [
      'claims asks email in the ID Token',
      { requestObject: { claims: { id_token: { email: null } } } },
      'invalid_request',
      true,
      /claims\.id_token/,
    ],
    [
      'response_type token',
      { requestObject: { response_type: 'token' } },
      'unsupported_response_type',
      true,
      /code/,
    ],
    [
      'a scope outside CIE',
      { httpScope: 'openid profile phone', requestObject: { scope: 'openid profile phone' } },
      'invalid_scope',
      true,
      /phone/,
    ],
  ])('%s → %s', async (_name, faults, error, matched, description) => {
    const r = await authorize(faults);
    expectError(r.outcome, error, matched, description);
    if (r.outcome?.kind === 'op-error' && matched) expect(r.outcome.state).toBeDefined();
  });

  it('unsigned request object (alg none) → invalid_request_object without the state (nothing verified)', async () => {
    const r = await authorize({ unsigned: true });
    expectError(r.outcome, 'invalid_request_object', false, /alg 'none'/);
    if (r.outcome?.kind === 'op-error') expect(r.outcome.state).toBeUndefined();
  });

  it('a request object signed with a key the RP did not publish → invalid_request_object without the state', async () => {
    const other = await import('../../oidc/federation/keys.ts').then((k) => k.randomJwk());
    const { SignJWT, decodeJwt } = await import('jose');
    const r0 = await f.rp.beginLogin('neg-forged');
    const payload = decodeJwt(r0.searchParams.get('request') ?? '');
    r0.searchParams.set(
      'request',
      await new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: other.kid })
        .sign(other.privateKey),
    );
    const c = browser(f, 'neg-forged');
    const before = f.rp.state.outcomes.length;
    await c.follow(c.get(r0.toString()));
    expectError(f.rp.state.outcomes[before], 'invalid_request_object', false, /signature/);
  });

  it('the same request object twice → the second is invalid_request_object (replay), with its verified state', async () => {
    const first = await authorize({});
    expect(first.outcome).toBeUndefined();
    const c = browser(f, `neg-${n}`);
    const before = f.rp.state.outcomes.length;
    await c.follow(c.get(first.url.toString()));
    expectError(f.rp.state.outcomes[before], 'invalid_request_object', true, /already used/);
  });

  it('a redirect_uri the RP did not register → a 400 page at the OP, nothing sent anywhere', async () => {
    const r = await authorize({
      requestObject: { redirect_uri: 'https://attacker.example.invalid/cb' },
    });
    expect(r.outcome).toBeUndefined();
    expect(r.status).toBe(400);
    expect(r.body).toContain('invalid_redirect_uri');
  });
});

/** A login up to the redirect to the RP's callback (the IdP injects the success: no card needed). */
async function codeAtCallback(): Promise<{ callback: URL; name: string }> {
  const name = `tok-${++n}`;
  const c = browser(f, name);
  f.idp.inject({ code: 1, sp: f.rp.urls.entityId });
  let r = await c.get((await f.rp.beginLogin(name)).toString());
  for (let i = 0; i < 8 && r.location && !r.location.startsWith(f.rp.urls.callback); i++)
    r = await c.get(r.location);
  if (!r.location?.startsWith(f.rp.urls.callback))
    throw new Error(`no callback: ${r.status} ${r.body.slice(0, 200)}`);
  return { callback: new URL(r.location), name };
}

/** Sends the callback to the RP in the browser that began the login; returns the RP's outcome. */
async function deliver(x: { callback: URL; name: string }): Promise<RpOutcome | undefined> {
  const before = f.rp.state.outcomes.length;
  await browser(f, x.name).get(x.callback.toString());
  return f.rp.state.outcomes[before];
}

describe('token endpoint (private_key_jwt, code, PKCE): the error the RP gets back', () => {
  it('baseline: the code is exchanged and the login completes', async () => {
    expect((await deliver(await codeAtCallback()))?.kind).toBe('login');
  });

  it.each<[string, (p: Record<string, unknown>) => void]>([
    [
      'expired client assertion',
      (p) => {
        p['iat'] = Math.floor(Date.now() / 1000) - 900;
        p['exp'] = Math.floor(Date.now() / 1000) - 600;
      },
    ],
    [
      'client assertion for another audience',
      (p) => void (p['aud'] = 'https://op.example.invalid/token'),
    ],
    [
      'client assertion whose sub is not the client',
      (p) => void (p['sub'] = 'https://rp.example.invalid'),
    ],
  ])('%s → invalid_client (401)', async (_name, fault) => {
    const x = await codeAtCallback();
    assertionFault = fault;
    try {
      const o = await deliver(x);
      expect(o?.kind, JSON.stringify(o)).toBe('op-error');
      if (o?.kind === 'op-error') {
        expect(o.where).toBe('token');
        expect(o.error).toBe('invalid_client');
        expect(o.status).toBe(401);
      }
    } finally {
      assertionFault = undefined;
    }
  });

  it('a client assertion used twice (same jti) → invalid_client the second time', async () => {
    const jti = alphanumeric(32);
    assertionFault = (p) => void (p['jti'] = jti);
    try {
      expect((await deliver(await codeAtCallback()))?.kind).toBe('login');
      const o = await deliver(await codeAtCallback());
      expect(o?.kind === 'op-error' && o.error).toBe('invalid_client');
    } finally {
      assertionFault = undefined;
    }
  });

  it('a code used twice → invalid_grant the second time', async () => {
    const x = await codeAtCallback();
    const pending = { ...f.rp.state.pending.get(x.callback.searchParams.get('state') ?? '')! };
    expect((await deliver(x))?.kind).toBe('login');
    const trust = await f.rp.trustOp();
    const again = await completeLogin(trust, f.rp.options, x.callback, pending).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(again).toBeInstanceOf(OpCallError);
    expect((again as OpCallError).where).toBe('token');
    expect((again as OpCallError).error).toBe('invalid_grant');
  });

  it('a wrong code_verifier → invalid_grant', async () => {
    const x = await codeAtCallback();
    const state = x.callback.searchParams.get('state') ?? '';
    const p = f.rp.state.pending.get(state)!;
    f.rp.state.pending.set(state, { ...p, codeVerifier: alphanumeric(64) });
    const o = await deliver(x);
    expect(o?.kind === 'op-error' && o.where).toBe('token');
    expect(o?.kind === 'op-error' && o.error).toBe('invalid_grant');
  });
});
