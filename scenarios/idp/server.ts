/**
 * Starting the bench IdP: three HTTPS listeners on loopback (L3-PROTOCOL.md §1, `A-LISTENERS`) —
 * main (TLS 1.2–1.3: pages, SAML endpoints, app endpoints, control API), desktop client
 * authentication (TLS 1.2, certificate requested, checked by the IdP), mobile mutual TLS (TLS 1.2,
 * certificate required and checked in the handshake against the trusted CAs and CRLs).
 */
import { constants, randomBytes } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { existsSync, readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { DEFAULT_PKI_SEED } from '../../emulator/src/personalise/pki/test-pki.ts';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { CRL_FILE, defaultPkiDir } from '../../emulator/src/state/pki-revocations.ts';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import {
  DEFAULT_BEHAVIOUR,
  DEFAULT_TIMERS,
  hostResolverRules,
  IMPERSONATION_PORTS,
  publicUrls,
  REAL_HOSTS,
  systemIdpClock,
  type IdpBehaviour,
  type IdpClock,
  type IdpMode,
  type IdpTimers,
  type IdpUrls,
  type Ports,
} from './config.ts';
import { sendErrorPage, type IdpContext } from './context.ts';
import { Injections, type InjectionInput } from './injection.ts';
import { messagePage } from './pages/misc-pages.ts';
import { appRouter } from './routes/app-api.ts';
import { desktopRouter, mutualTlsRouter } from './routes/client-cert.ts';
import { controlRouter } from './routes/control.ts';
import { l3Router } from './routes/l3.ts';
import { miscRouter } from './routes/misc.ts';
import { ssoRouter } from './routes/sso.ts';
import { idpMetadata } from './saml/metadata.ts';
import { SpRegistry, type RegistrationResult } from './sp-registry/registry.ts';
import { Store } from './state/store.ts';
import { ALERT, AlertGate, type Decision } from './tls/alert-gate.ts';
import {
  benchKeys,
  certificateBase64,
  certificatePem,
  DEFAULT_IDP_SEED,
  privateKeyPem,
  spkiSha256Base64,
} from './trust/bench-keys.ts';
import { CardTrust } from './trust/card-trust.ts';
import { CitizenRegistry } from './trust/citizens.ts';

export interface StartIdpOptions {
  readonly mode?: IdpMode;
  /** Listen address (loopback by default; the bench never binds elsewhere unless told). */
  readonly listen?: string;
  readonly ports?: Partial<Ports>;
  /** Seed of the IdP's TLS CA, server and signing keys. */
  readonly seed?: string;
  readonly clock?: IdpClock;
  readonly timers?: Partial<IdpTimers>;
  readonly behaviour?: Partial<IdpBehaviour>;
  /** Extra trusted citizen-authentication CAs (DER), e.g. a lab's physical test cards. */
  readonly trustCas?: readonly Uint8Array[];
  /** Trust the bench TEST holder CA (default true). */
  readonly trustBenchCa?: boolean;
  /** CRL source; default: the CRL files given, else the default PKI's published CRL if present. */
  readonly crls?: () => readonly Uint8Array[];
  readonly crlFiles?: readonly string[];
  readonly citizens?: CitizenRegistry;
  /** SP metadata documents (XML) to register at start. */
  readonly spMetadata?: readonly string[];
  readonly spMetadataDir?: string;
  /** Control API token (random when absent). */
  readonly controlToken?: string;
}

export interface RunningIdp {
  readonly urls: IdpUrls;
  readonly ports: Ports;
  readonly mode: IdpMode;
  readonly context: IdpContext;
  readonly controlToken: string;
  /** PEM of the bench TEST TLS CA every listener chains to. */
  readonly tlsCaPem: string;
  /** For Chromium's `--ignore-certificate-errors-spki-list`. */
  readonly tlsSpkiSha256: string;
  readonly signingCertificatePem: string;
  /** Chromium `--host-resolver-rules` for impersonation (undefined in bench mode). */
  readonly hostResolverRules?: string;
  /**
   * Where a Node client must connect for a published host and port (impersonation: the real host
   * names → loopback ports; bench mode: undefined, connect as the URL says).
   */
  connectTo(host: string, port: number): { host: string; port: number } | undefined;
  /** Results of the SP registrations made at start. */
  readonly registrations: readonly RegistrationResult[];
  metadata(): string;
  registerSp(xml: string): RegistrationResult;
  inject(i: InjectionInput): void;
  close(): Promise<void>;
}

/** A CRL source over files, re-read when a file's modification time changes. */
export function crlFileSource(files: readonly string[]): () => readonly Uint8Array[] {
  let stamp = '';
  let current: readonly Uint8Array[] = [];
  return () => {
    const now = files
      .map((f) => (existsSync(f) ? `${f}@${statSync(f).mtimeMs}@${statSync(f).size}` : `${f}@-`))
      .join('|');
    if (now !== stamp) {
      stamp = now;
      current = files.filter((f) => existsSync(f)).map((f) => pemOrDer(readFileSync(f)));
    }
    return current;
  };
}

function pemOrDer(b: Buffer): Uint8Array {
  const text = b.toString('latin1');
  const m = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(text);
  return new Uint8Array(m ? Buffer.from((m[1] as string).replace(/\s+/g, ''), 'base64') : b);
}

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy':
      "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action https:; frame-ancestors 'none'",
  });
  next();
}

