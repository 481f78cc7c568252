/**
 * Entity statements of OpenID Federation 1.0 as the CIE profile uses them (italia/spid-cie-oidc-docs
 * `docs/it/entity_configuration.rst`, `entity_statement.rst`, `trust_marks.rst`): signed JWTs with
 * `iss`, `sub`, `iat`, `exp`, `jwks`; an Entity Configuration is the statement an entity makes about
 * itself (`iss` = `sub`, at `<entity>/.well-known/openid-federation`), a subordinate statement the
 * one a superior makes about it (served by the superior's fetch endpoint); a trust mark is a JWT of
 * its own (`typ` `trust-mark+jwt`). Every statement is signed with the entity's *federation* key
 * (RS256 by default, the algorithm every participant must support), never with its OpenID keys.
 *
 * Incoming statements are validated with zod after the signature is verified, and only the
 * verified payload is used.
 */
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, SignJWT } from 'jose';
import { z } from 'zod';
import type { JwkPair, PublicJwk } from './keys.ts';

/** `typ` of entity statements (OpenID Federation 1.0 §3) and trust marks (§7). */
export const STATEMENT_TYP = 'entity-statement+jwt';
export const TRUST_MARK_TYP = 'trust-mark+jwt';
/** Media type of entity statements on the wire; `application/jose` (older servers) is accepted. */
export const STATEMENT_MEDIA_TYPE = 'application/entity-statement+jwt';
export const WELL_KNOWN = '/.well-known/openid-federation';

/** Algorithms accepted on federation statements (no `none`, no HMAC). */
export const FEDERATION_ALGS = ['RS256', 'RS512', 'PS256', 'PS512', 'ES256', 'ES512'] as const;

/** Where an entity publishes its Entity Configuration (a trailing slash of the entity ID is dropped). */
export function wellKnownUrl(entityId: string): string {
  return `${entityId.replace(/\/+$/, '')}${WELL_KNOWN}`;
}

const jwkSchema = z.object({ kty: z.string(), kid: z.string().min(1) }).loose();
export const jwksSchema = z.object({ keys: z.array(jwkSchema).min(1).max(20) }).strict();

const trustMarkRefSchema = z
  .object({ id: z.string().min(1), trust_mark: z.string().min(1), iss: z.string().optional() })
  .loose();

/** The claims the federation uses; others are kept as they are. */
export const statementSchema = z
  .object({
    iss: z.url(),
    sub: z.url(),
    iat: z.number().int(),
    exp: z.number().int(),
    jwks: jwksSchema,
    authority_hints: z.array(z.url()).max(10).optional(),
    metadata: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    metadata_policy: z
      .record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown())))
      .optional(),
    trust_marks: z.array(trustMarkRefSchema).max(20).optional(),
    constraints: z
      .object({ max_path_length: z.number().int().min(0).optional() })
      .loose()
      .optional(),
    trust_mark_issuers: z.record(z.string(), z.array(z.string())).optional(),
    /** The CIE documentation's spelling of `trust_mark_issuers`. */
    trust_marks_issuers: z.record(z.string(), z.array(z.string())).optional(),
    source_endpoint: z.string().optional(),
  })
  .loose();

export type EntityStatement = z.infer<typeof statementSchema>;
export type Jwks = z.infer<typeof jwksSchema>;

export const trustMarkSchema = z
  .object({
    iss: z.url(),
    sub: z.url(),
    id: z.string().min(1),
    iat: z.number().int(),
    exp: z.number().int().optional(),
  })
  .loose();
export type TrustMarkClaims = z.infer<typeof trustMarkSchema>;

/** Signs `payload` with a federation key. */
export async function signStatement(
  payload: Record<string, unknown>,
  key: JwkPair,
  typ: string = STATEMENT_TYP,
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ })
    .sign(key.privateKey);
}

/** Why a statement was not accepted. */
export class StatementError extends Error {
  readonly reason: 'MALFORMED' | 'SIGNATURE_INVALID' | 'UNKNOWN_KEY' | 'BAD_TYP' | 'BAD_CLAIMS';
  constructor(reason: StatementError['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

/** The unverified payload (only to learn which keys to verify with). */
export function peek(jwt: string): Record<string, unknown> {
  try {
    return decodeJwt(jwt) as Record<string, unknown>;
  } catch (e) {
    throw new StatementError('MALFORMED', `not a JWT: ${(e as Error).message}`);
  }
}

/**
 * Verifies `jwt` with the key of `jwks` its header names (`kid` required), checks `typ` when given,
 * and returns the verified payload.
 */
export async function verifyWith(
  jwt: string,
  keys: readonly PublicJwk[] | Jwks['keys'],
  typ?: string,
): Promise<Record<string, unknown>> {
  let header;
  try {
    header = decodeProtectedHeader(jwt);
  } catch (e) {
    throw new StatementError('MALFORMED', `not a JWS: ${(e as Error).message}`);
  }
  const alg = header.alg ?? '';
  if (!(FEDERATION_ALGS as readonly string[]).includes(alg))
    throw new StatementError('SIGNATURE_INVALID', `algorithm '${alg}' is not accepted`);
  if (typ !== undefined && header.typ !== typ)
    throw new StatementError('BAD_TYP', `typ '${String(header.typ)}' where '${typ}' is expected`);
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!header.kid || !jwk)
    throw new StatementError('UNKNOWN_KEY', `no key with kid '${String(header.kid)}'`);
  try {
    const key = await importJWK(jwk as Parameters<typeof importJWK>[0], alg);
    const { payload } = await compactVerify(jwt, key);
    return JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
  } catch (e) {
    throw new StatementError(
      'SIGNATURE_INVALID',
      `signature does not verify: ${(e as Error).message}`,
    );
  }
}

/** Parses a verified payload as an entity statement. */
export function asStatement(payload: Record<string, unknown>): EntityStatement {
  const r = statementSchema.safeParse(payload);
  if (!r.success)
    throw new StatementError(
      'BAD_CLAIMS',
      r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  return r.data;
}
