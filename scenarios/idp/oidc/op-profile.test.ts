/**
 * The OpenID Provider as the CIE profile describes it: its Entity Configuration and the anchor's,
 * the tokens of a login (ID Token encrypted to the RP and signed, claims in both the ID Token and
 * UserInfo, pairwise `sub`, `iss` in the authorization response), the refresh semantics (offline
 * access only, rotation, no ID Token), revocation (an access token alone; a refresh token with its
 * grant), introspection (`active` only), and logout with revocation on the relying party's side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { decodeProtectedHeader } from 'jose';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { asStatement, verifyWith, type EntityStatement } from '../../oidc/federation/statements.ts';
import { checkTrustMark } from '../../oidc/federation/trust-marks.ts';
import { ACR, FISCAL_NUMBER } from '../../oidc/profile.ts';
import { startRelyingParty, type RelyingParty } from '../../sp/oidc/relying-party.ts';
import type { RpSession } from '../../sp/oidc/rp-state.ts';
import {
  benchTls,
  browser,
  startFederation,
  type Federation,
} from '../../sp/oidc/testing/federation.ts';

let f: Federation;
let offline: RelyingParty;

beforeAll(async () => {
  f = await startFederation({ rp: { scope: 'openid profile email' } });
  offline = await startRelyingParty(
    {
      op: f.oidc.urls.issuer,
      trustAnchor: { entityId: f.oidc.urls.trustAnchor, jwks: f.oidc.anchor.jwks },
      trustCas: [f.idp.tlsCaPem],
      offlineAccess: true,
      prompt: 'consent',
      idTokenEncryption: false,
      signingAlg: 'PS256',
    },
    { tls: benchTls() },
  );
  offline.setTrustMarks(
    (await f.oidc.addRelyingParty({ entityId: offline.urls.entityId })).trustMarks,
  );
}, 120_000);
afterAll(async () => {
  await offline?.close();
  await f?.close();
});

/** A login completed by injection (the level-3 part is covered by the journeys): the RP session. */
async function login(
  rp: RelyingParty,
  name: string,
): Promise<{ session: RpSession; callback: URL }> {
  const c = browser(f, name);
  f.idp.inject({ code: 1, sp: rp.urls.entityId });
  const before = rp.state.outcomes.length;
  let r = await c.get((await rp.beginLogin(name)).toString());
  for (let i = 0; i < 8 && r.location && !r.location.startsWith(rp.urls.callback); i++)
    r = await c.get(r.location);
  const callback = new URL(r.location ?? '');
  await c.follow(c.get(callback.toString()));
  const o = rp.state.outcomes[before];
  if (o?.kind !== 'login') throw new Error(`no login: ${JSON.stringify(o)}`);
  return { session: o.session, callback };
}

async function statementAt(
  url: string,
  keys?: EntityStatement['jwks']['keys'],
): Promise<EntityStatement> {
  const r = await browser(f, 'ec').get(url);
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toMatch(/^application\/entity-statement\+jwt/);
  const own = JSON.parse(Buffer.from(r.body.split('.')[1] ?? '', 'base64url').toString('utf8')).jwks
    .keys;
  return asStatement(await verifyWith(r.body, keys ?? own, 'entity-statement+jwt'));
}

