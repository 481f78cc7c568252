/**
 * The dashboard in Debian's Chromium (playwright-core), against a control server on port 0: it
 * shows the card, its APDU log grows while an IAS login runs, the Remove button makes that login
 * fail with CARD_REMOVED, filter and pause work; a journey started from the dashboard completes
 * and its report opens. Needs Chromium: skipped loudly without it (a failure under
 * CIE_REQUIRE_INTEGRATION=1).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, HEADLESS_CHROMIUM_FLAGS } from '../../harness/browser/chromium.ts';
import { browserGate } from '../runner/testing/browser-gate.ts';
import { startControlServer, type ControlServer } from './server.ts';

const browserOk = browserGate('scenarios/control/dashboard.integration.test.ts');
const dir = mkdtempSync(join(tmpdir(), 'ciebench-dashboard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The journey the dashboard starts: the hybrid login: Chromium on the SP and IdP, the app agent over the NFC endpoint. */
const JOURNEY = 'hybrid-login';

describe.runIf(browserOk)('dashboard in Chromium', () => {
  let srv: ControlServer;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    srv = await startControlServer({ reportRoot: join(dir, 'reports') });
    srv.station.createCard('default');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...HEADLESS_CHROMIUM_FLAGS],
    });
    page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(srv.dashboardUrl);
    await page.getByTestId('link').filter({ hasText: 'live' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.close();
  });

  it('loads with no request leaving the server, and the token off the address bar and requests', () => {
    expect(requests.length).toBeGreaterThan(0);
    for (const u of requests) expect(new URL(u).origin).toBe(srv.url);
    for (const u of requests) expect(u).not.toContain(srv.token);
    expect(page.url()).not.toContain(srv.token);
  });

  it('shows the card with its PIN and PUK counters', async () => {
    const card = page.getByTestId('card-c1');
    await expect.poll(() => card.getByTestId('pin').textContent()).toBe('PIN 3/3');
    expect(await card.getByTestId('puk').textContent()).toBe('PUK 10/10');
    expect(await card.getByTestId('reader-state').textContent()).toContain('card inserted');
  });

  it('the APDU log grows while an IAS login runs; filter and pause act on it', async () => {
    const log = page.getByTestId('log');
    expect(await log.locator('.entry.exchange').count()).toBe(0);
    await page.getByTestId('card-c1').getByTestId('login').click();
    await page.locator('[data-session="s1"][data-status="passed"]').waitFor({ timeout: 60_000 });
    const n = await log.locator('.entry.exchange').count();
    expect(n).toBeGreaterThan(10);
    const text = (await log.textContent()) ?? '';
    expect(text).toContain('VERIFY');
    expect(text).toContain('2A 2A 2A 2A 2A 2A 2A 2A');
    await page.getByTestId('filter').fill('VERIFY');
    const visible = await log.locator('.entry.exchange:not(.hidden)').count();
    expect(visible).toBeGreaterThan(0);
    expect(visible).toBeLessThan(n);
    await page.getByTestId('filter').fill('');
    // Paused: a second login's exchanges wait; resumed, they show.
    await page.getByTestId('pause').click();
    await page.getByTestId('card-c1').getByTestId('login').click();
    await page.locator('[data-session="s2"][data-status="passed"]').waitFor({ timeout: 60_000 });
    expect(await log.locator('.entry.exchange').count()).toBe(n);
    expect(await page.getByTestId('log-count').textContent()).toMatch(/paused, \d+ waiting/);
    await page.getByTestId('pause').click();
    expect(await log.locator('.entry.exchange').count()).toBeGreaterThan(n);
  });

  it('the Remove button makes the running login fail with CARD_REMOVED', async () => {
    // The reader holds the login's eighth exchange, so it is in flight when the button is pressed.
    srv.station.card('c1').setFaults({ delayMs: 0, stallAfter: 7 });
    const card = page.getByTestId('card-c1');
    await card.getByTestId('login').click();
    await expect
      .poll(() => card.getByTestId('reader-state').textContent())
      .toContain('reader stalled (1)');
    await card.getByTestId('remove').click();
    const failed = page.locator('[data-session="s3"][data-status="failed"]');
    await failed.waitFor({ timeout: 60_000 });
    expect(await failed.textContent()).toContain('CARD_REMOVED');
    expect(await card.getByTestId('reader-state').textContent()).toContain('card removed');
    srv.station.card('c1').setFaults({ delayMs: 0 });
    await card.getByTestId('insert').click();
    await expect
      .poll(() => card.getByTestId('reader-state').textContent())
      .toContain('card inserted');
  });

  it('Block PIN and Restore tries change the counters shown live', async () => {
    const card = page.getByTestId('card-c1');
    await card.getByTestId('block-pin').click();
    await expect.poll(() => card.getByTestId('pin').textContent()).toBe('PIN BLOCKED');
    expect(srv.station.card('c1').state.pin).toMatchObject({ remaining: 0, blocked: true });
    await card.getByTestId('restore-tries').click();
    await expect.poll(() => card.getByTestId('pin').textContent()).toBe('PIN 3/3');
  });

  it(`a journey started from the dashboard (${JOURNEY}) completes and its report opens`, async () => {
    await page.getByTestId(`start-${JOURNEY}`).click();
    const run = page.locator('[data-run="r1"]');
    await page
      .locator('[data-run="r1"][data-status="finished"], [data-run="r1"][data-status="error"]')
      .waitFor({ timeout: 300_000 });
    // The run's line says why when it did not pass.
    const line = await run.textContent();
    expect(await run.getAttribute('data-status'), line ?? '').toBe('finished');
    expect(line).toContain('passed');
    const [report] = await Promise.all([
      page.context().waitForEvent('page'),
      run.getByTestId('open-report').click(),
    ]);
    await report.waitForLoadState();
    expect(await report.textContent('body')).toContain(JOURNEY);
    await report.close();
  }, 360_000);

  it('a journey started through the API with actors chosen completes; its report comes with the token only', async () => {
    const api = (method: string, path: string, body?: unknown, token = srv.token) =>
      fetch(`${srv.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const bad = await api('POST', '/api/journeys/runs', {
      journey: JOURNEY,
      app: { channel: 'bluetooth' },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('app.channel');
    const badCard = await api('POST', '/api/journeys/runs', { journey: JOURNEY, card: 'nokia' });
    expect(badCard.status).toBe(400);
    const started = await api('POST', '/api/journeys/runs', {
      journey: JOURNEY,
      app: { channel: 'in-process' },
    });
    expect(started.status).toBe(202);
    const run = (await started.json()) as { id: string };
    await srv.journeys.idle();
    const info = (await (await api('GET', `/api/journeys/runs/${run.id}`)).json()) as {
      status: { kind: string; verdict: string; variant: { app: string } };
      lines: string[];
    };
    expect(info.status).toMatchObject({ kind: 'finished', verdict: 'passed' });
    expect(info.status.variant.app).toBe('agent:in-process');
    expect(info.lines.length).toBeGreaterThan(0);
    const report = await api('GET', `/api/journeys/runs/${run.id}/report.html`);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toContain('text/html');
    expect(await report.text()).toContain('agent:in-process');
    expect(
      (await api('GET', `/api/journeys/runs/${run.id}/report.html`, undefined, 'x')).status,
    ).toBe(401);
  }, 360_000);
});
