/**
 * One journey definition, three channels, only the command line changed: `ciebench scenario run
 * hybrid-login --app agent:nfc | agent:in-process | agent:pcsc` — the phone reaches the same
 * emulated card over the WebSocket NFC endpoint, in this process, and through pcscd and the bench's
 * virtual reader; each run passes with the same steps, and the card's APDU trace says which
 * transport carried it. Then the HTML report of that journey, opened in Chromium with every request
 * but the file itself refused: every step's screenshot shows, the APDUs and the SAML messages are
 * on the page.
 *
 * The IdP impersonating pre-production (`--idp preprod`): browser and app reach it by the real
 * host name, mapped to its loopback listeners.
 *
 * An external app: the runner serves the card on the NFC endpoint, publishes the QR payload and
 * waits; a separate app (here the bench's own agent playing a team's build, told only what the
 * runner published) registers the card and scans the QR; the journey completes.
 *
 * Needs Debian's Chromium (skipped loudly without it); the PC/SC run needs pcscd with the bench's
 * reader driver (run under `flock /tmp/ciebench-pcscd.lock`). Both fail instead under
 * CIE_REQUIRE_INTEGRATION=1.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../harness/cli/testing/run-cli.ts';
import { integrationGate, reportGate } from '../../harness/pcsc/testing/integration.ts';
import { CIEBENCH_READER, readerName } from '../../harness/transport/endpoints.ts';
import { CHROMIUM, CHROMIUM_FLAGS } from './browser.ts';
import type { RunResult } from './results.ts';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { CieIdAgent } from '../app/agent.ts';
import { NfcCardReader } from '../app/card-reader.ts';
import { readScenarioFile } from './load.ts';
import { runScenarios } from './run.ts';
import { browserGate } from './testing/browser-gate.ts';

const dir = mkdtempSync(join(tmpdir(), 'ciebench-runner-journeys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const browserOk = browserGate('scenarios/runner/journeys.integration.test.ts');
const pcsc = await integrationGate({ readers: [readerName(CIEBENCH_READER)] });
reportGate('scenario runner over PC/SC (journeys.integration.test.ts)', pcsc);

const TRANSPORT = {
  'agent:nfc': 'ws-nfc',
  'agent:in-process': 'in-process',
  'agent:pcsc': 'vpcd',
} as const;

async function runWith(app: keyof typeof TRANSPORT): Promise<RunResult> {
  const report = join(dir, app.replace(':', '-'));
  const r = await runCli(
    'scenario',
    'run',
    'hybrid-login',
    '--app',
    app,
    '--report',
    report,
    '--quiet',
  );
  expect(r.exitCode, r.stdout).toBe(0);
  expect(r.stdout).toContain(`JUnit report: ${join(report, 'junit.xml')}`);
  return JSON.parse(readFileSync(join(report, 'report.json'), 'utf8')) as RunResult;
}

function checkRun(run: RunResult, app: keyof typeof TRANSPORT, reportDir: string): void {
  const [j] = run.journeys;
  expect(run.journeys.length).toBe(1);
  expect(j?.verdict, j?.reason).toBe('passed');
  expect(j?.variant.app).toBe(app);
  expect(j?.steps.map((s) => s.do)).toEqual([
    'app.register',
    'sp.login',
    'idp.choose',
    'idp.serial',
    'app.scan-qr',
    'idp.otp',
    'idp.consent',
  ]);
  expect(j?.oracle.every((c) => c.ok)).toBe(true);
  const trace = readFileSync(join(reportDir, j?.files.trace ?? ''), 'utf8').split('\n');
  expect(JSON.parse(trace[0] ?? '{}')).toMatchObject({
    transport: TRANSPORT[app],
    secrets: 'masked',
  });
  // The card step of the login (the QR step) sent APDUs, and its VERIFY carries no PIN digit.
  const scan = j?.steps.find((s) => s.do === 'app.scan-qr');
  expect((scan?.artefacts.apdus?.to ?? 0) - (scan?.artefacts.apdus?.from ?? 0)).toBeGreaterThan(20);
}

describe.skipIf(!browserOk)(
  'the same journey over three channels, only the command line changed',
  () => {
    it(
      '--app agent:nfc (the WebSocket NFC endpoint, as a phone)',
      { timeout: 240_000 },
      async () => {
        checkRun(await runWith('agent:nfc'), 'agent:nfc', join(dir, 'agent-nfc'));
      },
    );

    it('--app agent:in-process', { timeout: 240_000 }, async () => {
      checkRun(
        await runWith('agent:in-process'),
        'agent:in-process',
        join(dir, 'agent-in-process'),
      );
    });

    it.skipIf(!pcsc.ok)(
      '--app agent:pcsc (pcscd and the bench’s virtual reader)',
      { timeout: 240_000 },
      async () => {
        checkRun(await runWith('agent:pcsc'), 'agent:pcsc', join(dir, 'agent-pcsc'));
      },
    );

    it(
      '--idp preprod: the IdP impersonates pre-production, browser and app reach it by the real host name',
      { timeout: 240_000 },
      async () => {
        const report = join(dir, 'preprod');
        const r = await runCli(
          'scenario',
          'run',
          'hybrid-login',
          'phone-login',
          '--idp',
          'preprod',
          '--report',
          report,
          '--quiet',
        );
        expect(r.exitCode, r.stdout).toBe(0);
        const run = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8')) as RunResult;
        expect(run.journeys.map((j) => [j.id, j.variant.idp, j.verdict])).toEqual([
          ['hybrid-login', 'reference:preprod', 'passed'],
          ['phone-login', 'reference:preprod', 'passed'],
        ]);
        // The SAML the SP got names the real pre-production IdP.
        const saml = run.journeys[0]?.saml.find((m) => m.kind === 'Response');
        expect(saml?.xml).toContain('https://preproduzione.idserver.servizicie.interno.gov.it/');
      },
    );

    it(
      'the HTML report opens offline in Chromium: every step’s screenshot, the APDUs, the SAML messages',
      { timeout: 120_000 },
      async () => {
        const file = join(dir, 'agent-nfc', 'report.html');
        const browser = await chromium.launch({
          executablePath: CHROMIUM,
          headless: true,
          args: [...CHROMIUM_FLAGS, '--headless'],
        });
        try {
          const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
          const outside: string[] = [];
          await page.route('**/*', (route) => {
            if (route.request().url().startsWith('file://')) return route.continue();
            outside.push(route.request().url());
            return route.abort();
          });
          await page.goto(`file://${file}`);
          const steps = page.locator('section.journey .step');
          expect(await steps.count()).toBe(7);
          const shots = page.locator('section.journey img.screenshot');
          // A step without its screenshot says why in its notes: shown when this fails.
          const run = JSON.parse(
            readFileSync(join(dir, 'agent-nfc', 'report.json'), 'utf8'),
          ) as RunResult;
          const missing = run.journeys.flatMap((jr) =>
            jr.steps.filter((st) => !st.artefacts.screenshot).map((st) => st.notes.join('; ')),
          );
          expect(await shots.count(), missing.join('\n')).toBe(7);
          const widths = await shots.evaluateAll((els) =>
            els.map((e) => (e as unknown as { naturalWidth: number }).naturalWidth),
          );
          expect(widths.every((w) => w > 0)).toBe(true);
          for (let i = 0; i < 7; i++) await expect(shots.nth(i).isVisible()).resolves.toBe(true);
          // APDUs beside the phone's steps (registration and the QR login), annotated, PIN masked.
          const apdus = page.locator('pre.apdus');
          expect(await apdus.count()).toBe(2);
          await expect(apdus.nth(1).isVisible()).resolves.toBe(true);
          const loginApdus = (await apdus.nth(1).textContent()) ?? '';
          expect(loginApdus).toContain('VERIFY');
          expect(loginApdus).toContain('INTERNAL AUTHENTICATE');
          // The SAML messages of their moments: the AuthnRequest at "Entra con CIE", the Response at consent.
          const saml = page.locator('pre.saml');
          expect(await saml.count()).toBe(2);
          await expect(saml.first().isVisible()).resolves.toBe(true);
          expect(await saml.first().textContent()).toContain('AuthnRequest');
          expect(await saml.nth(1).textContent()).toContain(
            'urn:oasis:names:tc:SAML:2.0:status:Success',
          );
          expect(await page.locator('.phone').first().textContent()).toContain('Carta registrata');
          expect(outside).toEqual([]);
          await page.screenshot({ path: join(dir, 'report-view.png'), fullPage: false });
        } finally {
          await browser.close();
        }
      },
    );

    it(
      '--app external: the runner serves the card and waits; another app scans the QR and signs',
      { timeout: 240_000 },
      async () => {
        const file = join(dir, 'external-qr.json');
        writeFileSync(
          file,
          JSON.stringify({
            id: 'external-qr',
            title: 'a hybrid login by an external app',
            refs: ['the team app contract'],
            steps: [
              { use: 'hybrid-to-qr' },
              { do: 'app.scan-qr', expect: { ok: true } },
              { do: 'idp.otp', expect: { page: 'consenso' } },
              { do: 'idp.consent', choice: 'accept', expect: { page: 'sp-session' } },
            ],
            oracle: { sp: { session: true }, saml: 1 },
          }),
        );
        const report = join(dir, 'external');
        const running = runScenarios([readScenarioFile(file)], {
          reportDir: report,
          headed: false,
          showSecrets: false,
          overrides: { app: { kind: 'external' } },
          external: {},
        });
        // The "team's app": it knows only what the runner published.
        let published: string | undefined;
        for (let i = 0; i < 600 && !published; i++) {
          const journeys = join(report, 'journeys');
          const d = existsSync(journeys) ? readdirSync(journeys)[0] : undefined;
          const f = d ? join(journeys, d, 'external-app.json') : undefined;
          if (f && existsSync(f)) published = f;
          else await new Promise((r) => setTimeout(r, 100));
        }
        const info = JSON.parse(readFileSync(published ?? '', 'utf8')) as {
          qr: string;
          nfc: string;
          idpCaPem: string;
        };
        const image = defaultCardImage();
        const app = new CieIdAgent({
          profileDir: join(dir, 'team-app'),
          reader: new NfcCardReader(info.nfc),
          trust: {
            csca: [fromHex(image.ias.certificates.csca)],
            holderCa: [fromHex(image.ias.certificates.holderCa)],
          },
          idp: { origins: [new URL(info.qr).origin], connection: { ca: info.idpCaPem } },
        });
        try {
          const reg = await app.register({
            serial: image.citizen.document.number,
            pin: image.state.pin.value,
          });
          expect(reg.ok).toBe(true);
          const login = await app.loginQr({
            qr: info.qr,
            lastFour: image.state.pin.value.slice(4),
          });
          expect(login.ok).toBe(true);
        } finally {
          await app.close();
        }
        const run = await running;
        expect(run.journeys[0]?.verdict, run.journeys[0]?.reason).toBe('passed');
        expect(run.journeys[0]?.variant.app).toBe('external');
      },
    );
  },
);