describe('Entity Configurations', () => {
  it('the OP: self-signed, authority_hints = the anchor, a valid trust mark of the anchor, jwks inline and no jwks_uri', async () => {
    const ec = await statementAt(f.oidc.urls.entityConfiguration);
    expect(ec.iss).toBe(f.oidc.urls.issuer);
    expect(ec.sub).toBe(f.oidc.urls.issuer);
    expect(ec.authority_hints).toEqual([f.oidc.urls.trustAnchor]);
    const op = ec.metadata?.['openid_provider'] as Record<string, unknown>;
    expect(op['jwks']).toBeDefined();
    expect(op['jwks_uri']).toBeUndefined();
    expect(op['client_registration_types_supported']).toEqual(['automatic']);
    expect(op['revocation_endpoint_auth_methods_supported']).toEqual(['private_key_jwt']);
    expect(op['token_endpoint_auth_methods_supported']).toEqual(['private_key_jwt']);
    expect(op['authorization_response_iss_parameter_supported']).toBe(true);
    expect(op['subject_types_supported']).toEqual(['pairwise']);
    expect(op['code_challenge_methods_supported']).toEqual(['S256']);
    expect(op['acr_values_supported']).toEqual([ACR.L1, ACR.L2, ACR.L3]);
    expect(op['claims_supported']).toContain(FISCAL_NUMBER);
    expect(op['id_token_signing_alg_values_supported']).toContain('RS256');
    expect(op['id_token_signing_alg_values_supported']).not.toContain('none');
    expect(op['id_token_encryption_alg_values_supported']).not.toContain('RSA1_5');
    const anchor = await statementAt(
      f.oidc.urls.trustAnchorEntityConfiguration,
      f.oidc.anchor.jwks.keys,
    );
    const tm = ec.trust_marks?.[0];
    expect(tm?.id).toBe(f.oidc.anchor.trustMarkId('openid_provider', 'public'));
    const v = await checkTrustMark({
      subject: f.oidc.urls.issuer,
      id: tm?.id ?? '',
      jwt: tm?.trust_mark ?? '',
      issuerKeys: new Map([[anchor.iss, anchor.jwks.keys as never]]),
      anchor,
      now: Math.floor(Date.now() / 1000),
    });
    expect(v.ok).toBe(true);
  });

  it('the anchor: constraints.max_path_length, trust_mark_issuers, the four federation endpoints', async () => {
    const ta = await statementAt(
      f.oidc.urls.trustAnchorEntityConfiguration,
      f.oidc.anchor.jwks.keys,
    );
    expect(ta.constraints?.max_path_length).toBe(1);
    expect(
      ta.trust_mark_issuers?.[f.oidc.anchor.trustMarkId('openid_relying_party', 'public')],
    ).toEqual([ta.iss]);
    const fe = ta.metadata?.['federation_entity'] as Record<string, unknown>;
    for (const k of [
      'federation_fetch_endpoint',
      'federation_list_endpoint',
      'federation_resolve_endpoint',
      'federation_trust_mark_status_endpoint',
    ])
      expect(String(fe[k])).toMatch(new RegExp(`^${f.oidc.urls.trustAnchor}/`));
    expect(ta.authority_hints).toBeUndefined();
  });

  it('the relying party: authority_hints = the anchor (not the OP), its trust mark, encryption algorithms declared', async () => {
    const ec = await statementAt(f.rp.urls.entityConfiguration);
    expect(ec.authority_hints).toEqual([f.oidc.urls.trustAnchor]);
    expect(ec.trust_marks?.[0]?.id).toBe(
      f.oidc.anchor.trustMarkId('openid_relying_party', 'public'),
    );
    const rp = ec.metadata?.['openid_relying_party'] as Record<string, unknown>;
    expect(rp['userinfo_encrypted_response_alg']).toBe('RSA-OAEP');
    expect(rp['id_token_encrypted_response_enc']).toBe('A256CBC-HS512');
    expect(rp['client_registration_types']).toEqual(['automatic']);
  });
});

describe('the tokens of a login', () => {
  it('authorization response with iss; ID Token encrypted (JWE) then signed; claims in both ID Token and UserInfo; pairwise sub per RP', async () => {
    const a = await login(f.rp, 'tok-a');
    expect(a.callback.searchParams.get('iss')).toBe(f.oidc.urls.issuer);
    expect(a.callback.searchParams.get('state')).toHaveLength(32);
    const cf = defaultCardImage().citizen.fiscalCode;
    expect(a.session.idToken[FISCAL_NUMBER]).toBe(`TINIT-${cf}`);
    expect(a.session.userinfo[FISCAL_NUMBER]).toBe(`TINIT-${cf}`);
    expect(a.session.userinfo['email']).toMatch(/@ciebench\.invalid$/);
    expect(a.session.idToken['jti']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.session.idToken['at_hash']).toBeDefined();
    expect(a.session.expiresIn).toBe(1800);
    const b = await login(offline, 'tok-b');
    expect(b.session.sub).not.toBe(a.session.sub);
    expect(b.session.idToken['email']).toBeUndefined();
  });

  it('the token endpoint returns the ID Token as a JWE when the RP asks encryption, as a PS256 JWS when not', async () => {
    const seen: string[] = [];
    for (const rp of [f.rp, offline]) {
      const trust = await rp.trustOp();
      const original = trust.config[client.customFetch]!;
      trust.config[client.customFetch] = async (url, init) => {
        const r = await original(url, init);
        if (String(url).endsWith('/token')) seen.push(JSON.parse(await r.clone().text()).id_token);
        return r;
      };
      const { session } = await login(rp, `enc-${seen.length}`);
      expect(session.acr).toBe(ACR.L3);
    }
    expect(seen[0]?.split('.')).toHaveLength(5);
    expect(decodeProtectedHeader(seen[0] ?? '')).toMatchObject({
      alg: 'RSA-OAEP',
      enc: 'A256CBC-HS512',
      cty: 'JWT',
    });
    expect(seen[1]?.split('.')).toHaveLength(3);
    expect(decodeProtectedHeader(seen[1] ?? '').alg).toBe('PS256');
  });
});

