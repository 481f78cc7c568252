/**
 * A `fetch` for `openid-client`'s `customFetch` that trusts given CAs (the bench TLS CAs) instead of
 * the machine's store, and can connect a published host name to loopback (impersonation), keeping
 * the host name for TLS and the Host header. Redirects are not followed (OAuth endpoints never
 * redirect a back-channel call); bodies are bounded.
 */
import https from 'node:https';
import { isIP } from 'node:net';

export interface HttpsFetchOptions {
  readonly ca?: readonly string[];
  readonly connectTo?: (host: string, port: number) => { host: string; port: number } | undefined;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  /** Answers some URLs locally (e.g. keys known from a trust chain); undefined: go to the network. */
  readonly local?: (url: URL) => Response | undefined;
}

type Init = {
  readonly method?: string;
  readonly headers?: Record<string, string> | Headers;
  readonly body?: unknown;
  readonly signal?: AbortSignal | null;
};

function headerObject(h: Init['headers']): Record<string, string> {
  if (!h) return {};
  if (h instanceof Headers) {
    const out: Record<string, string> = {};
    h.forEach((v, k) => (out[k] = v));
    return out;
  }
  return { ...h };
}

async function bodyBytes(b: unknown): Promise<Buffer | undefined> {
  if (b === undefined || b === null) return undefined;
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  if (b instanceof URLSearchParams) return Buffer.from(b.toString(), 'utf8');
  if (b instanceof Uint8Array) return Buffer.from(b);
  if (b instanceof ArrayBuffer) return Buffer.from(new Uint8Array(b));
  throw new TypeError('unsupported request body type');
}

/** A fetch function over node:https with the given trust and routing. */
export function httpsFetch(o: HttpsFetchOptions = {}) {
  const timeoutMs = o.timeoutMs ?? 15_000;
  const maxBytes = o.maxBytes ?? 1024 * 1024;
  return async (input: string | URL, init: Init = {}): Promise<Response> => {
    const u = new URL(String(input));
    const local = o.local?.(u);
    if (local) return local;
    if (u.protocol !== 'https:') throw new TypeError(`only https is fetched: ${u.toString()}`);
    const body = await bodyBytes(init.body);
    const port = Number(u.port || 443);
    const to = o.connectTo?.(u.hostname, port);
    return new Promise<Response>((resolve, reject) => {
      const req = https.request(
        {
          method: init.method ?? 'GET',
          host: to?.host ?? u.hostname,
          port: to?.port ?? port,
          ...(isIP(u.hostname) ? {} : { servername: u.hostname }),
          path: `${u.pathname}${u.search}`,
          setHost: false,
          headers: {
            ...headerObject(init.headers),
            Host: u.host,
            ...(body ? { 'Content-Length': String(body.length) } : {}),
          },
          ...(o.ca ? { ca: [...o.ca] } : {}),
          agent: false,
          timeout: timeoutMs,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > maxBytes) req.destroy(new Error(`answer larger than ${maxBytes} bytes`));
            else chunks.push(c);
          });
          res.on('end', () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers))
              for (const x of ([] as string[]).concat(v ?? [])) headers.append(k, x);
            const status = res.statusCode ?? 0;
            const noBody = status === 204 || status === 304;
            resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, headers }));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`no answer from ${u.host} within ${timeoutMs} ms`)),
      );
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  };
}
