/**
 * Pages of the reference relying party, in the frame it shares with the SAML SP (page-frame.ts),
 * with the element ids the SAML service providers use
 * (`#entra-con-cie`, `#sp-logged-in`, `#attr-name`, `#attr-familyName`, `#attr-dateOfBirth`,
 * `#attr-fiscalNumber`, `#sp-authn-context`, `#sp-login-failed`, `#sp-error-code`, `#esci`), so one
 * browser script reads an SP or this RP; OpenID Connect specifics: `#attr-email`, `#sp-sub`,
 * `#sp-oidc-error` (the error code) and `#sp-status-message` (its description).
 */
import { FISCAL_NUMBER } from '../../oidc/profile.ts';
import {
  loginFailedPage,
  noticePage,
  rejectedAnswerPage,
  signedInPage,
  welcomePage,
} from '../page-frame.ts';
import { esc } from '../xml.ts';

export function rpHomePage(title: string, loggedIn: boolean): string {
  return welcomePage(title, loggedIn, { protocol: ' (OpenID Connect)' });
}

/** CIE claim → the SAML attribute name the ids use, and the label. */
const FIELDS: readonly (readonly [string, string, string])[] = [
  ['given_name', 'name', 'Nome'],
  ['family_name', 'familyName', 'Cognome'],
  ['birthdate', 'dateOfBirth', 'Data di nascita'],
  [FISCAL_NUMBER, 'fiscalNumber', 'Codice fiscale'],
  ['email', 'email', 'Email'],
];

export interface RpSessionView {
  readonly sub: string;
  readonly acr: string;
  readonly userinfo: Readonly<Record<string, unknown>>;
  readonly op: string;
  readonly createdAt: string;
  readonly refreshToken: boolean;
}

export function rpAttributesPage(title: string, s: RpSessionView): string {
  return signedInPage(
    title,
    FIELDS.filter(([claim]) => s.userinfo[claim] !== undefined).map(([claim, id, label]) => ({
      label,
      name: claim,
      id,
      value: String(s.userinfo[claim]),
    })),
    [
      ['sub (pairwise)', s.sub, 'sp-sub'],
      ['Livello (acr)', s.acr, 'sp-authn-context'],
      ['OpenID Provider', s.op],
      ['Refresh token', s.refreshToken ? 'sì' : 'no'],
      ['Accesso', s.createdAt],
    ],
  );
}

export function rpErrorPage(
  title: string,
  e: { error: string; description?: string; cieCode?: number },
): string {
  return loginFailedPage(
    title,
    e.cieCode,
    "L'OpenID Provider ha rifiutato la richiesta di autenticazione.",
    `error <code id="sp-oidc-error">${esc(e.error)}</code>
${e.description ? ` — <span id="sp-status-message">${esc(e.description)}</span>` : ''}`,
  );
}

export function rpRejectedPage(title: string, problems: readonly string[]): string {
  return rejectedAnswerPage(title, 'Il relying party', problems);
}

export function rpLoggedOutPage(title: string, revoked: boolean): string {
  return noticePage(
    title,
    'sp-logged-out',
    'Sei uscito dal servizio',
    `\n<p id="sp-token-revoked">${revoked ? 'Access token revocato presso il provider.' : 'Revoca del token non riuscita.'}</p>\n`,
  );
}

export function rpMessagePage(title: string, id: string, message: string): string {
  return noticePage(title, id, message);
}
