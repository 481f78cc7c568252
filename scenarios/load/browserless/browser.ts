/**
 * A browser without script for load runs: one per citizen, with what the login needs of a real
 * browser and nothing more — its own connection pool (keep-alive, at most 6 connections per host as
 * browsers open), a cookie jar (host-only cookies with their paths, `Max-Age`/`Expires` deletion),
 * redirects (303 and 302 become GET, 307/308 keep the method), and what the pages' scripts do on
 * the reference IdP and SP: the auto-submitting SAML forms are submitted (HTTP-POST binding), and
 * the QR page's poll is one request (`poll`). It trusts the CAs it is given, and maps published
 * host names to loopback (`connectTo`) for an impersonating IdP.
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { parseForms, type HtmlForm } from './html.ts';

export interface BrowserlessPage {
  readonly url: string;
  readonly status: number;
  readonly html: string;
}

export class BrowserlessError extends Error {
  /** `net-ECONNREFUSED`, `net-timeout`, `http-redirects`, `page-form`… */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export type ConnectTo = (host: string, port: number) => { host: string; port: number } | undefined;

export interface BrowserlessOptions {
  /**
   * What HTTPS trusts: a TLS context made once for many browsers (`trustContext`), so that no
   * connection parses the CA certificates again.
   */
  readonly trust: SecureContext;
  readonly userAgent: string;
  readonly connectTo?: ConnectTo;
  readonly timeoutMs?: number;
}

/** What a desktop and a phone browser send (the IdP tells the phone's apart by it). */
export const USER_AGENTS = {
  desktop:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 CIE-Bench-load',
  mobile:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36 CIE-Bench-load',
} as const;

const contexts = new Map<string, SecureContext>();

/** The TLS context trusting these CAs (PEM), made once per CA set and thread, shared by browsers. */
export function trustContext(ca: readonly string[]): SecureContext {
  const key = ca.join('\n');
  let c = contexts.get(key);
  if (!c) {
    c = createSecureContext({ ca: [...ca] });
    contexts.set(key, c);
  }
  return c;
}

interface Cookie {
  readonly value: string;
  readonly path: string;
}

const MAX_REDIRECTS = 10;
const MAX_BODY = 4 * 1024 * 1024;

function defaultPath(pathname: string): string {
  const i = pathname.lastIndexOf('/');
  return i <= 0 ? '/' : pathname.slice(0, i);
}

