/**
 * The metadata policy the bench trust anchor places on its subordinates (`A-TA-POLICY`: the CIE
 * anchor's own policy is not public). It turns the profile's rules into policy operators, so a
 * relying party whose metadata breaks them is refused when its chain is resolved, and values it
 * leaves out get the profile's defaults:
 *
 * - `grant_types` within `authorization_code`, `refresh_token`, and containing `authorization_code`;
 * - `response_types` within `code`;
 * - `token_endpoint_auth_method` `private_key_jwt` (the only client authentication of CIE);
 * - signature algorithms within RS256/RS512/PS256/PS512/ES256 (no `none`, no HMAC), default RS256;
 * - encryption within RSA-OAEP, RSA-OAEP-256, ECDH-ES(+A128KW/+A256KW) and A128CBC-HS256,
 *   A256CBC-HS512 (no RSA1_5); UserInfo encryption essential (CIE UserInfo is signed *and*
 *   encrypted, italia/spid-cie-oidc-docs `docs/it/userinfo_endpoint.rst`);
 * - `client_registration_types` `automatic`.
 *
 * The OpenID Provider's policy follows the reference implementation's (italia/spid-cie-oidc-django
 * `spid_cie_oidc/authority/settings.py`, `FEDERATION_DEFAULT_POLICY`): pairwise subjects, private_key_jwt.
 */
import type { TypePolicy } from '../../oidc/federation/metadata-policy.ts';
import { ENCRYPTION_ALGS, ENCRYPTION_ENCS, SIGNING_ALGS } from '../../oidc/profile.ts';

export type EntityType = 'openid_relying_party' | 'openid_provider';

const sig = { one_of: [...SIGNING_ALGS], default: 'RS256' };

export const RP_POLICY: TypePolicy = {
  grant_types: {
    subset_of: ['authorization_code', 'refresh_token'],
    superset_of: ['authorization_code'],
  },
  response_types: { subset_of: ['code'], default: ['code'] },
  token_endpoint_auth_method: { one_of: ['private_key_jwt'], default: 'private_key_jwt' },
  id_token_signed_response_alg: sig,
  userinfo_signed_response_alg: sig,
  request_object_signing_alg: { one_of: [...SIGNING_ALGS] },
  token_endpoint_auth_signing_alg: { one_of: [...SIGNING_ALGS] },
  id_token_encrypted_response_alg: { one_of: [...ENCRYPTION_ALGS] },
  id_token_encrypted_response_enc: { one_of: [...ENCRYPTION_ENCS] },
  userinfo_encrypted_response_alg: { one_of: [...ENCRYPTION_ALGS], essential: true },
  userinfo_encrypted_response_enc: { one_of: [...ENCRYPTION_ENCS], essential: true },
  client_registration_types: { subset_of: ['automatic'], default: ['automatic'] },
  redirect_uris: { essential: true },
  jwks: { essential: true },
};

export const OP_POLICY: TypePolicy = {
  subject_types_supported: { value: ['pairwise'] },
  token_endpoint_auth_methods_supported: { value: ['private_key_jwt'] },
  id_token_signing_alg_values_supported: { subset_of: [...SIGNING_ALGS] },
  userinfo_signing_alg_values_supported: { subset_of: [...SIGNING_ALGS] },
  request_object_signing_alg_values_supported: { subset_of: [...SIGNING_ALGS] },
};

/** The anchor's policy per entity type, `overrides` replacing whole types. */
export function defaultPolicies(
  overrides: Partial<Record<EntityType, TypePolicy>> = {},
): Record<EntityType, TypePolicy> {
  return {
    openid_relying_party: overrides.openid_relying_party ?? RP_POLICY,
    openid_provider: overrides.openid_provider ?? OP_POLICY,
  };
}
