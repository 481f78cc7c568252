/**
 * A minimal SP web application for browser tests: `GET /login` sends a signed AuthnRequest
 * (HTTP-Redirect, built with xml-crypto by test-sp.ts) to the IdP; `POST /acs` hands the Response
 * to `@node-saml/node-saml` (strict settings, InResponseTo checked against the requests it sent)
 * and shows the outcome: the session's attributes, or the error code. The page marks the outcome
 * in `data-outcome` and `data-code`, the SP-side verdict of each browser test.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { SAML } from '@node-saml/node-saml';
import type { RunningIdp } from '../server.ts';
import { benchKeys, certificatePem, privateKeyPem } from '../trust/bench-keys.ts';
import {
  authnRequestXml,
  MapCache,
  nodeSamlSp,
  redirectQuery,
  requestId,
  testSp,
  type TestSp,
} from './test-sp.ts';

export interface BrowserSp {
  readonly sp: TestSp;
  readonly base: string;
  readonly loginUrl: string;
  close(): Promise<void>;
}

function page(outcome: string, code: number, body: string): string {
  return `<!DOCTYPE html><html lang="it"><head><meta charset="utf-8"><title>SP di prova</title></head><body data-outcome="${outcome}" data-code="${code}">${body}</body></html>`;
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Starts the SP on 127.0.0.1 (HTTPS with the bench server certificate) and registers it with `idp`. */
export async function startBrowserSp(idp: RunningIdp, seed = 'browser-sp'): Promise<BrowserSp> {
  const keys = benchKeys();
  const server = https.createServer({
    key: privateKeyPem(keys.tlsServer.key),
    cert: certificatePem(keys.tlsServer.certificate),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sp = testSp({ seed, entityId: `${base}/cie`, acsUrl: `${base}/acs` });
  const reg = idp.registerSp(sp.metadata());
  if (!reg.registered) throw new Error(`browser SP refused: ${JSON.stringify(reg.report)}`);
  const cache = new MapCache();
  const saml: SAML = await nodeSamlSp(sp, idp, [], cache);
  const app = express();
  app.use(express.urlencoded({ extended: false, limit: '512kb' }));
  app.get('/login', async (_req, res) => {
    const xml = authnRequestXml(sp, idp.urls, 'redirect', {}, idp.context.clock.now());
    await cache.saveAsync(requestId(xml) ?? '', new Date().toISOString());
    res.redirect(
      302,
      `${idp.urls.ssoRedirect}?${redirectQuery(sp, xml, { relayState: '/area-riservata' })}`,
    );
  });
  app.post('/acs', async (req, res) => {
    const body = req.body as Record<string, string>;
    try {
      const { profile } = await saml.validatePostResponseAsync({
        SAMLResponse: body['SAMLResponse'] ?? '',
        RelayState: body['RelayState'] ?? '',
      });
      const attrs = ['name', 'familyName', 'fiscalNumber', 'dateOfBirth']
        .map((a) => `<li id="${a}">${esc(String(profile?.[a] ?? ''))}</li>`)
        .join('');
      res
        .type('html')
        .send(
          page(
            'success',
            1,
            `<h1>Accesso effettuato</h1><ul>${attrs}</ul><p id="relay">${esc(body['RelayState'] ?? '')}</p>`,
          ),
        );
    } catch (e) {
      const message = (e as Error).message;
      const code = Number(/ErrorCode nr(\d+)/.exec(message)?.[1] ?? 0);
      res
        .type('html')
        .send(
          page('error', code, `<h1>Accesso non riuscito</h1><p id="errore">${esc(message)}</p>`),
        );
    }
  });
  server.on('request', app);
  return {
    sp,
    base,
    loginUrl: `${base}/login`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
