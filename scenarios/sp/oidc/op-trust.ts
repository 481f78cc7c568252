/**
 * How the relying party comes to trust the OpenID Provider: it resolves the OP's trust chain to the
 * trust anchor it was configured with (the anchor's keys pinned, the OP's `openid_provider` trust
 * mark from the anchor required), applies the policy, and builds an `openid-client` configuration
 * from the resolved `openid_provider` metadata. The OP's keys come inline from that metadata
 * (`jwks`), never from the network: `openid-client` reads them through a local answer to a
 * synthetic `jwks_uri`. The chain is resolved again when it expires.
 */
import * as client from 'openid-client';
import { importJWK } from 'jose';
import { httpsFetch } from '../../oidc/https-fetch.ts';
import { httpsFetcher } from '../../oidc/federation/fetcher.ts';
import type { Jwks } from '../../oidc/federation/statements.ts';
import { resolveTrustChain, type ResolvedChain } from '../../oidc/federation/trust-chain.ts';
import { trustMarkId } from '../../oidc/federation/trust-marks.ts';
import type { RpKeys } from './rp-entity.ts';
import type { RpOptions } from './rp-options.ts';

/** The fragment of the synthetic `jwks_uri` answered from the trust chain's metadata. */
const CHAIN_JWKS = '#ciebench-trust-chain-jwks';

export interface OpTrust {
  readonly chain: ResolvedChain;
  readonly config: client.Configuration;
  /** Keys for the request object (signing) and the client assertion. */
  readonly signingKey: { key: CryptoKey; kid: string };
}

export interface OpTrustInput {
  readonly options: RpOptions;
  readonly entityId: string;
  readonly redirectUri: string;
  readonly keys: RpKeys;
  readonly anchorJwks: Jwks;
  readonly now: () => number;
  readonly connectTo?: (host: string, port: number) => { host: string; port: number } | undefined;
  /** Changes a client assertion (negative tests: expired, wrong audience). */
  readonly modifyAssertion?: (
    header: Record<string, unknown>,
    payload: Record<string, unknown>,
  ) => void;
}

async function privateCryptoKey(k: RpKeys['signing'], alg: string): Promise<CryptoKey> {
  const jwk = k.privateKey.export({ format: 'jwk' });
  return (await importJWK(
    { ...jwk, kid: k.kid } as Parameters<typeof importJWK>[0],
    alg,
  )) as CryptoKey;
}

/** Resolves the OP and prepares `openid-client` for it. */
export async function trustOp(i: OpTrustInput): Promise<OpTrust> {
  const o = i.options;
  const fetcher = httpsFetcher({
    ca: o.trustCas,
    ...(i.connectTo ? { connectTo: i.connectTo } : {}),
  });
  const chain = await resolveTrustChain(o.op, {
    anchors: [{ entityId: o.trustAnchor.entityId.replace(/\/+$/, ''), jwks: i.anchorJwks }],
    fetch: fetcher,
    now: i.now,
    entityType: 'openid_provider',
    requiredTrustMarks: [trustMarkId(o.trustAnchor.entityId, 'openid_provider', 'public')],
    trustMarkStatus: true,
  });
  const md = chain.metadata;
  const jwks = md['jwks'] as Jwks | undefined;
  if (!jwks?.keys?.length) throw new Error(`${o.op}: openid_provider metadata without inline jwks`);
  const jwksUri = `${o.op}${CHAIN_JWKS}`;
  const { jwks: _inline, ...rest } = md;
  const server = {
    ...rest,
    issuer: String(md['issuer']),
    jwks_uri: jwksUri,
  } as client.ServerMetadata;
  const signing = {
    key: await privateCryptoKey(i.keys.signing, o.signingAlg),
    kid: i.keys.signing.kid,
  };
  const config = new client.Configuration(
    server,
    i.entityId,
    {
      redirect_uris: [i.redirectUri],
      response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
      id_token_signed_response_alg: o.signingAlg,
      userinfo_signed_response_alg: o.signingAlg,
      ...(o.idTokenEncryption
        ? {
            id_token_encrypted_response_alg: o.idTokenEncryption.alg,
            id_token_encrypted_response_enc: o.idTokenEncryption.enc,
          }
        : {}),
      userinfo_encrypted_response_alg: o.userinfoEncryption.alg,
      userinfo_encrypted_response_enc: o.userinfoEncryption.enc,
    },
    client.PrivateKeyJwt(signing, {
      [client.modifyAssertion]: (header, payload) => {
        // CIE: the assertion's audience is the token endpoint (docs/it/token_endpoint.rst).
        payload['aud'] = String(md['token_endpoint']);
        i.modifyAssertion?.(header as Record<string, unknown>, payload as Record<string, unknown>);
      },
    }),
  );
  const jwksBody = JSON.stringify(jwks);
  config[client.customFetch] = httpsFetch({
    ca: o.trustCas,
    ...(i.connectTo ? { connectTo: i.connectTo } : {}),
    local: (u) =>
      u.toString() === jwksUri
        ? new Response(jwksBody, { status: 200, headers: { 'content-type': 'application/json' } })
        : undefined,
  }) as NonNullable<(typeof config)[typeof client.customFetch]>;
  // One decryption key per key-management algorithm the OP may use (ID Token and UserInfo).
  const encKey = i.keys.encryption;
  const algs = [
    ...new Set([
      o.userinfoEncryption.alg,
      ...(o.idTokenEncryption ? [o.idTokenEncryption.alg] : []),
    ]),
  ];
  const encs = [
    ...new Set([
      o.userinfoEncryption.enc,
      ...(o.idTokenEncryption ? [o.idTokenEncryption.enc] : []),
    ]),
  ];
  const decryptionKeys = await Promise.all(
    algs.map(async (alg) => ({ key: await privateCryptoKey(encKey, alg), alg, kid: encKey.kid })),
  );
  client.enableDecryptingResponses(config, encs, ...decryptionKeys);
  return { chain, config, signingKey: signing };
}
