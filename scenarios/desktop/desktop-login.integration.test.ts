/**
 * The desktop login in a real browser: headless Debian Chromium, its own NSS database with
 * libciebench-pkcs11.so registered by `modutil`, the AutoSelectCertificateForUrls policy, the bench
 * daemon and a card in a reader. SP → IdP "Prosegui con computer" → TLS 1.2 client authentication
 * whose CertificateVerify the card signs through the module → consent → the SP's session with the
 * card's attributes (verified by node-saml).
 */
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { MiddlewareEvent } from '../../harness/pkcs11/daemon/events.ts';
import type { PinRequest } from '../../harness/pkcs11/daemon/pin-entry.ts';
import { createNssProfile, registerModule, trustCa } from '../../harness/pkcs11/browser/nss.ts';
import { moduleGate, reportModuleGate } from '../../harness/pkcs11/testing/gate.ts';
import {
  inProcessCardRig,
  pcscCardRig,
  type CardRig,
} from '../../harness/pkcs11/testing/pcsc-rig.ts';
import { integrationGate } from '../../harness/pcsc/testing/integration.ts';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import { revoke } from '../../emulator/src/state/pki-revocations.ts';
import { startIdp, type RunningIdp } from '../idp/server.ts';
import { benchKeys, certificatePem, privateKeyPem } from '../idp/trust/bench-keys.ts';
import { testSp } from '../idp/testing/test-sp.ts';
import {
  browserGate,
  ensureClientCertPolicy,
  launchCardBrowser,
  startDesktopSp,
  type DesktopSp,
} from './testing/desktop-rig.ts';

const gate = await moduleGate({ tools: ['certutil', 'modutil'] });
const browserReady = gate.ok ? await browserGate() : gate;
reportModuleGate('desktop login in Chromium', browserReady);

/** Over pcscd too when it lists the bench's virtual reader (CI: always). */
const pcsc = browserReady.ok
  ? await integrationGate({ readers: ['CIE Bench Virtual Reader 00 00'] })
  : { ok: false, reason: browserReady.reason, binding: undefined };
reportModuleGate('desktop login in Chromium over pcscd', pcsc);

journey('in-process reader', browserReady.ok, () => inProcessCardRig({ pinMode: 'self-login' }));
journey('pcscd and the CIE Bench Virtual Reader', pcsc.ok, () =>
  pcscCardRig({ binding: pcsc.binding!, built: gate.built!, pinMode: 'self-login' }),
);