function baseApp(ctx: IdpContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(securityHeaders);
  app.use(express.urlencoded({ extended: false, limit: '512kb', parameterLimit: 50 }));
  return app;
}

function finish(app: Express, ctx: IdpContext): void {
  app.use((_req: Request, res: Response) => {
    res
      .status(404)
      .type('html')
      .send(messagePage('non-trovata', 'Pagina non trovata', 'La pagina richiesta non esiste.'));
  });
  app.use(
    (
      err: Error & { status?: number; type?: string },
      _req: Request,
      res: Response,
      _next: NextFunction,
    ) => {
      if (err.status && err.status >= 400 && err.status < 500)
        return void res
          .status(err.status)
          .type('text')
          .send(`richiesta non valida: ${err.type ?? err.message}`);
      sendErrorPage(ctx, res, 3, `internal error: ${err.message}`);
    },
  );
}

/** The TLS alert for a mutual-TLS client whose certificate the IdP refuses (undefined: accept). */
function handshakeDecision(ctx: IdpContext, sock: TLSSocket): Decision {
  const peer = sock.getPeerCertificate();
  if (!peer || !peer.raw) return ALERT.handshakeFailure;
  const r = ctx.trust.check(new Uint8Array(peer.raw), ctx.clock.now());
  if (r.ok) return undefined;
  const alerts = {
    CERT_REVOKED: ALERT.certificateRevoked,
    CERT_EXPIRED: ALERT.certificateExpired,
    CERT_UNTRUSTED: ALERT.unknownCa,
    CERT_MALFORMED: ALERT.badCertificate,
    SERIAL_MISMATCH: ALERT.badCertificate,
  } as const;
  return alerts[r.code];
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Starts the IdP; resolves once the three listeners accept connections. */
/**
 * Signature algorithms of the client-authentication listeners (their CertificateRequest, and the
 * server's own ServerKeyExchange): PKCS#1 v1.5 and ECDSA, no RSA-PSS. A CIE signs only PKCS#1
 * v1.5, and a client that cannot restrict its own list (curl with OpenSSL's PKCS#11 engine)
 * picks RSA-PSS whenever the server offers it (RFC 5246 §7.4.4, RFC 8446 §4.2.3).
 */
export const CLIENT_AUTH_SIGALGS =
  'RSA+SHA256:RSA+SHA384:RSA+SHA512:ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512';

export async function startIdp(o: StartIdpOptions = {}): Promise<RunningIdp> {
  const mode = o.mode ?? 'bench';
  const host = o.listen ?? '127.0.0.1';
  const keys = benchKeys(o.seed ?? DEFAULT_IDP_SEED);
  const image = defaultCardImage();
  const cas = [
    ...(o.trustBenchCa === false ? [] : [fromHex(image.ias.certificates.holderCa)]),
    ...(o.trustCas ?? []),
  ];
  const crls =
    o.crls ?? crlFileSource(o.crlFiles ?? [`${defaultPkiDir(DEFAULT_PKI_SEED)}/${CRL_FILE}`]);
  const tls = {
    key: privateKeyPem(keys.tlsServer.key),
    cert: certificatePem(keys.tlsServer.certificate) + certificatePem(keys.tlsCa.certificate),
  };
  const caPems = cas.map(certificatePem);
  const servers = {
    main: https.createServer({ ...tls, minVersion: 'TLSv1.2' }),
    desktop: https.createServer({
      ...tls,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      requestCert: true,
      rejectUnauthorized: false,
      ca: caPems,
      sigalgs: CLIENT_AUTH_SIGALGS,
    }),
    // Behind the alert gate (tls/alert-gate.ts): no session resumption, every handshake is full.
    mtls: https.createServer({
      ...tls,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      requestCert: true,
      rejectUnauthorized: false,
      ca: caPems,
      sigalgs: CLIENT_AUTH_SIGALGS,
      secureOptions: constants.SSL_OP_NO_TICKET,
    }),
  };
  const innerMtlsPort = await listen(servers.mtls, '127.0.0.1', 0);
  const gate = new AlertGate(() => innerMtlsPort);
  const ports: Ports = {
    main: await listen(servers.main, host, o.ports?.main ?? 0),
    desktop: await listen(servers.desktop, host, o.ports?.desktop ?? 0),
    mtls: await listen(gate.server, host, o.ports?.mtls ?? 0),
  };
  const urls = publicUrls(mode, ports);
  const publishedHost = new URL(urls.base).hostname;
  const signing = keys.signing(publishedHost);
  const clock = o.clock ?? systemIdpClock;
  const ctx: IdpContext = {
    mode,
    urls,
    timers: { ...DEFAULT_TIMERS, ...o.timers },
    behaviour: { ...DEFAULT_BEHAVIOUR, ...o.behaviour },
    clock,
    store: new Store(),
    sps: new SpRegistry(() => clock.now()),
    trust: new CardTrust({ cas, crls }),
    citizens: o.citizens ?? CitizenRegistry.withDefaults(),
    signingKey: {
      privateKeyPem: privateKeyPem(signing.key),
      certificatePem: certificatePem(signing.certificate),
    },
    injections: new Injections(),
    seenRequests: new Map(),
    events: [],
  };
  // The mutual-TLS listener refuses a bad card in the handshake, with the TLS alert the SDKs expect.
  servers.mtls.prependListener('secureConnection', (sock: TLSSocket) => {
    const d = handshakeDecision(ctx, sock);
    gate.decided(sock, d);
    if (d !== undefined) sock.destroy();
  });

  const token = o.controlToken ?? randomBytes(24).toString('base64url');
  const main = baseApp(ctx);
  main.use(controlRouter(ctx, token));
  main.use(ssoRouter(ctx));
  main.use(l3Router(ctx));
  main.use(appRouter(ctx));
  main.use(miscRouter(ctx, certificateBase64(signing.certificate)));
  finish(main, ctx);
  const desktop = baseApp(ctx);
  desktop.use(desktopRouter(ctx));
  finish(desktop, ctx);
  const mtls = baseApp(ctx);
  mtls.use(mutualTlsRouter(ctx));
  finish(mtls, ctx);
  servers.main.on('request', main);
  servers.desktop.on('request', desktop);
  servers.mtls.on('request', mtls);

  const registrations = [
    ...(o.spMetadata ?? []).map((x) => ctx.sps.add(x, 'startIdp option')),
    ...(o.spMetadataDir ? ctx.sps.addFolder(o.spMetadataDir) : []),
  ];
  const rules = hostResolverRules(mode, ports);
  return {
    urls,
    ports,
    mode,
    context: ctx,
    controlToken: token,
    tlsCaPem: certificatePem(keys.tlsCa.certificate),
    tlsSpkiSha256: spkiSha256Base64(keys.tlsServer.certificate),
    signingCertificatePem: ctx.signingKey.certificatePem,
    ...(rules ? { hostResolverRules: rules } : {}),
    registrations,
    connectTo: (h, p) => {
      if (mode === 'bench' || h !== REAL_HOSTS[mode]) return undefined;
      const to = {
        443: ports.main,
        [IMPERSONATION_PORTS.desktop]: ports.desktop,
        [IMPERSONATION_PORTS.mtls]: ports.mtls,
      }[p];
      return to === undefined ? undefined : { host: '127.0.0.1', port: to };
    },
    metadata: () => idpMetadata(urls, ctx.signingKey, certificateBase64(signing.certificate)),
    registerSp: (xml) => ctx.sps.add(xml, 'registerSp'),
    inject: (i) => void ctx.injections.add(i),
    close: async () => {
      await gate.close();
      await Promise.all(
        Object.values(servers).map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
