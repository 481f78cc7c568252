/**
 * The app agent's legacy `Authn/SSL/Login2` over mutual TLS 1.2 with the card's key through
 * libciebench-pkcs11.so: Node's `tls` with Debian's OpenSSL PKCS#11 engine (signature algorithms
 * restricted to PKCS#1 v1.5), and curl with the same engine (which cannot restrict them: it works
 * because the IdP's CertificateRequest offers PKCS#1 v1.5 algorithms).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import { packageFile } from '../../emulator/src/package-root.ts';
import { cardKeyUri, engineEnv } from '../../harness/pkcs11/engine.ts';
import { moduleGate, reportModuleGate, runTool } from '../../harness/pkcs11/testing/gate.ts';
import { inProcessCardRig, type CardRig } from '../../harness/pkcs11/testing/pcsc-rig.ts';
import { startIdp, type RunningIdp } from '../idp/server.ts';
import { HttpClient } from '../idp/testing/http-client.ts';
import { authnRequestXml, redirectQuery, testSp, type TestSp } from '../idp/testing/test-sp.ts';
import { certificatePem } from '../idp/trust/bench-keys.ts';
import { parseHandoff, type Handoff, type Login2Result } from './login2.ts';

const gate = await moduleGate({ tools: ['curl'], engine: true });
reportModuleGate('Login2 through the OpenSSL PKCS#11 engine', gate);

const CHILD = packageFile('scenarios', 'desktop', 'testing', 'login2-child.ts');

describe.skipIf(!gate.ok)('Login2 mutual TLS with the card key through the module', () => {
  let rig: CardRig;
  let idp: RunningIdp;
  let sp: TestSp;
  let client: HttpClient;
  let env: NodeJS.ProcessEnv;
  let certPem: string;
  beforeAll(async () => {
    rig = await inProcessCardRig({ pinMode: 'protected-path' });
    sp = testSp();
    idp = await startIdp({ spMetadata: [sp.metadata()] });
    client = new HttpClient(idp.tlsCaPem, {
      userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile',
    });
    env = {
      ...process.env,
      ...engineEnv(gate.built?.module ?? '', rig.daemon.socketPath),
    };
    certPem = certificatePem(fromHex(rig.image.ias.certificates.holder));
  });
  afterAll(async () => {
    await idp?.close();
    await rig?.close();
  });

  /** The mobile browser's first request: the IdP hands off to the app. */
  async function handoff(): Promise<Handoff> {
    const first = await client.get(
      `${idp.urls.ssoRedirect}?${redirectQuery(sp, authnRequestXml(sp, idp.urls, 'redirect'))}`,
    );
    expect(first.location).toBeDefined();
    return parseHandoff(first.location ?? '');
  }

  it('Node tls + engine: codice:<16 digits>, the continue URL reaches the consent page', async () => {
    const h = await handoff();
    rig.daemon.pins.preset(rig.pin.slice(4));
    const seen = rig.daemon.events.length;
    const options = {
      endpoint: `${idp.urls.mtls}/idp/Authn/SSL/Login2`,
      handoff: h,
      ca: idp.tlsCaPem,
      certificatePem: certPem,
      keyUri: cardKeyUri(rig.image.citizen.nis),
    };
    const run = await new Promise<{ stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', CHILD, JSON.stringify(options)],
        { env, timeout: 120_000 },
        (_e, stdout, stderr) => resolve({ stdout: String(stdout), stderr: String(stderr) }),
      ),
    );
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Login2Result;
    expect(result, run.stderr).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(result.code).toMatch(/^\d{16}$/);
    expect(rig.daemon.events.slice(seen).some((e) => e.type === 'signature')).toBe(true);
    const next = await client.follow(client.get(result.continueUrl));
    expect(next.status).toBe(200);
    expect(next.body).toContain('Acconsento');
  });

  it('curl + engine: the same Login2 answer (no signature-algorithm option, the IdP offers PKCS#1)', async () => {
    const h = await handoff();
    rig.daemon.pins.preset(rig.pin.slice(4));
    writeFileSync(join(rig.dir, 'cert.pem'), certPem);
    writeFileSync(join(rig.dir, 'ca.pem'), idp.tlsCaPem);
    const r = await runTool(
      'curl',
      [
        '-sS',
        '--tlsv1.2',
        '--tls-max',
        '1.2',
        '--cacert',
        join(rig.dir, 'ca.pem'),
        '--engine',
        'pkcs11',
        '--key-type',
        'ENG',
        '--key',
        cardKeyUri(rig.image.citizen.nis),
        '--cert',
        join(rig.dir, 'cert.pem'),
        '--data',
        `${h.name}=${h.value}&authnRequest=${h.authnRequestString}&generaCodice=1`,
        `${idp.urls.mtls}/idp/Authn/SSL/Login2`,
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^codice:\d{16}$/);
  });
});
