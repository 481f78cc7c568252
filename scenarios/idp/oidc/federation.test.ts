/**
 * Automatic registration by trust chain, and the trust anchor's API. A relying party is admitted
 * only when its chain resolves to the bench anchor with a valid trust mark; each way of failing is
 * shown on its own — trust mark missing, expired, revoked (status endpoint), forged (self-issued),
 * chain not reaching the anchor (not registered, another anchor named, keys the anchor does not
 * vouch for) — next to a relying party that passes. The metadata policy is shown applied (values
 * trimmed, defaults added, per-RP `add`) and enforced (a forbidden value refuses the chain).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import type { HttpClient } from '../client/https-client.ts';
import { randomJwk } from '../../oidc/federation/keys.ts';
import { signStatement, TRUST_MARK_TYP, verifyWith } from '../../oidc/federation/statements.ts';
import { startRelyingParty, type RelyingParty } from '../../sp/oidc/relying-party.ts';
import {
  benchTls,
  browser,
  startFederation,
  type Federation,
} from '../../sp/oidc/testing/federation.ts';

let f: Federation;
const extra: RelyingParty[] = [];

beforeAll(async () => {
  f = await startFederation({ oidc: { chainCacheS: 0 } });
}, 120_000);
afterAll(async () => {
  for (const rp of extra) await rp.close();
  await f?.close();
});

async function newRp(
  register:
    | 'none'
    | {
        trustMarkLifetimeS?: number;
        trustMark?: boolean;
        policy?: Record<string, Record<string, unknown>>;
      } = {},
): Promise<RelyingParty> {
  const rp = await startRelyingParty(
    {
      op: f.oidc.urls.issuer,
      trustAnchor: { entityId: f.oidc.urls.trustAnchor, jwks: f.oidc.anchor.jwks },
      trustCas: [f.idp.tlsCaPem],
    },
    { tls: benchTls() },
  );
  extra.push(rp);
  if (register !== 'none')
    rp.setTrustMarks(
      (await f.oidc.addRelyingParty({ entityId: rp.urls.entityId, ...register })).trustMarks,
    );
  return rp;
}

/** The OP's answer to an authorization request from `rp`, and the refusal it recorded. */
async function tryLogin(
  rp: RelyingParty,
): Promise<{ status: number; body: string; reason?: string }> {
  const c: HttpClient = browser(f, 'fed');
  const url = await rp.beginLogin('fed');
  const page = await c.follow(c.get(url.toString()));
  const r = f.oidc.clients.refusal(rp.urls.entityId);
  return { status: page.status, body: page.body, ...(r ? { reason: r.reason } : {}) };
}

function expectRefused(r: { status: number; body: string; reason?: string }, reason: string): void {
  expect(r.status).toBe(400);
  expect(r.body).toContain('invalid_client');
  expect(r.body).toContain(reason);
  expect(r.reason).toBe(reason);
}

describe('automatic registration: which relying parties the OP admits', () => {
  it('registered with a valid trust mark → admitted (the level-3 login starts)', async () => {
    const rp = await newRp();
    const r = await tryLogin(rp);
    expect(r.status).toBe(200);
    expect(r.body).toContain('data-page="scelta"');
    expect(r.reason).toBeUndefined();
  });

  it('trust mark missing (registered, none published) → refused TRUST_MARK_MISSING', async () => {
    const rp = await newRp({ trustMark: false });
    expectRefused(await tryLogin(rp), 'TRUST_MARK_MISSING');
  });

  it('trust mark expired → refused TRUST_MARK_EXPIRED', async () => {
    const rp = await newRp({ trustMarkLifetimeS: -3600 });
    expectRefused(await tryLogin(rp), 'TRUST_MARK_EXPIRED');
  });

  it('trust mark revoked at the anchor → refused TRUST_MARK_REVOKED (its status endpoint says inactive)', async () => {
    const rp = await newRp();
    expect((await tryLogin(rp)).status).toBe(200);
    expect(f.oidc.anchor.revokeTrustMark(rp.urls.entityId)).toBe(1);
    expectRefused(await tryLogin(rp), 'TRUST_MARK_REVOKED');
  });

  it('trust mark issued by itself (a key the anchor does not hold) → refused TRUST_MARK_INVALID', async () => {
    const rp = await newRp({ trustMark: false });
    const forger = randomJwk();
    const id = f.oidc.anchor.trustMarkId('openid_relying_party', 'public');
    const now = Math.floor(Date.now() / 1000);
    const forged = await signStatement(
      { id, iss: f.oidc.urls.trustAnchor, sub: rp.urls.entityId, iat: now, exp: now + 3600 },
      forger,
      TRUST_MARK_TYP,
    );
    rp.setTrustMarks([{ id, trust_mark: forged }]);
    expectRefused(await tryLogin(rp), 'TRUST_MARK_INVALID');
  });

  it('not registered at the anchor (its fetch endpoint answers 404) → refused NO_PATH_TO_ANCHOR', async () => {
    const rp = await newRp('none');
    expectRefused(await tryLogin(rp), 'NO_PATH_TO_ANCHOR');
  });

  it('authority_hints naming another anchor → refused NO_PATH_TO_ANCHOR', async () => {
    const rp = await newRp();
    rp.modifyEntityConfiguration((p) => ({ ...p, authority_hints: ['https://127.0.0.1:1/'] }));
    expectRefused(await tryLogin(rp), 'NO_PATH_TO_ANCHOR');
  });

  it('keys the anchor does not vouch for (registered with other keys) → refused NO_PATH_TO_ANCHOR', async () => {
    const rp = await newRp('none');
    const marks = await f.oidc.addRelyingParty({
      entityId: rp.urls.entityId,
      jwks: { keys: [randomJwk().publicJwk] },
    });
    rp.setTrustMarks(marks.trustMarks);
    const r = await tryLogin(rp);
    expectRefused(r, 'NO_PATH_TO_ANCHOR');
    expect(f.oidc.clients.refusal(rp.urls.entityId)?.detail).toMatch(/keys .* registered/);
  });
});

