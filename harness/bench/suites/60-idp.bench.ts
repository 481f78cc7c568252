/**
 * Identity provider benchmark (scenarios/idp), everything in one process:
 *
 * - complete hybrid logins per second: SP AuthnRequest (signed HTTP-Redirect) → chooser → serial →
 *   QR page (QR rendered) → the app's two calls with the card signing on an emulated CIE through
 *   the reference IAS terminal (DH, device authentication, VERIFY, key-81 signature) → OTP →
 *   consent → signed Response; 30 logins in sequence, target ≥ 2 logins/s;
 * - p95 latency of the SSO endpoint (Redirect binding: inflate, signature over the raw query,
 *   content checks, new transaction, 302) with 50 requests in flight at once, 10 rounds of 50
 *   distinct signed requests over 50 kept-alive connections; target p95 ≤ 250 ms (the same with a new
 *   TLS connection per request is reported beside it, without a target).
 */
import https from 'node:https';
import { HttpClient } from '../../../scenarios/idp/client/https-client.ts';
import { startIdp, type RunningIdp } from '../../../scenarios/idp/server.ts';
import { emulatedCard } from '../../../scenarios/idp/testing/card-signer.ts';
import {
  hybridToConsent,
  l3Post,
  postedResponse,
} from '../../../scenarios/idp/testing/login-driver.ts';
import {
  authnRequestXml,
  redirectQuery,
  testSp,
  type TestSp,
} from '../../../scenarios/idp/testing/test-sp.ts';
import type { BenchMetric, BenchSuite } from '../bench-kit.ts';

const LOGINS = 30;
const CONCURRENCY = 50;
const ROUNDS = 10;

async function hybridLogin(idp: RunningIdp, sp: TestSp): Promise<void> {
  const c = new HttpClient(idp.tlsCaPem);
  const { key } = await hybridToConsent(c, idp, sp, emulatedCard());
  const done = postedResponse(
    await l3Post(c, idp, key, { azione: 'consenso', scelta: 'acconsento' }),
  );
  if (done?.code !== 1)
    throw new Error('benchmark: the hybrid login did not end with a success Response');
}

async function loginRate(idp: RunningIdp, sp: TestSp): Promise<number> {
  await hybridLogin(idp, sp); // warm-up (QR encoder, keys, code paths)
  const start = performance.now();
  for (let i = 0; i < LOGINS; i++) await hybridLogin(idp, sp);
  return (LOGINS * 1000) / (performance.now() - start);
}

async function ssoLatency(
  idp: RunningIdp,
  sp: TestSp,
  keepAlive: boolean,
): Promise<{ p95: number; median: number; n: number }> {
  const samples: number[] = [];
  const agent = keepAlive
    ? new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
    : undefined;
  const c = new HttpClient(idp.tlsCaPem, agent ? { agent } : {});
  for (let round = 0; round <= ROUNDS; round++) {
    const urls = Array.from(
      { length: CONCURRENCY },
      () =>
        `${idp.urls.ssoRedirect}?${redirectQuery(sp, authnRequestXml(sp, idp.urls, 'redirect'))}`,
    );
    const times = await Promise.all(
      urls.map(async (u) => {
        const t = performance.now();
        const r = await c.get(u);
        if (r.status !== 302) throw new Error(`benchmark: SSO answered ${r.status}`);
        return performance.now() - t;
      }),
    );
    if (round > 0) samples.push(...times); // round 0 warms up
  }
  agent?.destroy();
  samples.sort((a, b) => a - b);
  const at = (q: number): number =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
  return { p95: at(0.95), median: at(0.5), n: samples.length };
}

export const suite: BenchSuite = {
  name: 'identity provider (hybrid logins, SSO under load)',
  async run(): Promise<BenchMetric[]> {
    const idp = await startIdp();
    try {
      const sp = testSp();
      if (!idp.registerSp(sp.metadata()).registered) throw new Error('benchmark setup: SP refused');
      const rate = await loginRate(idp, sp);
      const sso = await ssoLatency(idp, sp, true);
      const fresh = await ssoLatency(idp, sp, false);
      return [
        {
          name: 'complete hybrid logins (card + terminal + IdP, one process)',
          value: rate,
          unit: 'login/s',
          target: { op: '>=', value: 2 },
          detail: `${LOGINS} logins in sequence`,
        },
        {
          name: `SSO endpoint p95, ${CONCURRENCY} concurrent requests`,
          value: sso.p95,
          unit: 'ms',
          target: { op: '<=', value: 250 },
          detail: `median ${sso.median.toFixed(1)} ms over ${sso.n} requests, 50 kept-alive connections`,
        },
        {
          name: `SSO endpoint p95, ${CONCURRENCY} concurrent, new TLS connection each`,
          value: fresh.p95,
          unit: 'ms',
          detail: `median ${fresh.median.toFixed(1)} ms; includes a TLS handshake per request`,
        },
      ];
    } finally {
      await idp.close();
    }
  },
};
