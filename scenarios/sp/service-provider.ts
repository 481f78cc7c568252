/**
 * The embeddable reference SP: `startServiceProvider(options, material)` listens (port 0 by
 * default), derives its URLs from the address it got, builds and signs its metadata and returns a
 * handle with the URLs, the metadata, the outcome log and `close()`. Tests, the scenario runner and
 * `ciebench sp start` all go through here.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { InMemoryCacheProvider } from '@node-saml/node-saml/lib/in-memory-cache-provider.js';
import { ValidateInResponseTo } from '@node-saml/node-saml';
import { buildApp } from './app.ts';
import { CieSaml, type IssuedRequest } from './cie-saml.ts';
import {
  authnContextClassRef,
  parseSpOptions,
  type SpidLevel,
  type SpMaterial,
  type SpOptions,
  type SpOptionsInput,
} from './config.ts';
import { parseIdpMetadata, type IdpMetadata } from './idp-metadata.ts';
import {
  issueTlsServerCertificate,
  spSigningMaterial,
  spTlsAuthority,
  tlsAuthorityFromPem,
  type PemKeyPair,
} from './keys.ts';
import { signedSpMetadata } from './metadata.ts';
import { SpState, type AcsOutcome } from './state.ts';

export interface SpUrls {
  readonly base: string;
  readonly entityId: string;
  readonly metadata: string;
  readonly login: string;
  readonly acs: string;
  readonly logout: string;
  readonly attributes: string;
}

export interface ServiceProvider {
  readonly options: SpOptions;
  readonly urls: SpUrls;
  readonly idp: IdpMetadata;
  /** Signed SP metadata (register it at the IdP). */
  readonly metadataXml: string;
  readonly signing: PemKeyPair;
  /** PEM of the CA that issued the HTTPS certificate (for the browser to trust); none over HTTP. */
  readonly tlsCaPem: string | undefined;
  readonly controlToken: string;
  readonly outcomes: readonly AcsOutcome[];
  waitForOutcome(
    match?: (o: AcsOutcome) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<AcsOutcome>;
  close(): Promise<void>;
}

export interface SpRuntime {
  /** Clock of the SP's own checks (IssueInstant, expiry of requests and sessions). */
  readonly now?: () => Date;
}

