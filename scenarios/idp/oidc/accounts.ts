/**
 * The citizens behind OpenID Connect logins and their CIE claims (italia/spid-cie-oidc-docs
 * `docs/it/metadata_oidc_op_cie.rst`, `attributi_utente.rst`): `given_name`, `family_name`,
 * `birthdate` (YYYY-MM-DD), `https://attributes.eid.gov.it/fiscal_number` (`TINIT-<fiscal code>`),
 * and `email`, `email_verified` when asked.
 *
 * The account is keyed by the fiscal code; `oidc-provider` turns it into a pairwise `sub` per
 * relying party. The card gives names and the fiscal code, the registry the date of birth; the
 * e-mail a citizen keeps in a real CieID profile is not on the card: the bench releases a synthetic
 * address under the reserved `.invalid` domain (`A-OIDC-EMAIL`).
 */
import type { CitizenAttributes } from '../saml/response.ts';
import { FISCAL_NUMBER } from '../../oidc/profile.ts';

/** Bound on remembered citizens (one per fiscal code; oldest dropped first). */
export const MAX_ACCOUNTS = 50_000;

/** Lower-case ASCII letters of a name (accents dropped), for the synthetic e-mail. */
function ascii(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '');
}

/** `A-OIDC-EMAIL`: `<given>.<family>@ciebench.invalid`. */
export function syntheticEmail(c: CitizenAttributes): string {
  return `${ascii(c.name) || 'cittadino'}.${ascii(c.familyName) || 'cie'}@ciebench.invalid`;
}

/** Every CIE claim of a citizen (the provider releases what scope and `claims` ask). */
export function cieClaims(c: CitizenAttributes): Record<string, unknown> {
  return {
    given_name: c.name,
    family_name: c.familyName,
    birthdate: c.dateOfBirth,
    [FISCAL_NUMBER]: `TINIT-${c.fiscalCode}`,
    email: syntheticEmail(c),
    email_verified: true,
  };
}

export class Accounts {
  private readonly byId = new Map<string, CitizenAttributes>();

  /** Remembers the citizen of a login; returns the account id. */
  remember(c: CitizenAttributes): string {
    this.byId.delete(c.fiscalCode);
    this.byId.set(c.fiscalCode, c);
    while (this.byId.size > MAX_ACCOUNTS) this.byId.delete(this.byId.keys().next().value as string);
    return c.fiscalCode;
  }

  get(accountId: string): CitizenAttributes | undefined {
    return this.byId.get(accountId);
  }
}
