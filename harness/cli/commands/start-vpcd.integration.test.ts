/**
 * The bench of `ciebench start` with pcscd: its card sits in the virtual PC/SC reader, and a
 * desktop application — `ciebench ias login --reader`, a separate process talking to pcscd, as
 * the CIE middleware does — logs in through that reader while the dashboard (Debian's Chromium)
 * watches and steers the card:
 * - the dashboard shows the card and where it sits; the login's exchanges reach its APDU log,
 *   the VERIFY masked;
 * - with the reader stalled after seven exchanges, the log holds those exchanges while the login
 *   is still running; the dashboard's Remove then makes the login fail with "card removed"
 *   (SCARD_W_REMOVED_CARD in pcscd) and the reader empty;
 * - Insert puts the card back in the reader, and the next login passes;
 * - the dashboard's choice of bench readers takes the card out of the reader and puts it back.
 * Needs pcscd with a virtual reader and Chromium: skipped loudly without them (a failure under
 * CIE_REQUIRE_INTEGRATION=1).
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../emulator/src/package-root.ts';
import { browserGate } from '../../../scenarios/runner/testing/browser-gate.ts';
import { CHROMIUM, HEADLESS_CHROMIUM_FLAGS } from '../../browser/chromium.ts';
import { pcscSystemStatus } from '../../pcsc/pcsc-env.ts';
import { integrationGate, reportGate, waitReader } from '../../pcsc/testing/integration.ts';
import { defaultVpcd } from './card-start.ts';
import { startBench, type RunningBench } from './start-bench.ts';

const FILE = 'harness/cli/commands/start-vpcd.integration.test.ts';
const browserOk = browserGate(FILE);
/** One step on a busy 2-core machine: longer is broken, not slow. */
const STEP = 60_000;

/** The reader `ciebench start` puts the card in (the one `ciebench card start` chooses). */
const chosen = defaultVpcd(await pcscSystemStatus());
const reader = chosen.reader ?? '';
const gate = chosen.reader
  ? await integrationGate({ readers: [reader] })
  : { ok: false, reason: chosen.text, binding: undefined };
reportGate(FILE, gate);

interface LoginRun {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number; output: string }>;
}

/** `ciebench ias login --reader <reader>` in its own process: a desktop application on PC/SC. */
function desktopLogin(): LoginRun {
  let child!: ChildProcess;
  const done = new Promise<{ code: number; output: string }>((resolve) => {
    child = execFile(
      process.execPath,
      ['harness/cli/ciebench.mjs', 'ias', 'login', '--reader', reader],
      { cwd: PACKAGE_ROOT, timeout: 5 * STEP },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : -1) : 0,
          output: `${stdout}\n${stderr}`,
        }),
    );
  });
  return { child, done };
}

describe.runIf(browserOk && gate.ok)(
  `ciebench start: the dashboard and a login through '${reader}'`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'ciebench-start-vpcd-'));
    const lines: string[] = [];
    let bench: RunningBench;
    let browser: Browser;
    let page: Page;
    const binding = gate.binding!;

    beforeAll(async () => {
      bench = await startBench(
        {
          card: 'default',
          port: 0,
          nfc: false,
          pcsc: true,
          reportRoot: join(dir, 'reports'),
          showSecrets: false,
          qrPollMs: 1000,
        },
        (l) => lines.push(l),
      );
      await waitReader(binding, reader, true, STEP);
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [...HEADLESS_CHROMIUM_FLAGS],
      });
      page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
      await page.goto(bench.control.dashboardUrl);
      await page.getByTestId('link').filter({ hasText: 'live' }).waitFor({ timeout: STEP });
    }, 3 * STEP);

    afterAll(async () => {
      await browser?.close();
      await bench?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const card = () => page.getByTestId('card-c1');
    const exchanges = () => page.getByTestId('log').locator('.entry.exchange');

    it('shows the card, in the virtual PC/SC reader', async () => {
      expect(bench.pcscLine).toContain(reader);
      await expect
        .poll(() => card().getByTestId('pin').textContent(), { timeout: STEP })
        .toBe('PIN 3/3');
      expect(await card().getByTestId('places').textContent()).toContain(
        'virtual PC/SC reader (vpcd',
      );
    });

    it(
      "a desktop application's login through the reader passes; its exchanges reach the log, the PIN masked",
      async () => {
        const before = await exchanges().count();
        const run = desktopLogin();
        const r = await run.done;
        expect(r.code, r.output).toBe(0);
        await expect
          .poll(() => exchanges().count(), { timeout: STEP })
          .toBeGreaterThan(before + 10);
        const text = (await page.getByTestId('log').textContent()) ?? '';
        expect(text).toContain('VERIFY');
        expect(text).toContain('2A 2A 2A 2A 2A 2A 2A 2A');
      },
      5 * STEP,
    );

    it(
      'the log grows while the login runs; Remove on the dashboard makes it fail with "card removed"',
      async () => {
        // Set on the dashboard: the reader holds the login's eighth exchange.
        await card().getByTestId('fault-kind').selectOption('stallAfter');
        await card().getByTestId('fault-n').fill('7');
        await card().getByTestId('fault-set').click();
        await expect
          .poll(() => card().getByTestId('reader-state').textContent(), { timeout: STEP })
          .toContain('stall after 7');
        const before = await exchanges().count();
        const run = desktopLogin();
        await expect
          .poll(() => card().getByTestId('reader-state').textContent(), { timeout: STEP })
          .toContain('reader stalled (1)');
        // The login is held at its eighth exchange: what it sent so far is in the log already.
        expect(run.child.exitCode).toBeNull();
        await expect
          .poll(() => exchanges().count(), { timeout: STEP })
          .toBeGreaterThanOrEqual(before + 7);
        await card().getByTestId('remove').click();
        const r = await run.done;
        expect(r.code, r.output).toBe(1);
        // The terminal's verdict: the card was removed (pcscd: no card in the reader).
        expect(r.output).toMatch(/error CARD_REMOVED: .*no card in the reader/);
        await waitReader(binding, reader, false, STEP);
        expect(await card().getByTestId('reader-state').textContent()).toContain('card removed');
      },
      5 * STEP,
    );

    it(
      'Insert puts the card back in the reader; the next login passes',
      async () => {
        await card().getByTestId('fault-clear').click();
        await expect
          .poll(() => card().getByTestId('reader-state').textContent(), { timeout: STEP })
          .not.toContain('stall after');
        await card().getByTestId('insert').click();
        await waitReader(binding, reader, true, STEP);
        const r = await desktopLogin().done;
        expect(r.code, r.output).toBe(0);
        expect(await card().getByTestId('reader-state').textContent()).toContain('card inserted');
      },
      5 * STEP,
    );

    it(
      'the dashboard takes the card out of the bench reader and puts it back',
      async () => {
        await card().getByTestId('placement').selectOption({ label: 'in no bench reader' });
        await waitReader(binding, reader, false, STEP);
        expect(bench.control.station.listReaders()).toEqual([
          { reader: 'vpcd', address: expect.stringMatching(/:\d+$/) },
        ]);
        await card().getByTestId('placement').selectOption({ label: 'in: virtual PC/SC reader' });
        await waitReader(binding, reader, true, STEP);
        const r = await desktopLogin().done;
        expect(r.code, r.output).toBe(0);
      },
      5 * STEP,
    );
  },
);