function journey(where: string, ok: boolean, startCardRig: () => Promise<CardRig>): void {
  describe.skipIf(!ok)(`desktop login in headless Chromium through the module, ${where}`, () => {
    const module = gate.built?.module ?? '';
    let rig: CardRig;
    let idp: RunningIdp;
    let sp: DesktopSp;
    let nssHome: string;
    let env: NodeJS.ProcessEnv;
    let restorePolicy: () => void;
    /** The CRLs the IdP reads on every check (the revoked-card case publishes one). */
    let crls: readonly Uint8Array[] = [];

    beforeAll(async () => {
      restorePolicy = ensureClientCertPolicy();
      rig = await startCardRig();
      sp = await startDesktopSp((spec) => testSp(spec));
      idp = await startIdp({ spMetadata: [sp.sp.metadata()], crls: () => crls });
      sp.useIdp(idp);
      env = { ...process.env, CIEBENCH_PKCS11_SOCKET: rig.daemon.socketPath };
      const nss = await createNssProfile(join(rig.dir, 'browser-home'));
      await registerModule(nss, module, env);
      await trustCa(nss, 'CIE Bench IdP TLS CA', idp.tlsCaPem);
      nssHome = nss.home;
    }, 120_000);
    afterAll(async () => {
      await idp?.close();
      await sp?.close();
      await rig?.close();
      restorePolicy?.();
    });

    /**
     * From the SP to the IdP's "Accedi" link of the desktop path, in a browser of its own: one
     * browser would resume its TLS session with the desktop host (no CertificateVerify, so no card
     * signature) and keep its client-certificate decision per host.
     */
    async function toAccedi(): Promise<{ ctx: Browser; page: Page }> {
      const ctx = await launchCardBrowser(nssHome, env);
      const page = await ctx.newPage();
      await page.goto(sp.loginUrl);
      await page.click('text=Prosegui con computer');
      await page.waitForSelector('#accedi');
      return { ctx, page };
    }

    async function consentToSession(page: Page): Promise<Record<string, unknown>> {
      await page.click('text=Acconsento');
      await page.waitForSelector('#session', { timeout: 60_000 });
      return JSON.parse((await page.textContent('#attributes')) ?? '{}') as Record<string, unknown>;
    }

    const holder = (): Uint8Array => fromHex(rig.image.ias.certificates.holder);
    const eventsFrom = (n: number): readonly MiddlewareEvent[] => rig.daemon.events.slice(n);

    it('SP → Prosegui con computer → TLS client auth signed by the card → consent → SP session', async () => {
      const seen = rig.daemon.events.length;
      rig.daemon.pins.preset(rig.pin.slice(4));
      const { ctx, page } = await toAccedi();
      await page.click('#accedi');
      const attrs = await consentToSession(page);
      expect(attrs['fiscalNumber']).toBe(`TINIT-${rig.image.citizen.fiscalCode}`);
      // The CertificateVerify was signed by the card, through the module and the daemon.
      expect(eventsFrom(seen).filter((e) => e.type === 'signature').length).toBeGreaterThan(0);
      expect(
        idp.context.events.some(
          (e) => e.kind === 'desktop' && e.detail.includes(rig.image.citizen.fiscalCode),
        ),
      ).toBe(true);
      expect(rig.triesInImage()).toBe(3);
      await ctx.close();
    });

    /** The next PIN request of the daemon's PIN-entry channel that matches. */
    function nextPinRequest(match: (r: PinRequest) => boolean = () => true): Promise<PinRequest> {
      return new Promise((resolve) => {
        const on = (r: PinRequest): void => {
          if (!match(r)) return;
          rig.daemon.pins.off('request', on);
          resolve(r);
        };
        rig.daemon.pins.on('request', on);
      });
    }

    it('wrong last 4 digits once: "2 tentativi rimasti" asked again, 2 on the card image; the right digits log in', async () => {
      const seen = rig.daemon.events.length;
      const wrong = rig.pin.slice(4) === '0000' ? '1111' : '0000';
      rig.daemon.pins.preset(wrong);
      const again = nextPinRequest((r) => r.triesLeft !== undefined);
      const { ctx, page } = await toAccedi();
      const clicked = page.click('#accedi');
      // The handshake waits on the second request while the person reads the tries left.
      const second = await again;
      expect(second.triesLeft).toBe(2);
      expect(second.prompt).toMatch(/PIN errato: 2 tentativi rimasti/);
      expect(eventsFrom(seen).find((e) => e.type === 'pin-wrong')).toMatchObject({ triesLeft: 2 });
      expect(rig.triesInImage()).toBe(2);
      expect(rig.daemon.pins.answer(second.id, rig.pin.slice(4))).toBe(true);
      await clicked;
      const attrs = await consentToSession(page);
      expect(attrs['fiscalNumber']).toBe(`TINIT-${rig.image.citizen.fiscalCode}`);
      expect(rig.triesInImage()).toBe(3);
      await ctx.close();
    });

    it('card removed mid-login (while the PIN is asked): no session, the browser and daemon survive; reinserted, a new login works', async () => {
      const seen = rig.daemon.events.length;
      const asked = nextPinRequest();
      const { ctx, page } = await toAccedi();
      const clicked = page.click('#accedi');
      const request = await asked;
      await rig.removeCard();
      rig.daemon.pins.answer(request.id, rig.pin.slice(4));
      await clicked;
      // Chromium's own error page: the module's C_Sign failed (the token is gone).
      expect(await page.evaluate(() => document.body.innerText)).toContain(
        'ERR_SSL_CLIENT_AUTH_SIGNATURE_FAILED',
      );
      expect(await page.$('#session')).toBeNull();
      expect(eventsFrom(seen).some((e) => e.type === 'signature')).toBe(false);
      await ctx.close();
      await rig.reinsert();
      rig.daemon.pins.preset(rig.pin.slice(4));
      const retry = await toAccedi();
      await retry.page.click('#accedi');
      const attrs = await consentToSession(retry.page);
      expect(attrs['fiscalNumber']).toBe(`TINIT-${rig.image.citizen.fiscalCode}`);
      await retry.ctx.close();
    });

    /** The SAMLResponse the browser posts to the SP's ACS after `act`, decoded. */
    async function postedToAcs(page: Page, act: () => Promise<unknown>): Promise<string> {
      const posted = page.waitForRequest((r) => r.method() === 'POST' && r.url() === sp.acsUrl, {
        timeout: 60_000,
      });
      await act();
      const body = new URLSearchParams((await posted).postData() ?? '');
      return Buffer.from(body.get('SAMLResponse') ?? '', 'base64').toString('utf8');
    }

    it("revoked card certificate (in the IdP's CRL): the handshake works, the IdP answers SAML 23 to the SP", async () => {
      const serial = Buffer.from(new X509Certificate(holder()).serialNumber, 'hex');
      crls = [
        revoke(join(rig.dir, 'pki'), rig.image.pkiSeed, serial, {
          now: new Date(),
          label: 'desktop-login test',
        }),
      ];
      try {
        rig.daemon.pins.preset(rig.pin.slice(4));
        const { ctx, page } = await toAccedi();
        const xml = await postedToAcs(page, () => page.click('#accedi'));
        expect(xml).toContain('ErrorCode nr23');
        expect(xml).not.toContain('<saml:Assertion');
        expect(
          idp.context.events.some((e) => e.kind === 'response' && e.detail.startsWith('23 ')),
        ).toBe(true);
        await ctx.close();
      } finally {
        crls = [];
      }
    });

    it('expired card certificate (IdP clock past its notAfter): SAML 23 to the SP', async () => {
      const notAfter = new Date(new X509Certificate(holder()).validTo).getTime();
      const shift = notAfter + 86_400_000 - Date.now();
      // The clock jumps once the AuthnRequest was accepted (its IssueInstant is checked on now).
      let offset = 0;
      const late = await startIdp({
        spMetadata: [sp.sp.metadata()],
        clock: { now: () => new Date(Date.now() + offset) },
        timers: { loginBudgetMs: shift + 3_600_000 },
      });
      sp.useIdp(late);
      try {
        rig.daemon.pins.preset(rig.pin.slice(4));
        const { ctx, page } = await toAccedi();
        offset = shift;
        const xml = await postedToAcs(page, () => page.click('#accedi'));
        expect(xml).toContain('ErrorCode nr23');
        expect(
          late.context.events.some((e) => e.kind === 'response' && e.detail.startsWith('23 ')),
        ).toBe(true);
        await ctx.close();
      } finally {
        sp.useIdp(idp);
        await late.close();
      }
    });

    it('a client-auth endpoint that offers only TLS 1.3: ERR_SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS (a PKCS#1-only token)', async () => {
      const keys = benchKeys();
      const server = https.createServer(
        {
          key: privateKeyPem(keys.tlsServer.key),
          cert: certificatePem(keys.tlsServer.certificate),
          minVersion: 'TLSv1.3',
          maxVersion: 'TLSv1.3',
          requestCert: true,
          rejectUnauthorized: false,
        },
        (_req, res) => res.end('<p id="reached">no client certificate needed</p>'),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const seen = rig.daemon.events.length;
      const browser = await launchCardBrowser(nssHome, env);
      try {
        const page = await browser.newPage();
        const port = (server.address() as AddressInfo).port;
        const failure = await page.goto(`https://127.0.0.1:${port}/`).then(
          () => 'loaded',
          (e: Error) => e.message,
        );
        expect(failure).toContain('net::ERR_SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS');
        expect(eventsFrom(seen).some((e) => e.type === 'signature')).toBe(false);
      } finally {
        await browser.close();
        server.close();
      }
    });
  });
}
