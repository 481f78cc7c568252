/**
 * The HTTP client of federation look-ups (Entity Configurations, fetch, resolve, trust mark status):
 * HTTPS only, trusting the CAs it is given (the bench TLS CAs; the system's when none), a short
 * timeout, a bounded body, no redirects, no cookies. Every failure is a {@link FetchError} naming the
 * URL, so a refused chain says which look-up broke.
 */
import https from 'node:https';
import { isIP } from 'node:net';

export interface FetchedDocument {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** One GET of a federation document. */
export type FederationFetcher = (url: string) => Promise<FetchedDocument>;

export class FetchError extends Error {
  readonly url: string;
  constructor(url: string, message: string) {
    super(`${url}: ${message}`);
    this.url = url;
  }
}

export interface FetcherOptions {
  /** PEM CAs to trust, or a function giving the current list (absent: the system's). */
  readonly ca?: readonly string[] | (() => readonly string[]);
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  /**
   * Connect-to map for impersonated host names (the published host and port → a loopback address);
   * the host name stays the TLS server name and the Host header.
   */
  readonly connectTo?: (host: string, port: number) => { host: string; port: number } | undefined;
}

/** A fetcher over node:https. */
export function httpsFetcher(o: FetcherOptions = {}): FederationFetcher {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const maxBytes = o.maxBytes ?? 256 * 1024;
  return (url) =>
    new Promise<FetchedDocument>((resolve, reject) => {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        return reject(new FetchError(url, 'not a URL'));
      }
      if (u.protocol !== 'https:') return reject(new FetchError(url, 'only https is fetched'));
      const port = Number(u.port || 443);
      const to = o.connectTo?.(u.hostname, port);
      const req = https.get(
        {
          host: to?.host ?? u.hostname,
          port: to?.port ?? port,
          // SNI carries host names only (RFC 6066 §3).
          ...(isIP(u.hostname) ? {} : { servername: u.hostname }),
          path: `${u.pathname}${u.search}`,
          headers: {
            Host: u.host,
            Accept: 'application/entity-statement+jwt, application/jose, application/json',
          },
          ...(o.ca ? { ca: [...(typeof o.ca === 'function' ? o.ca() : o.ca)] } : {}),
          timeout: timeoutMs,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > maxBytes) {
              req.destroy(new FetchError(url, `answer larger than ${maxBytes} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? ''),
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', (e) => reject(new FetchError(url, e.message)));
        },
      );
      req.on('timeout', () => req.destroy(new FetchError(url, `no answer within ${timeoutMs} ms`)));
      req.on('error', (e) => reject(e instanceof FetchError ? e : new FetchError(url, e.message)));
    });
}
