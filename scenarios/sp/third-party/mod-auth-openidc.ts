/**
 * Debian's mod_auth_openidc (`libapache2-mod-auth-openidc` 2.4.12) behind a private Apache as a
 * CIE OpenID Connect relying party of the bench OP, in **static registration**: mod_auth_openidc
 * does not speak OpenID Federation (no Entity Configuration, no trust chain, no trust mark), so the
 * bench registers it up front (`staticClient`, for `idp.oidc.addStaticClient` or
 * `ciebench idp oidc-client add`) and says so in its report.
 *
 * What the configuration makes it send, and where the product falls short of the CIE profile:
 * - authorization code, PKCE S256 (`OIDCPKCEMethod`), `private_key_jwt` at the token endpoint with
 *   the RSA key of `OIDCPrivateKeyFiles`, `prompt=consent`, `acr_values`, `claims`
 *   (`OIDCAuthRequestParams`), a request object by value signed RS256 (`OIDCRequestObject`) with
 *   the parameters copied into it (`copy_from_request`); its nonce (32 random bytes, base64url) has
 *   43 characters, but its `state` only 27 (a hash of its browser state, base64url), under the
 *   CIE minimum of 32, and no directive changes that. The real OP would refuse every login; the
 *   bench registers it with the OP tolerance `short-state` (recorded at each login) unless
 *   `strict`, and the refusal itself is tested;
 * - its request object carries only `iss` and `aud` of its own (OpenIDC/mod_auth_openidc
 *   `src/proto.c`, `oidc_proto_create_request_object`): no `iat`, no `exp`, which the CIE OP
 *   requires. The only way the product offers is the `static` member, written here at instance
 *   start: `iat` one minute before, `exp` `requestObjectLifetimeS` after (default one hour). A
 *   production deployment would have to rewrite its configuration before that `exp`;
 * - UserInfo as a JWT signed RS256 and encrypted RSA-OAEP / A128CBC-HS256 (its `OIDCUserInfo*`
 *   directives), the ID Token encrypted the same way and decrypted with the same key.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageFile } from '../../../emulator/src/package-root.ts';
import { ACR, FISCAL_NUMBER, ID_TOKEN_CLAIMS } from '../../oidc/profile.ts';
import {
  issueTlsServerCertificate,
  spSigningMaterial,
  spTlsAuthority,
  tlsAuthorityFromPem,
  type PemKeyPair,
} from '../keys.ts';
import { apacheCommon, fillTemplate, freePort, handOver, startApache } from './apache.ts';
import { removeDir, writeFiles } from './instance.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const tpl = (name: string): string =>
  readFileSync(packageFile('scenarios/sp/third-party/mod-auth-openidc', name), 'utf8');

export const MOD_AUTH_OPENIDC = '/usr/lib/apache2/modules/mod_auth_openidc.so';

export interface ModAuthOpenidcOptions {
  /** The OP's `/.well-known/openid-configuration`. */
  readonly discoveryUrl: string;
  /** CA of the OP's TLS certificate (PEM). */
  readonly opCaPem: string;
  readonly host?: string;
  readonly port?: number;
  /** CA issuing the HTTPS certificate; default: the SP TLS authority of `keySeed`. */
  readonly tlsAuthority?: PemKeyPair;
  readonly keySeed?: string;
  /** `acr_values` asked (default SpidL2, what CIE level-3 logins answer to). */
  readonly acr?: string;
  /** Validity of the static `iat`/`exp` of its request objects (default 3600 s). */
  readonly requestObjectLifetimeS?: number;
  /**
   * Register without the bench tolerance `short-state`: the OP then refuses every login of
   * mod_auth_openidc (its 27-character state is under the CIE minimum of 32), as the real OP would.
   */
  readonly strict?: boolean;
  readonly keepDir?: boolean;
  /** mod_auth_openidc debug logging (its error.log). */
  readonly verbose?: boolean;
}

export interface ModAuthOpenidcRp {
  readonly dir: string;
  readonly baseUrl: string;
  /** Page with the "Entra con CIE" link. */
  readonly homeUrl: string;
  /** The protected page (a visit starts the login). */
  readonly loginUrl: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly tlsCaPem: string;
  /** Static registration at the OP: `client_id` + `openid_relying_party` metadata. */
  readonly staticClient: Record<string, unknown>;
  logs(): string;
  stop(): Promise<void>;
}

/** Whether the Debian packages are there; the reason names the apt-get line. */
export function modAuthOpenidcStatus(): { ok: boolean; reason: string } {
  const missing = [
    ['/usr/sbin/apache2', 'apache2'],
    ['/usr/lib/apache2/modules/mod_ssl.so', 'apache2'],
    [MOD_AUTH_OPENIDC, 'libapache2-mod-auth-openidc'],
  ].filter(([p]) => !existsSync(p!));
  if (missing.length === 0) return { ok: true, reason: '' };
  return {
    ok: false,
    reason: `mod_auth_openidc: missing ${missing.map((m) => m[0]).join(', ')} (apt-get install -y ${[...new Set(missing.map((m) => m[1]))].join(' ')})`,
  };
}

