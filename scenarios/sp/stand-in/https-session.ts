/**
 * A minimal HTTPS client with a cookie jar and a trusted CA (Node's fetch cannot
 * take a CA per request), for driving the third-party SPs without a browser.
 */
import { request } from 'node:https';

export interface HttpsAnswer {
  readonly status: number;
  readonly location: string | undefined;
  readonly body: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export class HttpsSession {
  readonly #ca: string;
  readonly #cookies = new Map<string, string>();

  constructor(caPem: string) {
    this.#ca = caPem;
  }

  get(url: string): Promise<HttpsAnswer> {
    return this.#send('GET', url);
  }

  postForm(url: string, fields: Readonly<Record<string, string>>): Promise<HttpsAnswer> {
    return this.#send('POST', url, new URLSearchParams(fields).toString());
  }

  #send(method: string, url: string, body?: string): Promise<HttpsAnswer> {
    const headers: Record<string, string> = {};
    if (this.#cookies.size > 0)
      headers['cookie'] = [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const req = request(url, { method, ca: this.#ca, headers, timeout: 30_000 }, (res) => {
        for (const c of res.headers['set-cookie'] ?? []) {
          const [pair] = c.split(';');
          const eq = pair?.indexOf('=') ?? -1;
          if (pair && eq > 0)
            this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timeout`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}