function pathMatches(cookiePath: string, requestPath: string): boolean {
  return (
    requestPath === cookiePath ||
    (requestPath.startsWith(cookiePath) &&
      (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'))
  );
}

export class BrowserlessBrowser {
  private readonly o: BrowserlessOptions;
  private readonly cookies = new Map<string, Map<string, Cookie>>();
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 6 });
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 6 });
  private current: BrowserlessPage = { url: 'about:blank', status: 0, html: '' };
  /** SAMLResponse forms this browser carried to an SP (base64), newest last. */
  readonly samlResponses: string[] = [];

  constructor(o: BrowserlessOptions) {
    this.o = o;
  }

  get page(): BrowserlessPage {
    return this.current;
  }

  /** Loads `url` (GET), following redirects and auto-submitting SAML forms. */
  async goto(url: string): Promise<BrowserlessPage> {
    return this.settle(await this.fetchFollowing('GET', url));
  }

  /** Reloads the current page (GET of its URL). */
  reload(): Promise<BrowserlessPage> {
    return this.goto(this.current.url);
  }

  /** Submits `form` with `values` overriding its fields and the pressed button's name=value. */
  async submit(
    form: HtmlForm,
    values: Readonly<Record<string, string>> = {},
  ): Promise<BrowserlessPage> {
    const data = new URLSearchParams();
    const given = new Set(Object.keys(values));
    for (const f of form.fields) if (!given.has(f.name)) data.append(f.name, f.value);
    for (const [k, v] of Object.entries(values)) data.append(k, v);
    const body = data.toString();
    const first =
      form.method === 'POST'
        ? await this.fetchFollowing('POST', form.action, body)
        : await this.fetchFollowing('GET', `${form.action.split('?')[0]}?${body}`);
    return this.settle(first);
  }

  /** A GET that does not change the page (the QR page's status poll); the body as text. */
  async poll(url: string): Promise<{ status: number; body: string }> {
    const r = await this.fetch('GET', url);
    return { status: r.status, body: r.body };
  }

  /** Closes the browser's connections. */
  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }

  /** What a scripted page does by itself: the HTTP-POST binding's form is submitted. */
  private async settle(page: BrowserlessPage): Promise<BrowserlessPage> {
    let p = page;
    for (let i = 0; i < MAX_REDIRECTS; i++) {
      const form = autoSubmitted(p);
      if (!form) break;
      const response = form.fields.find((f) => f.name === 'SAMLResponse');
      if (response) this.samlResponses.push(response.value);
      const data = new URLSearchParams(form.fields.map((f) => [f.name, f.value])).toString();
      p = await this.fetchFollowing('POST', form.action, data);
    }
    this.current = p;
    return p;
  }

  private async fetchFollowing(
    method: string,
    url: string,
    body?: string,
  ): Promise<BrowserlessPage> {
    let r = await this.fetch(method, url, body);
    let [m, u, b] = [method, url, body];
    for (let i = 0; r.location && r.status >= 300 && r.status < 400; i++) {
      if (i >= MAX_REDIRECTS)
        throw new BrowserlessError(
          'http-redirects',
          `more than ${MAX_REDIRECTS} redirects from ${url}`,
        );
      const keep = r.status === 307 || r.status === 308;
      [m, u, b] = [keep ? m : 'GET', r.location, keep ? b : undefined];
      r = await this.fetch(m, u, b);
    }
    return { url: u, status: r.status, html: r.body };
  }

  private cookieHeader(u: URL): string | undefined {
    const jar = this.cookies.get(u.hostname);
    if (!jar) return undefined;
    const pairs = [...jar]
      .filter(([, c]) => pathMatches(c.path, u.pathname))
      .map(([k, c]) => `${k}=${c.value}`);
    return pairs.length ? pairs.join('; ') : undefined;
  }

  private storeCookies(u: URL, setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair, ...attrs] = line.split(';');
      const eq = (pair ?? '').indexOf('=');
      if (eq <= 0) continue;
      const name = (pair as string).slice(0, eq).trim();
      const value = (pair as string).slice(eq + 1).trim();
      let path = defaultPath(u.pathname);
      let gone = false;
      for (const a of attrs) {
        const [k, v = ''] = a.split('=').map((x) => x.trim());
        const key = (k ?? '').toLowerCase();
        if (key === 'path' && v.startsWith('/')) path = v;
        if (key === 'max-age' && Number(v) <= 0) gone = true;
        if (key === 'expires' && Date.parse(v) < Date.now()) gone = true;
      }
      let jar = this.cookies.get(u.hostname);
      if (!jar) this.cookies.set(u.hostname, (jar = new Map()));
      if (gone) jar.delete(name);
      else jar.set(name, { value, path });
    }
  }

  private fetch(
    method: string,
    url: string,
    body?: string,
    retried = false,
  ): Promise<{ status: number; body: string; location?: string }> {
    const u = new URL(url);
    const https = u.protocol === 'https:';
    const port = Number(u.port || (https ? 443 : 80));
    const target = this.o.connectTo?.(u.hostname, port);
    const cookie = this.cookieHeader(u);
    const headers: Record<string, string | number> = {
      Host: u.host,
      'User-Agent': this.o.userAgent,
      Accept: 'text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8',
      ...(cookie ? { Cookie: cookie } : {}),
      ...(body !== undefined
        ? {
            'Content-Type': 'application/x-www-form-urlencoded',
            'Content-Length': Buffer.byteLength(body),
          }
        : {}),
    };
    const options = {
      method,
      hostname: target?.host ?? u.hostname,
      port: target?.port ?? port,
      path: `${u.pathname}${u.search}`,
      setHost: false,
      headers,
      ...(https
        ? {
            agent: this.httpsAgent,
            secureContext: this.o.trust,
            ...(isIP(u.hostname) ? {} : { servername: u.hostname }),
          }
        : { agent: this.httpAgent }),
    };
    const send = https ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = send(options, (res: IncomingMessage) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) req.destroy(new BrowserlessError('http-body', 'page over 4 MiB'));
          else chunks.push(c);
        });
        res.on('end', () => {
          this.storeCookies(u, res.headers['set-cookie']);
          const loc = res.headers.location;
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ...(loc ? { location: new URL(loc, url).toString() } : {}),
          });
        });
        res.on('error', reject);
      });
      req.setTimeout(this.o.timeoutMs ?? 30_000, () =>
        req.destroy(new BrowserlessError('net-timeout', `${method} ${url}: no answer in time`)),
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        // A kept-alive connection the server closed as the request went out: browsers send the
        // request again on a new connection (Node's http docs describe the same race and remedy).
        if (
          !retried &&
          !answered &&
          req.reusedSocket &&
          (e.code === 'ECONNRESET' || e.code === 'EPIPE')
        ) {
          resolve(this.fetch(method, url, body, true));
          return;
        }
        reject(
          e instanceof BrowserlessError
            ? e
            : new BrowserlessError(`net-${e.code ?? 'error'}`, `${method} ${url}: ${e.message}`),
        );
      });
      req.end(body);
    });
  }
}

/** The form a page's script submits on load (SAML HTTP-POST binding), if any. */
function autoSubmitted(p: BrowserlessPage): HtmlForm | undefined {
  if (!/\.submit\(\)/.test(p.html)) return undefined;
  return parseForms(p.html, p.url).find(
    (f) =>
      f.method === 'POST' &&
      f.fields.some((x) => x.name === 'SAMLResponse' || x.name === 'SAMLRequest'),
  );
}