/** `claims`: the CIE identity claims in both the ID Token and UserInfo. */
function claimsRequest(): string {
  const members = Object.fromEntries(ID_TOKEN_CLAIMS.map((c) => [c, { essential: true }]));
  return JSON.stringify({ id_token: members, userinfo: { ...members, [FISCAL_NUMBER]: null } });
}

export async function startModAuthOpenidc(o: ModAuthOpenidcOptions): Promise<ModAuthOpenidcRp> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? (await freePort(host));
  const dir = mkdtempSync(join(tmpdir(), 'ciebench-mod-auth-openidc-'));
  const seed = `${o.keySeed ?? 'ciebench-sp-v1'}|mod-auth-openidc`;
  const authority = o.tlsAuthority
    ? tlsAuthorityFromPem(o.tlsAuthority)
    : spTlsAuthority(o.keySeed);
  const tls = issueTlsServerCertificate(authority, [...new Set([host, 'localhost'])], seed);
  const rpKey = spSigningMaterial(seed, host);
  const baseUrl = `https://${host}:${port}`;
  const clientId = `${baseUrl}/`;
  const redirectUri = `${baseUrl}/secure/redirect_uri`;
  const kid = 'mod-auth-openidc-rsa';
  const now = Math.floor(Date.now() / 1000);
  const requestObject = {
    copy_from_request: [
      'client_id',
      'response_type',
      'scope',
      'redirect_uri',
      'state',
      'nonce',
      'prompt',
      'acr_values',
      'claims',
      'code_challenge',
      'code_challenge_method',
    ],
    static: { iat: now - 60, exp: now + (o.requestObjectLifetimeS ?? 3600) },
    crypto: { sign_alg: 'RS256' },
    request_object_type: 'request',
  };
  const authParams = new URLSearchParams({
    prompt: 'consent',
    acr_values: o.acr ?? ACR.L2,
    claims: claimsRequest(),
  }).toString();
  const logDir = join(dir, 'logs');
  const runDir = join(dir, 'run');
  const common = apacheCommon(
    readFileSync(packageFile('scenarios/sp/third-party', 'apache-common.conf.tpl'), 'utf8'),
    {
      serverName: host,
      host,
      port,
      runDir,
      logDir,
      tlsCert: join(dir, 'tls.crt'),
      tlsKey: join(dir, 'tls.key'),
      logLevel: o.verbose ? 'warn auth_openidc:debug' : 'warn auth_openidc:info',
    },
  );
  const conf = fillTemplate(
    tpl('httpd.conf.tpl'),
    {
      APACHE_COMMON: common,
      DISCOVERY: o.discoveryUrl,
      DIR: dir,
      CLIENT_ID: clientId,
      REDIRECT_URI: redirectUri,
      PASSPHRASE: randomBytes(24).toString('base64url'),
      KID: kid,
      AUTH_PARAMS: authParams,
      REQUEST_OBJECT: JSON.stringify(requestObject).replace(/"/g, '\\"'),
    },
    'mod-auth-openidc httpd.conf',
  );
  writeFiles(dir, {
    'httpd.conf': conf,
    'tls.crt': tls.certPem + authority.certPem,
    'tls.key': tls.keyPem,
    'rp.key': rpKey.keyPem,
    'rp.crt': rpKey.certPem,
    'op-ca.pem': o.opCaPem,
    'www/index.html': tpl('www/index.html'),
    'www/secure/index.shtml': tpl('www/secure/index.shtml'),
    'logs/.keep': '',
    'run/.keep': '',
  });
  handOver(dir);
  const jwk = createPublicKey(rpKey.certPem).export({ format: 'jwk' });
  const staticClient = {
    client_id: clientId,
    client_name: 'mod_auth_openidc (CIE Bench, static registration)',
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'private_key_jwt',
    // One RSA key for signing (request object, client assertion) and decryption, as
    // OIDCPrivateKeyFiles holds it; no `use`, so the OP may use it for both.
    jwks: { keys: [{ ...jwk, kid }] },
    id_token_signed_response_alg: 'RS256',
    id_token_encrypted_response_alg: 'RSA-OAEP',
    id_token_encrypted_response_enc: 'A128CBC-HS256',
    userinfo_signed_response_alg: 'RS256',
    userinfo_encrypted_response_alg: 'RSA-OAEP',
    userinfo_encrypted_response_enc: 'A128CBC-HS256',
    request_object_signing_alg: 'RS256',
    token_endpoint_auth_signing_alg: 'RS256',
    ...(o.strict ? {} : { ciebench_tolerate: ['short-state'] }),
  };
  const logs = (): string => {
    const f = join(logDir, 'error.log');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  };
  const apache = await startApache(join(dir, 'httpd.conf'), host, port, logDir);
  return {
    dir,
    baseUrl,
    homeUrl: `${baseUrl}/`,
    loginUrl: `${baseUrl}/secure/`,
    clientId,
    redirectUri,
    tlsCaPem: authority.certPem,
    staticClient,
    logs,
    stop: async () => {
      await apache.stop();
      removeDir(dir, o.keepDir);
    },
  };
}
