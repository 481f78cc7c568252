/**
 * A small HTTPS client for the bench (the CLI's control-API calls, tests, benchmarks): trusts the
 * bench TLS CA only, keeps cookies (so one client behaves like one browser), never follows
 * redirects by itself, can present a client certificate and connect a published host name to
 * loopback (`connectTo`). Not a browser: the browser tests use Chromium.
 */
import https from 'node:https';
import { isIP } from 'node:net';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  readonly location?: string;
}

/** Where to connect for a URL's host and port (the real IdP host names → loopback). */
export type ConnectTo = (host: string, port: number) => { host: string; port: number } | undefined;

export interface ClientCertificate {
  readonly key: string;
  readonly cert: string;
}

export class HttpClient {
  private readonly cookies = new Map<string, string>();
  private readonly ca: string;
  private readonly clientCert: ClientCertificate | undefined;
  private readonly connectTo: ConnectTo | undefined;
  private readonly agent: https.Agent | false;
  userAgent: string;

  constructor(
    ca: string,
    o: {
      clientCert?: ClientCertificate;
      userAgent?: string;
      connectTo?: ConnectTo;
      /** A keep-alive agent to reuse connections (default: one connection per request). */
      agent?: https.Agent;
    } = {},
  ) {
    this.agent = o.agent ?? false;
    this.ca = ca;
    this.clientCert = o.clientCert;
    this.connectTo = o.connectTo;
    this.userAgent = o.userAgent ?? 'Mozilla/5.0 (X11; Linux x86_64) CIE-Bench-test';
  }

  /** A client sharing this one's cookies but presenting another certificate. */
  withClientCert(c: ClientCertificate | undefined): HttpClient {
    const other = new HttpClient(this.ca, {
      ...(c ? { clientCert: c } : {}),
      ...(this.connectTo ? { connectTo: this.connectTo } : {}),
      userAgent: this.userAgent,
    });
    for (const [k, v] of this.cookies) other.cookies.set(k, v);
    return other;
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  request(method: string, url: string, body?: string, contentType?: string): Promise<HttpAnswer> {
    return this.requestWithHeaders(method, url, body, contentType, {});
  }

  requestWithHeaders(
    method: string,
    url: string,
    body: string | undefined,
    contentType: string | undefined,
    extra: Readonly<Record<string, string>>,
  ): Promise<HttpAnswer> {
    const u = new URL(url);
    const target = this.connectTo?.(u.hostname, Number(u.port || 443));
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          method,
          hostname: target?.host ?? u.hostname,
          port: target?.port ?? u.port,
          // Certificate check and Host header stay those of the URL (curl --connect-to).
          ...(isIP(u.hostname) ? {} : { servername: u.hostname }),
          setHost: false,
          path: `${u.pathname}${u.search}`,
          ca: this.ca,
          ...(this.clientCert ? { key: this.clientCert.key, cert: this.clientCert.cert } : {}),
          agent: this.agent,
          headers: {
            Host: u.host,
            'User-Agent': this.userAgent,
            ...extra,
            ...(this.cookies.size ? { Cookie: this.cookieHeader() } : {}),
            ...(body !== undefined
              ? {
                  'Content-Type': contentType ?? 'application/x-www-form-urlencoded',
                  'Content-Length': Buffer.byteLength(body),
                }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
              const [pair] = c.split(';');
              const eq = (pair ?? '').indexOf('=');
              if (eq > 0) {
                const name = (pair as string).slice(0, eq);
                const value = (pair as string).slice(eq + 1);
                if (/Max-Age=0/i.test(c)) this.cookies.delete(name);
                else this.cookies.set(name, value);
              }
            }
            const loc = res.headers.location;
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              ...(loc ? { location: new URL(loc, url).toString() } : {}),
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  get(url: string): Promise<HttpAnswer> {
    return this.request('GET', url);
  }

  postForm(url: string, fields: Readonly<Record<string, string>>): Promise<HttpAnswer> {
    return this.request('POST', url, new URLSearchParams(fields).toString());
  }

  /** GET, then follow redirects (at most 10). */
  async follow(a: HttpAnswer | Promise<HttpAnswer>): Promise<HttpAnswer> {
    let r = await a;
    for (let i = 0; i < 10 && r.location && r.status >= 300 && r.status < 400; i++)
      r = await this.get(r.location);
    return r;
  }
}

/** Value of the hidden input `name` in an HTML page. */
export function hiddenField(html: string, name: string): string | undefined {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  return m
    ? (m[1] as string)
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&')
    : undefined;
}

/** The `data-page` id of an IdP page. */
export function pageId(html: string): string | undefined {
  return /<body data-page="([^"]+)"/.exec(html)?.[1];
}
