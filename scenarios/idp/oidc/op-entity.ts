/**
 * The OpenID Provider as a federation entity: its Entity Configuration at
 * `<issuer>/.well-known/openid-federation` (signed with its federation key; `authority_hints` = the
 * trust anchor; its trust mark from the anchor; `federation_entity` and `openid_provider`
 * metadata), following italia/spid-cie-oidc-docs `docs/it/metadata_oidc_op.rst` and
 * `metadata_oidc_op_cie.rst`. The `openid_provider` metadata carries its keys inline (`jwks`, never
 * `jwks_uri`), `client_registration_types_supported` `automatic`, request objects as the request
 * authentication method, and `revocation_endpoint_auth_methods_supported`.
 *
 * The same metadata, with `jwks_uri` instead of `jwks`, is what `oidc-provider` serves at
 * `/.well-known/openid-configuration` for relying parties registered statically.
 */
import type { JwkPair, PublicJwk } from '../../oidc/federation/keys.ts';
import { signStatement } from '../../oidc/federation/statements.ts';
import {
  ACR_VALUES,
  ENCRYPTION_ALGS,
  ENCRYPTION_ENCS,
  SCOPE_CLAIMS,
  SIGNING_ALGS,
} from '../../oidc/profile.ts';
import { OP_PATHS } from './provider.ts';

export interface OpEntityInput {
  readonly issuer: string;
  readonly anchor: string;
  readonly federationKey: JwkPair;
  readonly coreKeys: readonly JwkPair[];
  /** `{id, trust_mark}` entries issued by the anchor. */
  readonly trustMarks: () => readonly { id: string; trust_mark: string }[];
  /** Seconds since the epoch. */
  readonly now: () => number;
  readonly lifetimeS?: number;
}

/** Public signing keys of the OP (RSA keys without `alg`: one key signs RS256, RS512, PS256, PS512). */
export function coreJwks(keys: readonly JwkPair[]): { keys: PublicJwk[] } {
  return {
    keys: keys.map((k) => {
      const { alg, ...rest } = k.publicJwk;
      return k.publicJwk.kty === 'RSA' ? rest : { ...rest, alg };
    }) as PublicJwk[],
  };
}

/** The `openid_provider` metadata. */
export function openidProviderMetadata(
  issuer: string,
  keys: readonly JwkPair[],
): Record<string, unknown> {
  const claims = [...new Set(Object.values(SCOPE_CLAIMS).flat())];
  return {
    issuer,
    authorization_endpoint: `${issuer}${OP_PATHS.authorization}`,
    token_endpoint: `${issuer}${OP_PATHS.token}`,
    userinfo_endpoint: `${issuer}${OP_PATHS.userinfo}`,
    introspection_endpoint: `${issuer}${OP_PATHS.introspection}`,
    revocation_endpoint: `${issuer}${OP_PATHS.revocation}`,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...SIGNING_ALGS],
    revocation_endpoint_auth_methods_supported: ['private_key_jwt'],
    revocation_endpoint_auth_signing_alg_values_supported: [...SIGNING_ALGS],
    introspection_endpoint_auth_methods_supported: ['private_key_jwt'],
    introspection_endpoint_auth_signing_alg_values_supported: [...SIGNING_ALGS],
    scopes_supported: Object.keys(SCOPE_CLAIMS),
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'form_post'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    acr_values_supported: [...ACR_VALUES],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: [...SIGNING_ALGS],
    id_token_encryption_alg_values_supported: [...ENCRYPTION_ALGS],
    id_token_encryption_enc_values_supported: [...ENCRYPTION_ENCS],
    userinfo_signing_alg_values_supported: [...SIGNING_ALGS],
    userinfo_encryption_alg_values_supported: [...ENCRYPTION_ALGS],
    userinfo_encryption_enc_values_supported: [...ENCRYPTION_ENCS],
    request_object_signing_alg_values_supported: [...SIGNING_ALGS],
    code_challenge_methods_supported: ['S256'],
    claims_supported: claims,
    claims_parameter_supported: true,
    request_parameter_supported: true,
    request_uri_parameter_supported: false,
    authorization_response_iss_parameter_supported: true,
    // The profile asks `true`; the bench does not bind tokens to TLS client certificates (README).
    tls_client_certificate_bound_access_tokens: false,
    client_registration_types_supported: ['automatic'],
    request_authentication_methods_supported: { authorization_endpoint: ['request_object'] },
    request_authentication_signing_alg_values_supported: [...SIGNING_ALGS],
    jwks: coreJwks(keys),
  };
}

/** The OP's signed Entity Configuration. */
export async function opEntityConfiguration(i: OpEntityInput): Promise<string> {
  const now = i.now();
  const marks = i.trustMarks();
  return signStatement(
    {
      iss: i.issuer,
      sub: i.issuer,
      iat: now,
      exp: now + (i.lifetimeS ?? 24 * 3600),
      jwks: { keys: [i.federationKey.publicJwk] },
      authority_hints: [i.anchor],
      ...(marks.length ? { trust_marks: marks } : {}),
      metadata: {
        federation_entity: {
          organization_name: 'CIE Bench TEST OpenID Provider',
          homepage_uri: i.issuer,
          policy_uri: `${i.issuer}/`,
          contacts: ['protocollo@ciebench.invalid'],
          federation_resolve_endpoint: `${i.issuer}/resolve`,
        },
        openid_provider: openidProviderMetadata(i.issuer, i.coreKeys),
      },
    },
    i.federationKey,
  );
}