describe('metadata policy of the anchor, applied to the resolved metadata', () => {
  it('trims grant_types to the allowed set, adds the defaults, and a per-RP `add` reaches the client', async () => {
    const rp = await newRp({ policy: { contacts: { add: ['pec@ciebench.invalid'] } } });
    rp.modifyEntityConfiguration((p) => {
      const md = (p['metadata'] as Record<string, Record<string, unknown>>)[
        'openid_relying_party'
      ] as Record<string, unknown>;
      md['grant_types'] = ['authorization_code', 'refresh_token', 'client_credentials'];
      delete md['client_registration_types'];
      return p;
    });
    const client = await f.oidc.clients.find(rp.urls.entityId);
    expect(client?.['grant_types']).toEqual(['authorization_code', 'refresh_token']);
    expect(client?.['contacts']).toEqual(['protocollo@ciebench.invalid', 'pec@ciebench.invalid']);
    // The same through the anchor's resolve endpoint, signed by the anchor.
    const c = browser(f, 'fed');
    const res = await c.get(
      `${f.oidc.urls.trustAnchor}/resolve?sub=${encodeURIComponent(rp.urls.entityId)}&anchor=${encodeURIComponent(f.oidc.urls.trustAnchor)}&type=openid_relying_party`,
    );
    expect(res.status).toBe(200);
    expect(decodeProtectedHeader(res.body).typ).toBe('resolve-response+jwt');
    const answer = await verifyWith(res.body, f.oidc.anchor.jwks.keys);
    const md = (answer['metadata'] as Record<string, Record<string, unknown>>)[
      'openid_relying_party'
    ];
    expect(md?.['grant_types']).toEqual(['authorization_code', 'refresh_token']);
    expect(md?.['client_registration_types']).toEqual(['automatic']);
    expect((answer['trust_chain'] as string[]).length).toBe(3);
  });

  it('a value the policy forbids (token_endpoint_auth_method client_secret_basic) → refused POLICY_VIOLATION', async () => {
    const rp = await newRp();
    rp.modifyEntityConfiguration((p) => {
      const md = (p['metadata'] as Record<string, Record<string, unknown>>)[
        'openid_relying_party'
      ] as Record<string, unknown>;
      md['token_endpoint_auth_method'] = 'client_secret_basic';
      return p;
    });
    expectRefused(await tryLogin(rp), 'POLICY_VIOLATION');
  });

  it('UserInfo encryption left out (essential in CIE) → refused POLICY_VIOLATION', async () => {
    const rp = await newRp();
    rp.modifyEntityConfiguration((p) => {
      const md = (p['metadata'] as Record<string, Record<string, unknown>>)[
        'openid_relying_party'
      ] as Record<string, unknown>;
      delete md['userinfo_encrypted_response_alg'];
      delete md['userinfo_encrypted_response_enc'];
      return p;
    });
    const r = await tryLogin(rp);
    expectRefused(r, 'POLICY_VIOLATION');
    expect(f.oidc.clients.refusal(rp.urls.entityId)?.detail).toMatch(
      /userinfo_encrypted_response_alg/,
    );
  });
});

