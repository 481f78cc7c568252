/**
 * Hostile HTTP input never crashes the IdP nor reaches its internal-error page: random query strings
 * and bodies on the SAML endpoints get a courtesy page (4xx), random form fields on the app
 * endpoints a 4xx JSON error, and the control API refuses calls without its token. Property runs
 * use the suite's fixed fast-check seed.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdp, type RunningIdp } from './server.ts';
import { HttpClient } from './client/https-client.ts';
import { testSp } from './testing/test-sp.ts';

let idp: RunningIdp;
let c: HttpClient;

beforeAll(async () => {
  idp = await startIdp();
  idp.registerSp(testSp().metadata());
  c = new HttpClient(idp.tlsCaPem);
});
afterAll(async () => idp?.close());

const RUNS = { numRuns: 60 };

describe('hostile input', () => {
  it('random query strings on the Redirect SSO endpoint → 4xx page, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (q) => {
        const r = await c.get(`${idp.urls.ssoRedirect}?${encodeURI(q)}`);
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
      }),
      RUNS,
    );
  });
  it('random SAMLRequest bytes (base64) on the POST SSO endpoint → 403 page', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (b) => {
        const r = await c.postForm(idp.urls.ssoPost, {
          SAMLRequest: Buffer.from(b).toString('base64'),
        });
        expect([403]).toContain(r.status);
      }),
      RUNS,
    );
  });
  it('random form fields on the app endpoints → 4xx JSON with esito KO', async () => {
    const urls = ['/idp/Authn/SSL/X509AuthIbridoTLS13', '/idp/Authn/X509TLS13First'].map(
      (p) => `${idp.urls.base}${p}`,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...urls),
        fc.dictionary(
          fc.constantFrom('opId', 'userId', 'cert', 'challenge', 'authnRequest', 'x'),
          fc.string({ maxLength: 200 }),
        ),
        async (url, fields) => {
          const r = await c.postForm(url, fields);
          expect(r.status).toBeGreaterThanOrEqual(400);
          expect(r.status).toBeLessThan(500);
          expect(JSON.parse(r.body)).toMatchObject({ esito: 'KO' });
        },
      ),
      RUNS,
    );
  });
  it('oversized and malformed bodies are refused cleanly', async () => {
    const big = await c.request('POST', idp.urls.ssoPost, `SAMLRequest=${'A'.repeat(600_000)}`);
    expect(big.status).toBe(413);
    const json = await c.request(
      'POST',
      `${idp.urls.base}/idp/Authn/X509TLS13First`,
      '{"cert":1}',
      'application/json',
    );
    expect(json.status).toBe(400);
    const dup = await c.request('POST', idp.urls.ssoPost, 'SAMLRequest=a&SAMLRequest=b');
    expect(dup.status).toBe(403);
  });
  it('the control API needs its token', async () => {
    const r = await c.request(
      'POST',
      `${idp.urls.base}/ciebench/control/inject`,
      '{"code":21}',
      'application/json',
    );
    expect(r.status).toBe(401);
    const ok = await c.requestWithHeaders(
      'POST',
      `${idp.urls.base}/ciebench/control/inject`,
      '{"code":21}',
      'application/json',
      {
        Authorization: `Bearer ${idp.controlToken}`,
      },
    );
    expect(ok.status).toBe(201);
    const bad = await c.requestWithHeaders(
      'POST',
      `${idp.urls.base}/ciebench/control/inject`,
      '{"code":19}',
      'application/json',
      {
        Authorization: `Bearer ${idp.controlToken}`,
      },
    );
    expect(bad.status).toBe(400);
  });
});