function tlsMaterial(
  options: SpOptions,
  material: SpMaterial,
): { tls: PemKeyPair; caPem: string | undefined } {
  if (material.tls) return { tls: material.tls, caPem: material.tlsAuthority?.certPem };
  const authority = material.tlsAuthority
    ? tlsAuthorityFromPem(material.tlsAuthority)
    : spTlsAuthority(options.keySeed);
  const hosts = new Set([options.host, 'localhost', '127.0.0.1']);
  if (options.publicUrl) hosts.add(new URL(options.publicUrl).hostname);
  const leaf = issueTlsServerCertificate(authority, [...hosts], options.keySeed);
  // The chain goes out with the CA, so a client may also pin the CA's key (Chromium's SPKI list).
  return {
    tls: { keyPem: leaf.keyPem, certPem: leaf.certPem + authority.certPem },
    caPem: authority.certPem,
  };
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function urlsFor(options: SpOptions, address: AddressInfo): SpUrls {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const base = (options.publicUrl ?? `${options.protocol}://${host}:${address.port}`).replace(
    /\/$/,
    '',
  );
  return {
    base,
    entityId: options.entityId ?? `${base}/metadata`,
    metadata: `${base}/metadata`,
    login: `${base}/login`,
    acs: `${base}/acs`,
    logout: `${base}/logout`,
    attributes: `${base}/attributes`,
  };
}

/** Starts the reference SP. `material.idpMetadataXml` is required; the rest has defaults. */
export async function startServiceProvider(
  input: SpOptionsInput,
  material: SpMaterial,
  runtime: SpRuntime = {},
): Promise<ServiceProvider> {
  const options = parseSpOptions(input);
  const idp = parseIdpMetadata(material.idpMetadataXml);
  const now = runtime.now ?? (() => new Date());
  const state = new SpState(
    options.requestTtlSeconds * 1000,
    options.sessionTtlSeconds * 1000,
    now,
  );
  const controlToken = material.controlToken ?? randomBytes(24).toString('base64url');
  let handler: Parameters<typeof createHttpServer>[1] = (_req, res) => {
    res.statusCode = 503;
    res.end('starting');
  };
  const dispatch: typeof handler = (req, res) => handler?.(req, res);
  let tlsCaPem: string | undefined;
  let server: Server;
  if (options.protocol === 'https') {
    const t = tlsMaterial(options, material);
    tlsCaPem = t.caPem;
    server = createHttpsServer(
      { key: t.tls.keyPem, cert: t.tls.certPem, minVersion: 'TLSv1.2' },
      dispatch,
    );
  } else {
    server = createHttpServer(dispatch);
  }
  const address = await listen(server, options.port, options.host);
  const urls = urlsFor(options, address);
  const signing =
    material.signing ?? spSigningMaterial(options.keySeed, new URL(urls.entityId).hostname);
  const metadataXml = signedSpMetadata(
    options,
    { entityId: urls.entityId, acs: urls.acs, slo: urls.logout },
    signing,
  );
  const cacheProvider = new InMemoryCacheProvider({
    keyExpirationPeriodMs: options.requestTtlSeconds * 1000,
  });
  const onIssued = (r: IssuedRequest): void => state.requests.set(r.id, r);
  const defect = (d: SpOptions['defects'][number]): boolean => options.defects.includes(d);
  const clients = new Map<string, CieSaml>();
  const clientFor = (binding: 'redirect' | 'post', level: SpidLevel): CieSaml => {
    const key = `${binding}|${level}`;
    let c = clients.get(key);
    if (!c) {
      c = new CieSaml(
        {
          entryPoint: binding === 'redirect' ? idp.ssoRedirect : idp.ssoPost,
          issuer: urls.entityId,
          callbackUrl: urls.acs,
          idpCert: [...idp.signingCertificates],
          idpIssuer: idp.entityId,
          audience: defect('skip-audience') ? false : urls.entityId,
          wantAssertionsSigned: !defect('accept-unsigned-assertion'),
          wantAuthnResponseSigned: !defect('accept-unsigned-response'),
          validateInResponseTo: defect('skip-in-response-to')
            ? ValidateInResponseTo.never
            : ValidateInResponseTo.always,
          requestIdExpirationPeriodMs: options.requestTtlSeconds * 1000,
          cacheProvider,
          acceptedClockSkewMs: defect('skip-time-window') ? -1 : options.clockSkewSeconds * 1000,
          privateKey: signing.keyPem,
          publicCert: signing.certPem,
          signatureAlgorithm: 'sha256',
          digestAlgorithm: 'sha256',
          // HTTP-POST carries the XML base64-encoded, not deflated (SAML Bindings §3.5.4).
          skipRequestCompression: binding === 'post',
        },
        binding,
        {
          acs: options.acsBy === 'url' ? { by: 'url', url: urls.acs } : { by: 'index', index: 0 },
          classRef: authnContextClassRef(level),
          comparison: options.comparison,
          attributeConsumingServiceIndex: 0,
          now,
          onIssued,
        },
      );
      clients.set(key, c);
    }
    return c;
  };
  const app = buildApp({
    saml: clientFor('post', options.level),
    clientFor,
    state,
    options,
    acsUrl: urls.acs,
    idpEntityId: idp.entityId,
    now,
    metadataXml,
    idpLogoutUrl: idp.sloRedirect,
    secureCookies: options.protocol === 'https',
    controlToken,
    title: options.organization.displayName,
  });
  handler = app;
  return {
    options,
    urls,
    idp,
    metadataXml,
    signing,
    tlsCaPem,
    controlToken,
    outcomes: state.outcomes,
    waitForOutcome: (match, timeoutMs, from) => state.waitForOutcome(match, timeoutMs, from),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
