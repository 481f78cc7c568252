/**
 * Constants of the CIE OpenID Connect profile shared by the OpenID Provider and the relying party
 * (italia/spid-cie-oidc-docs `docs/it/`: `authorization_endpoint.rst`, `token_endpoint.rst`,
 * `metadata_oidc_op.rst`, `metadata_oidc_op_cie.rst`, `cryptographic_algos.rst`,
 * `attributi_utente.rst`).
 */

/** `acr_values` of CIE (the SPID level URLs), lowest first. */
export const ACR = {
  L1: 'https://www.spid.gov.it/SpidL1',
  L2: 'https://www.spid.gov.it/SpidL2',
  L3: 'https://www.spid.gov.it/SpidL3',
} as const;
export const ACR_VALUES: readonly string[] = [ACR.L1, ACR.L2, ACR.L3];

/** The fiscal number claim; its value is `TINIT-<fiscal code>` (ETSI EN 319 412-1 coding). */
export const FISCAL_NUMBER = 'https://attributes.eid.gov.it/fiscal_number';

/** Scopes of CIE and the claims they release (in both the ID Token and UserInfo). */
export const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  openid: ['sub'],
  profile: ['family_name', 'given_name', 'birthdate', FISCAL_NUMBER],
  email: ['email', 'email_verified'],
  offline_access: [],
};

/** Claims an RP may ask in the `id_token` member of `claims` (the rest only in `userinfo`). */
export const ID_TOKEN_CLAIMS: readonly string[] = [
  'given_name',
  'family_name',
  'birthdate',
  FISCAL_NUMBER,
];

/** Signature algorithms (RS256 mandatory; none and HMAC forbidden). */
export const SIGNING_ALGS = ['RS256', 'RS512', 'PS256', 'PS512', 'ES256'] as const;
/** Key-encryption algorithms (RSA1_5 forbidden). */
export const ENCRYPTION_ALGS = [
  'RSA-OAEP',
  'RSA-OAEP-256',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A256KW',
] as const;
/** Content-encryption algorithms. */
export const ENCRYPTION_ENCS = ['A128CBC-HS256', 'A256CBC-HS512'] as const;

/** `client_assertion_type` of private_key_jwt (RFC 7523 §2.2). */
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Authorization error codes of the profile (all answered with a 302 to the redirect URI). */
export const AUTHORIZATION_ERRORS = [
  'access_denied',
  'unauthorized_client',
  'invalid_request',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
  'unsupported_response_type',
  'login_required',
  'consent_required',
  'request_uri_not_supported',
  'registration_not_supported',
  'invalid_request_object',
] as const;

/** Token endpoint error codes of the profile and their HTTP status. */
export const TOKEN_ERRORS: Readonly<Record<string, number>> = {
  invalid_client: 401,
  unsupported_grant_type: 400,
  invalid_grant: 400,
  invalid_request: 400,
  server_error: 400,
  temporarily_unavailable: 400,
};
