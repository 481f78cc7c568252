/**
 * The OpenID Connect side of a login: an authorization request that `oidc-provider` has accepted
 * and handed over as an interaction. The level-3 login runs as for SAML; its end becomes the
 * interaction's result — the citizen's account, `acr` SpidL3 and a grant of the requested scopes
 * and claims on success, `access_denied` with the CIE code on failure — and the browser goes back to
 * the provider, which answers the relying party (code, state, iss; or the error).
 *
 * The error description carries the CIE code as the SAML `StatusMessage` does ("ErrorCode nr22"),
 * so a relying party (or the scenario runner) can tell consent refused, cancelled, too slow and an
 * invalid card apart (`A-OIDC-ERROR-DESCRIPTION`: the real OP's texts are not public).
 */
import type { Response } from 'express';
import type Provider from 'oidc-provider';
import { record, sendErrorPage, type IdpContext } from '../context.ts';
import type { ConsentRow, LoginFailureCode, LoginRequester } from '../flows/requester.ts';
import type { CitizenAttributes } from '../saml/response.ts';
import { statusMessage } from '../saml/status.ts';
import { ACR, FISCAL_NUMBER, SCOPE_CLAIMS } from '../../oidc/profile.ts';
import { cieClaims, type Accounts } from './accounts.ts';

/** What the consent page calls each claim, in page order. */
const LABELS: readonly (readonly [string, string])[] = [
  ['given_name', 'Nome'],
  ['family_name', 'Cognome'],
  ['birthdate', 'Data di nascita'],
  [FISCAL_NUMBER, 'Codice fiscale'],
  ['email', 'Indirizzo email'],
];

/** The texts of the failures (as the CIE error table names them). */
export const FAILURE_TEXT: Readonly<Record<LoginFailureCode, string>> = {
  21: 'Timeout durante l’autenticazione utente',
  22: 'Utente nega il consenso all’invio di dati al fornitore di servizi',
  23: 'Carta scaduta o revocata',
  25: 'Processo di autenticazione annullato dall’utente',
};

export interface OidcLoginRequest {
  readonly uid: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly logoUri?: string;
  /** Space-separated scopes of the authorization request. */
  readonly scope: string;
  /** The `claims` parameter (JSON text), when given. */
  readonly claims?: string;
}

/** The claims a request asks for (scopes and the `claims` parameter), for consent and the grant. */
export function requestedClaims(r: Pick<OidcLoginRequest, 'scope' | 'claims'>): {
  idToken: string[];
  userinfo: string[];
} {
  const byScope = r.scope
    .split(' ')
    .flatMap((s) => SCOPE_CLAIMS[s] ?? [])
    .filter((c) => c !== 'sub');
  let parsed: { id_token?: object; userinfo?: object } = {};
  try {
    parsed = r.claims ? (JSON.parse(r.claims) as typeof parsed) : {};
  } catch {
    parsed = {};
  }
  const uniq = (a: string[]): string[] => [...new Set(a)];
  return {
    idToken: uniq([...byScope, ...Object.keys(parsed.id_token ?? {})]),
    userinfo: uniq([...byScope, ...Object.keys(parsed.userinfo ?? {})]),
  };
}

export function oidcRequester(
  provider: Provider,
  accounts: Accounts,
  r: OidcLoginRequest,
): LoginRequester {
  const asked = requestedClaims(r);
  const all = new Set([...asked.idToken, ...asked.userinfo]);
  const finish = async (
    ctx: IdpContext,
    res: Response,
    result: Record<string, unknown>,
  ): Promise<void> => {
    try {
      const interaction = await provider.Interaction.find(r.uid);
      if (!interaction) {
        sendErrorPage(ctx, res, 3, `OpenID Connect interaction ${r.uid} is gone (expired)`);
        return;
      }
      interaction.result = result;
      const now = Math.floor(Date.now() / 1000);
      await interaction.save(Math.max(1, (interaction.exp ?? now + 60) - now));
      res.set('Cache-Control', 'no-store').redirect(303, interaction.returnTo);
    } catch (e) {
      sendErrorPage(ctx, res, 3, `OpenID Connect answer not issued: ${(e as Error).message}`);
    }
  };
  return {
    protocol: 'oidc',
    id: r.clientId,
    displayName: r.clientName,
    ...(r.logoUri ? { logoUrl: r.logoUri } : {}),
    reference: `interaction ${r.uid}`,
    consentRows: (citizen: CitizenAttributes): readonly ConsentRow[] => {
      const claims = cieClaims(citizen);
      return LABELS.filter(([k]) => all.has(k)).map(([k, label]) => ({
        label,
        value: String(claims[k]),
      }));
    },
    succeed: async (ctx, res, citizen, authnInstant) => {
      const accountId = accounts.remember(citizen);
      const grant = new provider.Grant({ accountId, clientId: r.clientId });
      grant.addOIDCScope(r.scope);
      if (asked.idToken.length) grant.addOIDCClaims(asked.idToken);
      if (asked.userinfo.length) grant.addOIDCClaims(asked.userinfo);
      const grantId = await grant.save();
      record(ctx, 'oidc', `interaction ${r.uid}: ${r.clientId} granted ${r.scope}`);
      await finish(ctx, res, {
        login: {
          accountId,
          acr: ACR.L3,
          ts: Math.floor(authnInstant.getTime() / 1000),
          remember: false,
        },
        consent: { grantId },
      });
    },
    fail: async (ctx, res, code, detail) => {
      record(ctx, 'oidc', `interaction ${r.uid}: ${code} to ${r.clientId} (${detail})`);
      await finish(ctx, res, {
        error: 'access_denied',
        error_description: `${FAILURE_TEXT[code]} (${statusMessage(code)})`,
      });
    },
  };
}