describe('refresh, revocation, introspection (the CIE semantics)', () => {
  it('no offline_access → no refresh token', async () => {
    expect((await login(f.rp, 'rt-none')).session.refreshToken).toBeUndefined();
  });

  it('offline_access + prompt=consent → refresh token; a refresh gives a new access and refresh token, no ID Token; the old refresh token is spent', async () => {
    const { session } = await login(offline, 'rt-1');
    expect(session.refreshToken).toBeDefined();
    const trust = await offline.trustOp();
    const r = await client.refreshTokenGrant(trust.config, session.refreshToken ?? '');
    expect(r.id_token).toBeUndefined();
    expect(r.access_token).not.toBe(session.accessToken);
    expect(r.refresh_token).toBeDefined();
    expect(r.refresh_token).not.toBe(session.refreshToken);
    const again = await client.refreshTokenGrant(trust.config, session.refreshToken ?? '').then(
      () => 'accepted',
      (e: { error?: string }) => e.error,
    );
    expect(again).toBe('invalid_grant');
  });

  it('introspection answers only {active}; revoking the access token leaves the refresh token; revoking the refresh token ends both', async () => {
    const { session } = await login(offline, 'rt-2');
    const trust = await offline.trustOp();
    const at = await client.tokenIntrospection(trust.config, session.accessToken);
    expect(Object.keys(at)).toEqual(['active']);
    expect(at.active).toBe(true);
    await client.tokenRevocation(trust.config, session.accessToken);
    expect((await client.tokenIntrospection(trust.config, session.accessToken)).active).toBe(false);
    expect((await client.tokenIntrospection(trust.config, session.refreshToken ?? '')).active).toBe(
      true,
    );
    const fresh = await client.refreshTokenGrant(trust.config, session.refreshToken ?? '');
    await client.tokenRevocation(trust.config, fresh.refresh_token ?? '');
    expect((await client.tokenIntrospection(trust.config, fresh.refresh_token ?? '')).active).toBe(
      false,
    );
    expect((await client.tokenIntrospection(trust.config, fresh.access_token)).active).toBe(false);
  });

  it("another client's token: introspection says inactive, revocation answers 200 and leaves it", async () => {
    const { session } = await login(f.rp, 'foreign');
    const mine = await f.rp.trustOp();
    const theirs = await offline.trustOp();
    expect(await client.tokenIntrospection(theirs.config, session.accessToken)).toEqual({
      active: false,
    });
    await client.tokenRevocation(theirs.config, session.accessToken);
    expect((await client.tokenIntrospection(mine.config, session.accessToken)).active).toBe(true);
  });

  it('logout at the RP revokes its access token at the OP (UserInfo then refuses it)', async () => {
    const name = 'logout';
    const { session } = await login(f.rp, name);
    const c = browser(f, name);
    c.setCookie('ciebench_rp_session', session.id);
    const page = await c.get(f.rp.urls.logout);
    expect(page.body).toContain('id="sp-token-revoked"');
    expect(f.rp.state.outcomes.at(-1)).toMatchObject({ kind: 'logout', revoked: true });
    const trust = await f.rp.trustOp();
    expect((await client.tokenIntrospection(trust.config, session.accessToken)).active).toBe(false);
    const ui = await client.fetchUserInfo(trust.config, session.accessToken, session.sub).then(
      () => 'accepted',
      (e: { error?: string; status?: number }) => e.status ?? e.error,
    );
    expect(ui).toBe(401);
    expect((await c.get(f.rp.urls.attributes)).status).toBe(401);
  });
});
