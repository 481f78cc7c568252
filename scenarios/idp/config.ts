/**
 * Configuration of the bench IdP: listeners and published URLs (bench or impersonation of the real
 * pre-production / production IdP), timers, and the behaviours that are not public and therefore
 * options (each named as in L3-PROTOCOL.md §8).
 */
export type IdpMode = 'bench' | 'preprod' | 'prod';

export const REAL_HOSTS: Readonly<Record<Exclude<IdpMode, 'bench'>, string>> = {
  preprod: 'preproduzione.idserver.servizicie.interno.gov.it',
  prod: 'idserver.servizicie.interno.gov.it',
};

/**
 * Host names of the real CIE OpenID Connect provider and federation registry (trust anchor), as
 * public relying-party configurations name them (`A-OIDC-HOSTS`: not confirmed from the live
 * well-known documents).
 */
export const REAL_OIDC_HOSTS: Readonly<
  Record<Exclude<IdpMode, 'bench'>, { readonly op: string; readonly registry: string }>
> = {
  preprod: {
    op: 'preproduzione.oidc.idserver.servizicie.interno.gov.it',
    registry: 'preprod.oidc.registry.servizicie.interno.gov.it',
  },
  prod: {
    op: 'oidc.idserver.servizicie.interno.gov.it',
    registry: 'oidc.registry.servizicie.interno.gov.it',
  },
};

export interface IdpTimers {
  /** `A-QR-LIFETIME` */
  readonly qrLifetimeMs: number;
  /** `A-QR-POLL`: how often the QR page polls. */
  readonly qrPollMs: number;
  /** `A-OTP-LIFETIME` */
  readonly otpLifetimeMs: number;
  /** `A-OTP-TRIES` */
  readonly otpTries: number;
  /** `A-LOGIN-BUDGET`: per login, SAML 21 after it. */
  readonly loginBudgetMs: number;
  /** `A-TLS13-CHALLENGE` lifetime. */
  readonly challengeLifetimeMs: number;
  /** `A-LOGIN2-CODE` lifetime. */
  readonly codeLifetimeMs: number;
  /** Accepted distance between an AuthnRequest's IssueInstant and its arrival (code 13). */
  readonly issueInstantSkewMs: number;
}

export interface IdpBehaviour {
  /** `A-HYBRID-CHALLENGE` */
  readonly hybridChallenge: 'opid' | 'nonce';
  /** `A-HANDOFF` */
  readonly handoff: 'openapp' | 'livello3';
  /** `A-FLOW-KEY-NAME` */
  readonly flowKeyName: 'value' | 'execution';
  /** `A-SERIAL-CHECK` */
  readonly serialCheck: boolean;
  /** `A-OTP-EXHAUSTED` */
  readonly otpExhausted: 'restart' | 'cancel';
  /** `A-MOBILE-UA` override. */
  readonly flow: 'auto' | 'desktop' | 'mobile';
  /** `A-IDP-NAME` */
  readonly idpName: string;
  /**
   * A planted defect for test benches, never a real behaviour: `'off'` accepts any OTP, so that a
   * journey checking the OTP step can be shown to catch an IdP that skips it. Default `'on'`.
   */
  readonly otpCheck: 'on' | 'off';
}

export const DEFAULT_TIMERS: IdpTimers = {
  qrLifetimeMs: 120_000,
  qrPollMs: 5_000,
  otpLifetimeMs: 120_000,
  otpTries: 3,
  loginBudgetMs: 600_000,
  challengeLifetimeMs: 120_000,
  codeLifetimeMs: 120_000,
  issueInstantSkewMs: 180_000,
};

export const DEFAULT_BEHAVIOUR: IdpBehaviour = {
  hybridChallenge: 'opid',
  handoff: 'openapp',
  flowKeyName: 'value',
  serialCheck: true,
  otpExhausted: 'restart',
  flow: 'auto',
  idpName: 'CieID Server',
  otpCheck: 'on',
};

/** Published ports of the client-certificate listeners in impersonation mode. */
export const IMPERSONATION_PORTS = { desktop: 8444, mtls: 8445 } as const;

export interface IdpClock {
  now(): Date;
}

export const systemIdpClock: IdpClock = { now: () => new Date() };

export interface Ports {
  readonly main: number;
  readonly desktop: number;
  readonly mtls: number;
  /** The OpenID Provider's listener (0 when OpenID Connect is off). */
  readonly oidc: number;
  /** The federation trust anchor's listener (0 when OpenID Connect is off). */
  readonly registry: number;
}

/** Entity IDs of the OpenID Provider and the trust anchor for `mode` (no trailing slash). */
export function oidcBases(
  mode: IdpMode,
  ports: Ports,
  benchHost = '127.0.0.1',
): { readonly op: string; readonly registry: string } {
  if (mode === 'bench')
    return {
      op: `https://${benchHost}:${ports.oidc}`,
      registry: `https://${benchHost}:${ports.registry}`,
    };
  return {
    op: `https://${REAL_OIDC_HOSTS[mode].op}`,
    registry: `https://${REAL_OIDC_HOSTS[mode].registry}`,
  };
}

/** The three base URLs of a running IdP (no trailing slash). */
export interface IdpUrls {
  readonly base: string;
  readonly desktop: string;
  readonly mtls: string;
  readonly entityId: string;
  readonly ssoRedirect: string;
  readonly ssoPost: string;
  readonly metadata: string;
  readonly sloRedirect: string;
}

/** Public URLs for `mode` given the ports actually listened on. */
export function publicUrls(mode: IdpMode, ports: Ports, benchHost = '127.0.0.1'): IdpUrls {
  const host = mode === 'bench' ? benchHost : REAL_HOSTS[mode];
  const base = mode === 'bench' ? `https://${host}:${ports.main}` : `https://${host}`;
  const desktop = `https://${host}:${mode === 'bench' ? ports.desktop : IMPERSONATION_PORTS.desktop}`;
  const mtls = `https://${host}:${mode === 'bench' ? ports.mtls : IMPERSONATION_PORTS.mtls}`;
  return {
    base,
    desktop,
    mtls,
    entityId: `${base}/idp/profile/SAML2/POST/SSO`,
    ssoRedirect: `${base}/idp/profile/SAML2/Redirect/SSO`,
    ssoPost: `${base}/idp/profile/SAML2/POST/SSO`,
    metadata: `${base}/idp/shibboleth?Metadata`,
    sloRedirect: `${base}/idp/profile/SAML2/Redirect/SLO`,
  };
}

/**
 * Chromium `--host-resolver-rules` that send the published host names to the local listeners
 * (HostMappingRules match `host:port` before `host`), so nothing on the machine's DNS changes.
 */
export function hostResolverRules(mode: IdpMode, ports: Ports): string | undefined {
  if (mode === 'bench') return undefined;
  const h = REAL_HOSTS[mode];
  const o = REAL_OIDC_HOSTS[mode];
  return [
    `MAP ${h}:${IMPERSONATION_PORTS.desktop} 127.0.0.1:${ports.desktop}`,
    `MAP ${h}:${IMPERSONATION_PORTS.mtls} 127.0.0.1:${ports.mtls}`,
    `MAP ${h} 127.0.0.1:${ports.main}`,
    ...(ports.oidc ? [`MAP ${o.op} 127.0.0.1:${ports.oidc}`] : []),
    ...(ports.registry ? [`MAP ${o.registry} 127.0.0.1:${ports.registry}`] : []),
  ].join(', ');
}
