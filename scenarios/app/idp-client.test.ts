/**
 * The app's connection to an IdP that impersonates the real host on a loopback port: the agent
 * resolves the published host itself and connects to the mapped port, while the request still
 * names the published host (`Host` header); an unmapped port is not redirected.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppEventError } from './events.ts';
import { postForm } from './idp-client.ts';

const HOST = 'idp.impersonated.invalid';
let server: Server;
let port = 0;
const seen: { host: string | undefined; path: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ host: req.headers.host, path: req.url });
    res.setHeader('content-type', 'application/json');
    res.end('{"esito":"OK"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('IdP connection: published host and port mapped to a loopback port', () => {
  it('connects to the mapped port and keeps the published Host', async () => {
    const a = await postForm(
      `http://${HOST}:8445/idp/Authn/X509MobileTLS13Second`,
      { x: '1' },
      { resolve: { [HOST]: '127.0.0.1' }, ports: { [`${HOST}:8445`]: port } },
    );
    expect(a.status).toBe(200);
    expect(seen.at(-1)).toEqual({ host: `${HOST}:8445`, path: '/idp/Authn/X509MobileTLS13Second' });
  });

  it('the default port is mapped by its number (80 here, 443 for https)', async () => {
    const a = await postForm(
      `http://${HOST}/idp/x`,
      {},
      { resolve: { [HOST]: '127.0.0.1' }, ports: { [`${HOST}:80`]: port } },
    );
    expect(a.status).toBe(200);
    expect(seen.at(-1)?.host).toBe(HOST);
  });

  it('a port without a mapping is not redirected (no connection on the published one)', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const unused = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const e = await postForm(
      `http://${HOST}:${unused}/idp/x`,
      {},
      { resolve: { [HOST]: '127.0.0.1' }, ports: { [`${HOST}:8445`]: port } },
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppEventError);
    expect((e as AppEventError).event.kind).toBe('NO_INTERNET_CONNECTION');
  });
});
