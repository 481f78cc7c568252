/**
 * Trust marks of the CIE federation (italia/spid-cie-oidc-docs `docs/it/trust_marks.rst`,
 * `trust_marks_cie.rst`): a JWT (`typ` `trust-mark+jwt`) issued by the trust anchor (or an
 * accredited issuer) with `iss`, `sub`, `id` = `https://<TA>/<entity_type>/<profile>/`, `iat`, `exp`
 * and the organisation's `organization_type` (`public`/`private`), `id_code` (IPA code or VAT
 * number), `email`, `organization_name`. An entity publishes it in its Entity Configuration as
 * `{"id": …, "trust_mark": "<JWT>"}`.
 *
 * Validation is static (issuer's signature, `sub` = the entity, `id` = the published id, not
 * expired, issuer accredited by the anchor's `trust_mark_issuers`) and, optionally, dynamic (the
 * issuer's trust mark status endpoint says it is active).
 */
import {
  StatementError,
  TRUST_MARK_TYP,
  trustMarkSchema,
  verifyWith,
  type EntityStatement,
  type TrustMarkClaims,
} from './statements.ts';
import type { PublicJwk } from './keys.ts';

/** The roles of trust mark ids (`<TA>/<role>/<profile>/`). */
export type TrustMarkRole =
  'openid_relying_party' | 'openid_provider' | 'intermediate' | 'oauth_resource';
export type TrustMarkProfile = 'public' | 'private';

/** `https://<TA domain>/<entity_type>/<profile>/` for the anchor `taEntityId`. */
export function trustMarkId(
  taEntityId: string,
  role: TrustMarkRole,
  profile: TrustMarkProfile,
): string {
  return `${taEntityId.replace(/\/+$/, '')}/${role}/${profile}/`;
}

export type TrustMarkVerdict =
  | { readonly ok: true; readonly claims: TrustMarkClaims }
  | {
      readonly ok: false;
      readonly reason: 'TRUST_MARK_INVALID' | 'TRUST_MARK_EXPIRED' | 'TRUST_MARK_REVOKED';
      readonly detail: string;
    };

export interface TrustMarkCheck {
  /** The entity the mark must be about. */
  readonly subject: string;
  /** The id under which the entity published it. */
  readonly id: string;
  readonly jwt: string;
  /** Keys of the issuers the verifier trusts, by entity ID (the anchor, the chain's intermediates). */
  readonly issuerKeys: ReadonlyMap<string, readonly PublicJwk[]>;
  /** The anchor's Entity Configuration (for `trust_mark_issuers`). */
  readonly anchor: EntityStatement;
  /** Seconds since the epoch. */
  readonly now: number;
  readonly skewS?: number;
}

/** Issuers the anchor accredits for `id`; an anchor that lists none accredits only itself. */
export function accreditedIssuers(anchor: EntityStatement, id: string): readonly string[] {
  const map = anchor.trust_mark_issuers ?? anchor.trust_marks_issuers ?? {};
  return map[id] ?? [anchor.iss];
}

/** Static validation of one trust mark. */
export async function checkTrustMark(c: TrustMarkCheck): Promise<TrustMarkVerdict> {
  const bad = (detail: string): TrustMarkVerdict => ({
    ok: false,
    reason: 'TRUST_MARK_INVALID',
    detail,
  });
  let unverifiedIss: unknown;
  try {
    const parts = c.jwt.split('.');
    unverifiedIss = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')).iss;
  } catch {
    return bad('not a JWT');
  }
  if (typeof unverifiedIss !== 'string') return bad('no iss');
  if (!accreditedIssuers(c.anchor, c.id).includes(unverifiedIss))
    return bad(`issuer ${unverifiedIss} is not accredited by the trust anchor for ${c.id}`);
  const keys = c.issuerKeys.get(unverifiedIss);
  if (!keys) return bad(`no keys known for the issuer ${unverifiedIss}`);
  let payload;
  try {
    payload = await verifyWith(c.jwt, keys, TRUST_MARK_TYP);
  } catch (e) {
    return bad(e instanceof StatementError ? e.message : String(e));
  }
  const parsed = trustMarkSchema.safeParse(payload);
  if (!parsed.success)
    return bad(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const tm = parsed.data;
  if (tm.sub !== c.subject) return bad(`sub ${tm.sub} is not ${c.subject}`);
  if (tm.id !== c.id) return bad(`id ${tm.id} is not the published ${c.id}`);
  if (tm.iss !== unverifiedIss) return bad('iss changed');
  const skew = c.skewS ?? 60;
  if (tm.iat > c.now + skew) return bad('issued in the future');
  if (tm.exp !== undefined && tm.exp <= c.now - skew)
    return {
      ok: false,
      reason: 'TRUST_MARK_EXPIRED',
      detail: `expired at ${new Date(tm.exp * 1000).toISOString()}`,
    };
  return { ok: true, claims: tm };
}