describe('the trust anchor API', () => {
  const get = (path: string) => browser(f, 'api').get(`${f.oidc.urls.trustAnchor}${path}`);

  it('fetch: the subordinate statement about a registered entity, signed by the anchor, with policy and trust marks', async () => {
    const r = await get(`/fetch?sub=${encodeURIComponent(f.rp.urls.entityId)}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/entity-statement\+jwt/);
    const st = await verifyWith(r.body, f.oidc.anchor.jwks.keys, 'entity-statement+jwt');
    expect(st['iss']).toBe(f.oidc.urls.trustAnchor);
    expect(st['sub']).toBe(f.rp.urls.entityId);
    expect(st['metadata_policy']).toHaveProperty('openid_relying_party.token_endpoint_auth_method');
    expect((st['trust_marks'] as unknown[]).length).toBe(1);
  });

  it('fetch: unknown subject 404 not_found, no subject 400 invalid_request (OpenID Federation error objects)', async () => {
    const unknown = await get(`/fetch?sub=${encodeURIComponent('https://nobody.example.invalid')}`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: 'not_found' });
    const none = await get('/fetch');
    expect(none.status).toBe(400);
    expect(JSON.parse(none.body)).toMatchObject({ error: 'invalid_request' });
  });

  it('list: every registered entity, and by entity_type', async () => {
    const all = JSON.parse((await get('/list')).body) as string[];
    expect(all).toContain(f.rp.urls.entityId);
    expect(all).toContain(f.oidc.urls.issuer);
    expect(JSON.parse((await get('/list?entity_type=openid_provider')).body)).toEqual([
      f.oidc.urls.issuer,
    ]);
  });

  it('trust_mark_status: active for an issued mark (by sub+id and by the JWT, GET and POST); inactive once revoked or for a stranger', async () => {
    const rp = await newRp();
    const id = f.oidc.anchor.trustMarkId('openid_relying_party', 'public');
    const jwt = f.oidc.anchor.get(rp.urls.entityId)?.trustMarks[0]?.jwt ?? '';
    const q = `sub=${encodeURIComponent(rp.urls.entityId)}&id=${encodeURIComponent(id)}`;
    expect(JSON.parse((await get(`/trust_mark_status?${q}`)).body)).toEqual({ active: true });
    expect(JSON.parse((await get(`/trust_mark_status?trust_mark=${jwt}`)).body)).toEqual({
      active: true,
    });
    const post = await browser(f, 'api').postForm(`${f.oidc.urls.trustAnchor}/trust_mark_status`, {
      sub: rp.urls.entityId,
      id,
    });
    expect(JSON.parse(post.body)).toEqual({ active: true });
    f.oidc.anchor.revokeTrustMark(rp.urls.entityId);
    expect(JSON.parse((await get(`/trust_mark_status?${q}`)).body)).toEqual({ active: false });
    expect(
      JSON.parse(
        (await get(`/trust_mark_status?sub=https%3A%2F%2Fx.invalid&id=${encodeURIComponent(id)}`))
          .body,
      ),
    ).toEqual({ active: false });
    expect((await get('/trust_mark_status')).status).toBe(400);
  });

  it('resolve: an entity that is not registered is not_found; a foreign anchor is refused', async () => {
    const sub = encodeURIComponent('https://nobody.example.invalid');
    const anchor = encodeURIComponent(f.oidc.urls.trustAnchor);
    expect((await get(`/resolve?sub=${sub}&anchor=${anchor}`)).status).toBe(404);
    const other = await get(
      `/resolve?sub=${encodeURIComponent(f.rp.urls.entityId)}&anchor=${encodeURIComponent('https://ta.example.invalid')}`,
    );
    expect(other.status).toBe(404);
    expect(JSON.parse(other.body)).toMatchObject({ error: 'invalid_trust_anchor' });
  });
});

describe('static registration (relying parties without OpenID Federation)', () => {
  it('a statically registered client logs in with the same rules; bad metadata is refused with the rule it breaks', async () => {
    const rp = await newRp('none');
    rp.modifyEntityConfiguration(undefined);
    const md = JSON.parse(
      Buffer.from((await rp.entityConfiguration()).split('.')[1] ?? '', 'base64url').toString(
        'utf8',
      ),
    );
    const meta = md.metadata.openid_relying_party as Record<string, unknown>;
    f.oidc.addStaticClient({ ...meta, client_id: rp.urls.entityId });
    const r = await tryLogin(rp);
    expect(r.status).toBe(200);
    expect(r.body).toContain('data-page="scelta"');
    expect(() =>
      f.oidc.addStaticClient({
        ...meta,
        client_id: 'x',
        token_endpoint_auth_method: 'client_secret_post',
      }),
    ).toThrow(/token_endpoint_auth_method/);
    expect(() => f.oidc.addStaticClient({ client_id: 'y' })).toThrow(/redirect_uris/);
  });
});
