/**
 * The error codes of the CIE identity provider (Regole tecniche CIE id, "Codici di errore", tables
 * 9.1–9.8, italia/cie-eid-saml-docs `docs/it/codiciErrore.rst` and its CSV files): for each code,
 * whether the user gets an IdP page (with its HTTP status and message) or the SP gets a SAML error
 * Response (top-level and second-level status codes, `StatusMessage` "ErrorCode nrNN").
 *
 * The published table writes the second-level code of 12 as `…:statuss:NoAuthnContext` (a typo);
 * the IdP emits the correct URN (SAML core §3.2.2.2). Codes 19, 20 and 24 are reserved.
 */
const S = 'urn:oasis:names:tc:SAML:2.0:status:';

export const STATUS = {
  success: `${S}Success`,
  requester: `${S}Requester`,
  responder: `${S}Responder`,
  versionMismatch: `${S}VersionMismatch`,
  noAuthnContext: `${S}NoAuthnContext`,
  requestDenied: `${S}RequestDenied`,
  requestUnsupported: `${S}RequestUnsupported`,
  noPassive: `${S}NoPassive`,
  authnFailed: `${S}AuthnFailed`,
} as const;

/** An outcome shown to the user by the IdP: an HTTP status and the page message. */
export interface PageOutcome {
  readonly kind: 'page';
  readonly code: number;
  readonly http: number;
  readonly message: string;
}

/** An outcome sent to the SP: a SAML Response without Assertion. */
export interface SamlErrorOutcome {
  readonly kind: 'saml';
  readonly code: number;
  readonly top: string;
  readonly sub?: string;
  /** Shown to the user before the Response is posted (code 12: "pagina temporanea"). */
  readonly interstitial?: string;
}

export type ErrorOutcome = PageOutcome | SamlErrorOutcome;

const BAD_FORMAT = 'Formato richiesta non corretto - Contattare il gestore del servizio';

/** Every code the IdP can produce (1 is success and not in this table). */
export const ERROR_CODES = {
  2: {
    kind: 'page',
    code: 2,
    http: 503,
    message: 'Si è verificato un errore. Riprovare più tardi.',
  },
  3: {
    kind: 'page',
    code: 3,
    http: 500,
    message: 'Sistema di autenticazione non disponibile - Riprovare più tardi',
  },
  4: { kind: 'page', code: 4, http: 403, message: BAD_FORMAT },
  5: {
    kind: 'page',
    code: 5,
    http: 403,
    message:
      "Impossibile stabilire l'autenticità della richiesta di autenticazione - Contattare il gestore del servizio",
  },
  6: {
    kind: 'page',
    code: 6,
    http: 403,
    message: 'Formato richiesta non ricevibile - Contattare il gestore del servizio',
  },
  7: { kind: 'page', code: 7, http: 403, message: BAD_FORMAT },
  8: { kind: 'saml', code: 8, top: STATUS.requester },
  9: { kind: 'saml', code: 9, top: STATUS.versionMismatch },
  10: { kind: 'page', code: 10, http: 403, message: BAD_FORMAT },
  11: { kind: 'saml', code: 11, top: STATUS.requester },
  12: {
    kind: 'saml',
    code: 12,
    top: STATUS.requester,
    sub: STATUS.noAuthnContext,
    interstitial: 'Tipologia di autenticazione non supportata',
  },
  13: { kind: 'saml', code: 13, top: STATUS.requester, sub: STATUS.requestDenied },
  14: { kind: 'saml', code: 14, top: STATUS.requester, sub: STATUS.requestUnsupported },
  15: { kind: 'saml', code: 15, top: STATUS.requester, sub: STATUS.noPassive },
  16: { kind: 'saml', code: 16, top: STATUS.requester, sub: STATUS.requestUnsupported },
  17: { kind: 'saml', code: 17, top: STATUS.requester, sub: STATUS.requestUnsupported },
  18: { kind: 'saml', code: 18, top: STATUS.requester, sub: STATUS.requestUnsupported },
  21: { kind: 'saml', code: 21, top: STATUS.responder, sub: STATUS.authnFailed },
  22: { kind: 'saml', code: 22, top: STATUS.responder, sub: STATUS.authnFailed },
  23: { kind: 'saml', code: 23, top: STATUS.responder, sub: STATUS.authnFailed },
  25: { kind: 'saml', code: 25, top: STATUS.responder, sub: STATUS.authnFailed },
} as const satisfies Record<number, ErrorOutcome>;

export type ErrorCode = keyof typeof ERROR_CODES;
export type SamlErrorCode = {
  [K in ErrorCode]: (typeof ERROR_CODES)[K] extends { kind: 'saml' } ? K : never;
}[ErrorCode];
export type PageErrorCode = Exclude<ErrorCode, SamlErrorCode>;

export const ALL_ERROR_CODES = Object.keys(ERROR_CODES).map(Number) as ErrorCode[];

export function isErrorCode(n: number): n is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, n);
}

export function errorOutcome(code: ErrorCode): ErrorOutcome {
  return ERROR_CODES[code];
}

/** `ErrorCode nr08`: two digits, as the published table writes them. */
export function statusMessage(code: number): string {
  return `ErrorCode nr${String(code).padStart(2, '0')}`;
}
