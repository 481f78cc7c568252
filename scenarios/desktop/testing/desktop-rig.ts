/**
 * Pieces of the desktop-login browser tests: a minimal HTTPS SP (the test SP's AuthnRequest over
 * the Redirect binding, its ACS checked by node-saml), Chromium's client-certificate policy, and
 * headless Debian Chromium started with HOME at a private NSS database that holds the module.
 */
import { existsSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Browser } from 'playwright-core';
import {
  clientCertPolicyStatus,
  ensureClientCertPolicy,
} from '../../../harness/pkcs11/browser/chromium-policy.ts';
import type { RunningIdp } from '../../idp/server.ts';
import {
  authnRequestXml,
  nodeSamlSp,
  redirectQuery,
  requestId,
  type TestSp,
} from '../../idp/testing/test-sp.ts';
import { benchKeys, certificatePem, privateKeyPem } from '../../idp/trust/bench-keys.ts';

import { CHROMIUM, HEADLESS_CHROMIUM_FLAGS } from '../../../harness/browser/chromium.ts';

export { CHROMIUM };
/** The flags of the browsers started here (headless). */
export const CHROMIUM_FLAGS = HEADLESS_CHROMIUM_FLAGS;

/** Chromium present, playwright-core loadable, and the policy installed or installable (root). */
export async function browserGate(): Promise<{ ok: boolean; reason: string }> {
  if (!existsSync(CHROMIUM))
    return { ok: false, reason: `${CHROMIUM} is not installed (apt-get install chromium)` };
  try {
    await import('playwright-core');
  } catch {
    return { ok: false, reason: 'playwright-core (a development dependency) is not installed' };
  }
  return clientCertPolicyStatus();
}

export { ensureClientCertPolicy };

/** Headless Chromium whose NSS database is `home/.pki/nssdb`; `env` reaches the module. */
export async function launchCardBrowser(home: string, env: NodeJS.ProcessEnv): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_FLAGS],
    env: { ...env, HOME: home },
    timeout: 60_000,
  });
}

export interface DesktopSp {
  readonly sp: TestSp;
  readonly loginUrl: string;
  readonly acsUrl: string;
  useIdp(idp: RunningIdp): void;
  close(): Promise<void>;
}

/**
 * The SP on loopback (the IdP's TLS server certificate covers 127.0.0.1): `/login` sends a signed
 * AuthnRequest over the Redirect binding, `/acs` validates the Response with node-saml and shows
 * the session with the attributes as JSON (`#session`, `#attributes`) or the error (`#error`).
 */
export async function startDesktopSp(
  makeSp: (spec: { entityId: string; acsUrl: string }) => TestSp,
): Promise<DesktopSp> {
  const keys = benchKeys();
  const app = express();
  const server = https.createServer(
    {
      key: privateKeyPem(keys.tlsServer.key),
      cert: certificatePem(keys.tlsServer.certificate),
    },
    app,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sp = makeSp({ entityId: `${base}/sp`, acsUrl: `${base}/acs` });
  const ids: string[] = [];
  let idp: RunningIdp | undefined;
  app.get('/login', (_req, res) => {
    if (!idp) return void res.status(503).send('no IdP');
    const xml = authnRequestXml(sp, idp.urls, 'redirect');
    const id = requestId(xml);
    if (id) ids.push(id);
    res.redirect(`${idp.urls.ssoRedirect}?${redirectQuery(sp, xml, { relayState: 'desktop' })}`);
  });
  app.post('/acs', express.urlencoded({ extended: false }), async (req, res) => {
    try {
      if (!idp) throw new Error('no IdP');
      const saml = await nodeSamlSp(sp, idp, ids);
      const r = await saml.validatePostResponseAsync(req.body as Record<string, string>);
      const attributes = JSON.stringify(r.profile?.['attributes'] ?? {});
      res
        .type('html')
        .send(
          `<!doctype html><title>Sessione</title><h1 id="session">Sessione</h1><pre id="attributes">${attributes.replace(/</g, '\\u003c')}</pre>`,
        );
    } catch (e) {
      res
        .status(400)
        .type('html')
        .send(
          `<!doctype html><title>Errore</title><pre id="error">${String((e as Error).message).replace(/</g, '&lt;')}</pre>`,
        );
    }
  });
  return {
    sp,
    loginUrl: `${base}/login`,
    acsUrl: sp.acsUrl,
    useIdp: (i) => {
      idp = i;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
