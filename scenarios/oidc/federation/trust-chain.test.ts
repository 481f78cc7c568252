/**
 * Trust chain resolution on an in-memory federation (no network: the fetcher answers from a map of
 * URLs): anchor → intermediate → leaf, statements signed with fresh keys. Shows the chain that
 * resolves (and its expiry, policy and trust marks), and each way it does not: a statement that
 * expired (P-256 keys, for speed), a leaf configuration not signed with the keys its superior registered, an anchor key
 * learnt on the way instead of configured, more intermediates than the anchor's
 * `max_path_length`, an issuer the anchor does not accredit.
 */
import { describe, expect, it } from 'vitest';
import { randomJwk, type JwkPair } from './keys.ts';
import type { FederationFetcher } from './fetcher.ts';
import { signStatement, TRUST_MARK_TYP, wellKnownUrl } from './statements.ts';
import { resolveTrustChain, TrustChainError } from './trust-chain.ts';

const TA = 'https://ta.example.invalid';
const IA = 'https://ia.example.invalid';
const RP = 'https://rp.example.invalid';
const TM = `${TA}/openid_relying_party/public/`;
const now = 1_800_000_000;

interface Fed {
  readonly keys: Record<'ta' | 'ia' | 'rp', JwkPair>;
  readonly docs: Map<string, string>;
  readonly fetch: FederationFetcher;
}

interface Variant {
  readonly maxPathLength?: number;
  readonly iaExp?: number;
  /** Keys the intermediate registered for the leaf (default: the leaf's). */
  readonly leafKeysAtIa?: JwkPair;
  readonly trustMarkIssuer?: 'ta' | 'ia';
  readonly accredited?: readonly string[];
}

async function federation(v: Variant = {}): Promise<Fed> {
  const keys = {
    ta: randomJwk('sig', 'ES256'),
    ia: randomJwk('sig', 'ES256'),
    rp: randomJwk('sig', 'ES256'),
  };
  const docs = new Map<string, string>();
  const jwks = (k: JwkPair) => ({ keys: [k.publicJwk] });
  const times = { iat: now - 60, exp: now + 3600 };
  docs.set(
    wellKnownUrl(TA),
    await signStatement(
      {
        iss: TA,
        sub: TA,
        ...times,
        jwks: jwks(keys.ta),
        metadata: { federation_entity: { federation_fetch_endpoint: `${TA}/fetch` } },
        constraints: { max_path_length: v.maxPathLength ?? 1 },
        trust_mark_issuers: { [TM]: v.accredited ?? [TA] },
      },
      keys.ta,
    ),
  );
  docs.set(
    wellKnownUrl(IA),
    await signStatement(
      {
        iss: IA,
        sub: IA,
        ...times,
        jwks: jwks(keys.ia),
        authority_hints: [TA],
        metadata: { federation_entity: { federation_fetch_endpoint: `${IA}/fetch` } },
      },
      keys.ia,
    ),
  );
  docs.set(
    `${TA}/fetch?sub=${encodeURIComponent(IA)}`,
    await signStatement(
      {
        iss: TA,
        sub: IA,
        ...times,
        jwks: jwks(keys.ia),
        metadata_policy: {
          openid_relying_party: {
            grant_types: { subset_of: ['authorization_code', 'refresh_token'] },
          },
        },
      },
      keys.ta,
    ),
  );
  docs.set(
    `${IA}/fetch?sub=${encodeURIComponent(RP)}`,
    await signStatement(
      {
        iss: IA,
        sub: RP,
        iat: times.iat,
        exp: v.iaExp ?? times.exp,
        jwks: jwks(v.leafKeysAtIa ?? keys.rp),
        metadata_policy: {
          openid_relying_party: { grant_types: { subset_of: ['authorization_code'] } },
        },
      },
      keys.ia,
    ),
  );
  const issuer = v.trustMarkIssuer ?? 'ta';
  const mark = await signStatement(
    { id: TM, iss: issuer === 'ta' ? TA : IA, sub: RP, iat: now - 60, exp: now + 3600 },
    keys[issuer],
    TRUST_MARK_TYP,
  );
  docs.set(
    wellKnownUrl(RP),
    await signStatement(
      {
        iss: RP,
        sub: RP,
        ...times,
        jwks: jwks(keys.rp),
        authority_hints: [IA],
        trust_marks: [{ id: TM, trust_mark: mark }],
        metadata: {
          openid_relying_party: {
            grant_types: ['authorization_code', 'refresh_token'],
            redirect_uris: [`${RP}/cb`],
          },
        },
      },
      keys.rp,
    ),
  );
  const fetch: FederationFetcher = async (url) => {
    const body = docs.get(url);
    return body === undefined
      ? { status: 404, contentType: 'application/json', body: '{"error":"not_found"}' }
      : { status: 200, contentType: 'application/entity-statement+jwt', body };
  };
  return { keys, docs, fetch };
}

async function resolve(fed: Fed, anchorKeys: JwkPair = fed.keys.ta) {
  return resolveTrustChain(RP, {
    anchors: [{ entityId: TA, jwks: { keys: [anchorKeys.publicJwk] } }],
    fetch: fed.fetch,
    now: () => now,
    entityType: 'openid_relying_party',
    requiredTrustMarks: [TM],
  });
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(TrustChainError);
  return (e as TrustChainError).reason;
}

describe('a chain through an intermediate', () => {
  it('resolves: four statements, the policies of both superiors combined, the anchor-issued trust mark kept', async () => {
    const fed = await federation();
    const chain = await resolve(fed);
    expect(chain.statements).toHaveLength(4);
    expect(chain.anchor).toBe(TA);
    expect(chain.metadata['grant_types']).toEqual(['authorization_code']);
    expect(chain.trustMarks.map((t) => t.id)).toEqual([TM]);
    expect(chain.exp).toBe(now + 3600);
  });

  it('expires with its earliest statement; an expired one refuses the chain', async () => {
    expect((await resolve(await federation({ iaExp: now + 60 }))).exp).toBe(now + 60);
    expect(await refusal(resolve(await federation({ iaExp: now - 3600 })))).toBe(
      'NO_PATH_TO_ANCHOR',
    );
  });

  it('the leaf configuration must verify with the keys its superior registered', async () => {
    expect(
      await refusal(resolve(await federation({ leafKeysAtIa: randomJwk('sig', 'ES256') }))),
    ).toBe('NO_PATH_TO_ANCHOR');
  });

  it('the anchor is verified with the configured keys, never with keys learnt on the way', async () => {
    expect(await refusal(resolve(await federation(), randomJwk('sig', 'ES256')))).toBe(
      'NO_PATH_TO_ANCHOR',
    );
  });

  it("more intermediates than the anchor's max_path_length → no path", async () => {
    expect(await refusal(resolve(await federation({ maxPathLength: 0 })))).toBe(
      'NO_PATH_TO_ANCHOR',
    );
  });

  it('a trust mark from an issuer the anchor does not accredit is invalid; accredited, it passes', async () => {
    expect(await refusal(resolve(await federation({ trustMarkIssuer: 'ia' })))).toBe(
      'TRUST_MARK_INVALID',
    );
    const ok = await resolve(await federation({ trustMarkIssuer: 'ia', accredited: [TA, IA] }));
    expect(ok.trustMarks[0]?.iss).toBe(IA);
  });
});
