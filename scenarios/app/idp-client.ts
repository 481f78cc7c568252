/**
 * The app's network layer towards the IdP: form POSTs over HTTPS (`application/x-www-form-urlencoded`,
 * the shape every public SDK uses), the bench's TEST TLS CA trusted on request, host names resolved
 * to loopback by the agent itself when the IdP impersonates the real hosts (never through the
 * machine's DNS or trust store), a 15 s timeout (italia/cieid-android-sdk `NetworkClient`: connect,
 * read and write timeouts of 15 s). Answers are validated with zod; the IdP's error answers
 * (`{"esito":"KO","codice","messaggio"}`, scenarios/idp/L3-PROTOCOL.md §2, §6) become the app's
 * events:
 *
 * | IdP `codice` | app event |
 * |---|---|
 * | `CERT_EXPIRED` / `CERT_REVOKED` | `CERTIFICATE_EXPIRED` / `CERTIFICATE_REVOKED` (the SDKs' events for the TLS alerts of the real IdP) |
 * | `SESSION_EXPIRED`, `ALREADY_USED`, `NOT_FOUND`, `TIMEOUT` | `OPERATION_EXPIRED` |
 * | anything else | `AUTHENTICATION_ERROR` with the IdP's code and text |
 * | no connection, DNS failure, timeout, connection reset | `NO_INTERNET_CONNECTION` (`ON_NO_INTERNET_CONNECTION`: `SocketTimeoutException`, `UnknownHostException`) |
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';
import type { LookupFunction } from 'node:net';
import { lookup as dnsLookup } from 'node:dns';
import { createSecureContext, type SecureContext } from 'node:tls';
import { z } from 'zod';
import { appEvent, raise, type AppEvent } from './events.ts';

export interface IdpConnection {
  /** CA certificates (PEM) trusted for the IdP's TLS, besides Node's defaults (the bench TEST TLS CA). */
  readonly ca?: string | readonly string[];
  /** Host name → IP address the agent resolves itself (impersonation of the real IdP hosts). */
  readonly resolve?: Readonly<Record<string, string>>;
  /**
   * `host:port` as published → the port the agent really connects to (impersonation: the real
   * host's 443, 8444 and 8445 served on loopback ports, as Chromium's `--host-resolver-rules`
   * MAP does for the browser). TLS name and `Host` stay the published ones.
   */
  readonly ports?: Readonly<Record<string, number>>;
  readonly timeoutMs?: number;
  /**
   * The phone's own connection pool (keep-alive within its logins, as an app's HTTP client does);
   * default: Node's global agent.
   */
  readonly agent?: Agent;
}

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

const MAX_BODY = 1024 * 1024;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'APP_HTTP_TIMEOUT',
]);

const errorShape = z
  .object({ esito: z.literal('KO'), codice: z.string().min(1), messaggio: z.string() })
  .loose();

function lookupWith(
  resolve: Readonly<Record<string, string>> | undefined,
): LookupFunction | undefined {
  if (!resolve || Object.keys(resolve).length === 0) return undefined;
  return (hostname, options, callback) => {
    const address = resolve[hostname];
    if (address === undefined) return dnsLookup(hostname, options, callback);
    const family = address.includes(':') ? 6 : 4;
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address, family },
      ]);
    else (callback as (e: null, a: string, f: number) => void)(null, address, family);
  };
}

/**
 * TLS contexts by trusted CA set: building one parses every CA certificate, which costs more than
 * the handshake's own work, so a context is made once per CA set and reused by every connection.
 */
const contexts = new Map<string, SecureContext>();

function secureContextFor(ca: readonly string[]): SecureContext {
  const key = ca.join('\n');
  let c = contexts.get(key);
  if (!c) {
    c = createSecureContext({ ca: [...ca] });
    contexts.set(key, c);
  }
  return c;
}

/** POSTs `fields` as a form; resolves to the answer whatever its status, or raises "no connection". */
export function postForm(
  url: string,
  fields: Readonly<Record<string, string>>,
  conn: IdpConnection = {},
): Promise<HttpAnswer> {
  const target = new URL(url);
  const body = new URLSearchParams(fields).toString();
  const lookup = lookupWith(conn.resolve);
  const published = target.port || (target.protocol === 'https:' ? '443' : '80');
  const port = conn.ports?.[`${target.hostname}:${published}`];
  const ca =
    conn.ca === undefined ? undefined : typeof conn.ca === 'string' ? [conn.ca] : [...conn.ca];
  const options = {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      accept: 'application/json, text/plain',
      ...(port !== undefined ? { host: target.host } : {}),
    },
    ...(port !== undefined ? { port } : {}),
    ...(lookup ? { lookup } : {}),
    ...(ca && target.protocol === 'https:' ? { secureContext: secureContextFor(ca) } : {}),
    ...(conn.agent && target.protocol === 'https:' ? { agent: conn.agent } : {}),
  };
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = send(target, options, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(new Error('answer larger than 1 MiB'));
        else chunks.push(c);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(conn.timeoutMs ?? 15_000, () => {
      const e = Object.assign(new Error('the IdP did not answer in time'), {
        code: 'APP_HTTP_TIMEOUT',
      });
      req.destroy(e);
    });
    req.on('error', reject);
    req.end(body);
  }).catch((e: NodeJS.ErrnoException) => {
    if (e.code && NETWORK_CODES.has(e.code)) raise(appEvent('NO_INTERNET_CONNECTION'));
    raise(appEvent('GENERAL_ERROR', { detail: `${target.origin}: ${e.message}` }));
  });
}

/** The app's event for an IdP error answer (status ≥ 400). */
export function idpErrorEvent(a: HttpAnswer): AppEvent {
  let parsed: z.infer<typeof errorShape> | undefined;
  try {
    const r = errorShape.safeParse(JSON.parse(a.body));
    parsed = r.success ? r.data : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed)
    return appEvent('AUTHENTICATION_ERROR', {
      detail: `HTTP ${a.status}: ${a.body.slice(0, 200)}`,
    });
  switch (parsed.codice) {
    case 'CERT_EXPIRED':
      return appEvent('CERTIFICATE_EXPIRED');
    case 'CERT_REVOKED':
      return appEvent('CERTIFICATE_REVOKED');
    case 'SESSION_EXPIRED':
    case 'ALREADY_USED':
    case 'NOT_FOUND':
    case 'TIMEOUT':
      return appEvent('OPERATION_EXPIRED');
    default:
      return appEvent('AUTHENTICATION_ERROR', {
        detail: parsed.messaggio,
        idpCodice: parsed.codice,
      });
  }
}

/** A successful JSON answer validated with `schema`; anything else raises the app's event. */
export function jsonAnswer<T>(a: HttpAnswer, schema: z.ZodType<T>): T {
  if (a.status >= 400) raise(idpErrorEvent(a));
  let json: unknown;
  try {
    json = JSON.parse(a.body);
  } catch {
    raise(
      appEvent('GENERAL_ERROR', {
        detail: `the IdP answered ${a.status} with a body that is not JSON`,
      }),
    );
  }
  const r = schema.safeParse(json);
  if (!r.success)
    raise(
      appEvent('GENERAL_ERROR', {
        detail: `unexpected IdP answer: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      }),
    );
  return r.data;
}
