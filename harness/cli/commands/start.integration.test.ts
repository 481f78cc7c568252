/**
 * `ciebench start` as a newcomer meets it: the CLI in its own process (ports 0; with the virtual
 * PC/SC reader when this machine's pcscd has one — the README's packages — else `--no-pcsc`), the first URL it prints opened in Debian's Chromium, and the hybrid
 * login done from there by hand — the dashboard's link to the SP, "Entra con CIE", "Prosegui con
 * smartphone", the serial number the dashboard shows, the QR (which the bench's phone scans), the
 * OTP the dashboard shows typed into the page, the consent — until the SP shows the citizen. The
 * dashboard's APDU log has the card's exchanges of that login. Ctrl-C (SIGINT) ends the process
 * with exit code 0. Needs Chromium: skipped loudly without it (a failure under
 * CIE_REQUIRE_INTEGRATION=1).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../emulator/src/package-root.ts';
import { browserGate } from '../../../scenarios/runner/testing/browser-gate.ts';
import { resolveCardSpec } from '../../cards/card-registry.ts';
import { CHROMIUM, HEADLESS_CHROMIUM_FLAGS } from '../../browser/chromium.ts';
import { pcscSystemStatus } from '../../pcsc/pcsc-env.ts';
import { integrationGate } from '../../pcsc/testing/integration.ts';
import { defaultVpcd } from './card-start.ts';

const browserOk = browserGate('harness/cli/commands/start.integration.test.ts');
/** The virtual reader `ciebench start` will use here, when pcscd has one (the README's packages). */
const chosen = defaultVpcd(await pcscSystemStatus()).reader;
const pcscReader = chosen && (await integrationGate({ readers: [chosen] })).ok ? chosen : undefined;
/** A step of a person on a busy 2-core machine: longer is broken, not slow. */
const STEP = 60_000;
const image = resolveCardSpec('default').image;

/** Resolves with standard output once the banner is complete ("Ctrl-C to stop."). */
function banner(child: ChildProcess, out: { text: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      out.text += chunk.toString('utf8');
      if (out.text.includes('Ctrl-C to stop.')) resolve(out.text);
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`ciebench start ended (exit ${code}) before its banner:\n${out.text}`)),
    );
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe.runIf(browserOk)('ciebench start: the hybrid login demo from a click', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ciebench-start-'));
  const out = { text: '' };
  const err: string[] = [];
  let child: ChildProcess;
  let firstUrl: string;
  let browser: Browser;
  let dashboard: Page;

  beforeAll(async () => {
    child = spawn(
      process.execPath,
      [
        'harness/cli/ciebench.mjs',
        'start',
        ...(pcscReader ? [] : ['--no-pcsc']),
        '--port',
        '0',
        '--nfc',
        'ws://127.0.0.1:0',
        '-o',
        join(dir, 'reports'),
      ],
      { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stderr?.on('data', (c: Buffer) => void err.push(c.toString('utf8')));
    const text = await banner(child, out);
    firstUrl = /https?:\/\/\S+/.exec(text)?.[0] ?? '';
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...HEADLESS_CHROMIUM_FLAGS],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the dashboard, token in the fragment, as the first URL, with the services below it', () => {
    expect(firstUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/);
    const lines = out.text.split('\n');
    const open = lines.findIndex((l) => l.includes(firstUrl));
    for (const label of ['SP ', 'IdP ', 'NFC ', 'card '])
      expect(lines.findIndex((l) => l.trimStart().startsWith(label))).toBeGreaterThan(open);
    // With pcscd the card is in its virtual reader (the demo's phone takes it from there).
    expect(out.text).toContain(
      pcscReader ? `PC/SC: PC/SC reader '${pcscReader}'` : 'PC/SC: not used (--no-pcsc)',
    );
    expect(out.text).toMatch(/NFC\s+ws:\/\/127\.0\.0\.1:\d+/);
  });

  it('the login runs from the dashboard link to the SP showing the citizen; the APDU log has its exchanges', async () => {
    expect(image).toBeDefined();
    // The person accepts the browser's warning for the bench TEST TLS CA of the SP and the IdP.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    dashboard = await context.newPage();
    await dashboard.goto(firstUrl, { timeout: STEP });
    await dashboard.getByTestId('demo-panel').waitFor({ timeout: STEP });
    // The phone registered the card at start (before this page was open: the log is live only).
    await dashboard.locator('#phone-events li[data-kind="ready"]').waitFor({ timeout: STEP });
    await expect
      .poll(() => dashboard.getByTestId('card-c1').getByTestId('apps').textContent(), {
        timeout: STEP,
      })
      .toContain('demo phone (CieID app agent)');
    expect(await dashboard.getByTestId('card-c1').getByTestId('certificate').textContent()).toBe(
      'certificate valid',
    );
    const serial = (await dashboard.getByTestId('demo-serial').textContent()) ?? '';
    expect(serial).toBe(image?.citizen.document.number);
    const entries = dashboard.getByTestId('log').locator('.entry.exchange');
    const before = await entries.count();

    const link = dashboard.getByRole('link', {
      name: 'Prova il login: Entra con CIE sul SP di prova',
    });
    const [sp] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await sp.click('#entra-con-cie', { timeout: STEP });
    await sp.getByRole('button', { name: 'Prosegui con smartphone' }).click({ timeout: STEP });
    await sp.fill('#seriale', serial, { timeout: STEP });
    await sp.getByRole('button', { name: 'Prosegui', exact: true }).click({ timeout: STEP });
    await sp.locator('#qr').waitFor({ timeout: STEP });

    // The phone scans, uses the card over the NFC endpoint, and shows the OTP on the dashboard.
    const otpShown = dashboard.getByTestId('demo-otp').filter({ hasText: /^\d{4}$/ });
    await otpShown.waitFor({ timeout: STEP });
    const otp = (await otpShown.textContent()) ?? '';
    expect(out.text).toContain(`phone: OTP ${otp}`);

    await sp.locator('#otp').waitFor({ timeout: STEP });
    await sp.fill('#otp', otp);
    await sp.getByRole('button', { name: 'Prosegui', exact: true }).click({ timeout: STEP });
    await sp.locator('#attributi').waitFor({ timeout: STEP });
    await sp.getByRole('button', { name: 'Acconsento', exact: true }).click({ timeout: STEP });
    await sp.locator('#sp-logged-in').waitFor({ timeout: STEP });
    expect(await sp.locator('#attr-name').textContent()).toBe(image?.citizen.givenName);
    expect(await sp.locator('#attr-fiscalNumber').textContent()).toContain(
      image?.citizen.fiscalCode,
    );

    // The login's card exchanges (after the registration's): VERIFY of the last digits and the
    // signature, on card c1 — the same card the NFC endpoint serves.
    const after = await entries.count();
    expect(after).toBeGreaterThan(before);
    const login: string[] = [];
    for (let i = before; i < after; i++) login.push((await entries.nth(i).textContent()) ?? '');
    const text = login.join('\n');
    expect(text).toContain('[c1]');
    expect(text).toContain('VERIFY');
    expect(text).toContain('INTERNAL AUTHENTICATE');
    expect(text).not.toContain(image?.state.pin.value ?? 'no PIN');
    await context.close();
  });

  it('Ctrl-C stops everything: exit code 0', async () => {
    child.kill('SIGINT');
    expect(await exited(child)).toBe(0);
    expect(err.join('')).toBe('');
  });
});
