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
import type { JourneyStepEvent } from './journeys.ts';
import { startControlServer, type ControlServer } from './server.ts';

const browserOk = browserGate('scenarios/control/dashboard.integration.test.ts');
const dir = mkdtempSync(join(tmpdir(), 'ciebench-dashboard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The journey the dashboard starts: the hybrid login: Chromium on the SP and IdP, the app agent over the NFC endpoint. */
const JOURNEY = 'hybrid-login';
/** One step on a busy 2-core machine: longer is broken, not slow. */
const STEP = 60_000;

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
    await expect
      .poll(() => card.getByTestId('pin').textContent(), { timeout: STEP })
      .toBe('PIN 3/3');
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
      .poll(() => card.getByTestId('reader-state').textContent(), { timeout: STEP })
      .toContain('reader stalled (1)');
    await card.getByTestId('remove').click();
    const failed = page.locator('[data-session="s3"][data-status="failed"]');
    await failed.waitFor({ timeout: 60_000 });
    expect(await failed.textContent()).toContain('CARD_REMOVED');
    expect(await card.getByTestId('reader-state').textContent()).toContain('card removed');
    srv.station.card('c1').setFaults({ delayMs: 0 });
    await card.getByTestId('insert').click();
    await expect
      .poll(() => card.getByTestId('reader-state').textContent(), { timeout: STEP })
      .toContain('card inserted');
  });

  it('Block PIN and Restore tries change the counters shown live', async () => {
    const card = page.getByTestId('card-c1');
    await card.getByTestId('block-pin').click();
    await expect
      .poll(() => card.getByTestId('pin').textContent(), { timeout: STEP })
      .toBe('PIN BLOCKED');
    expect(srv.station.card('c1').state.pin).toMatchObject({ remaining: 0, blocked: true });
    await card.getByTestId('restore-tries').click();
    await expect
      .poll(() => card.getByTestId('pin').textContent(), { timeout: STEP })
      .toBe('PIN 3/3');
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

  const api = (method: string, path: string, body?: unknown, token = srv.token) =>
    fetch(`${srv.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  it('a journey started through the API with actors chosen completes; its report comes with the token only', async () => {
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

  it("a run's steps reach the dashboard live with their screenshot and SAML; its files are listed and served, nothing outside its folder", async () => {
    // r2 ran while the dashboard was open: its steps came over the stream.
    const run = page.locator('[data-run="r2"]');
    await expect
      .poll(() => run.getByTestId('steps').locator('li').count(), { timeout: STEP })
      .toBeGreaterThan(3);
    expect(await run.getByTestId('step-saml').first().textContent()).toContain('AuthnRequest');
    expect(await run.getByTestId('step-screenshot').count()).toBeGreaterThan(0);
    // The phone's screen of the step where the app agent used the card.
    expect(await run.getByTestId('step-app').count()).toBeGreaterThan(0);

    const list = (await (await api('GET', '/api/journeys/runs/r2/artefacts')).json()) as {
      path: string;
      bytes: number;
      type: string;
    }[];
    const paths = list.map((a) => a.path);
    expect(paths).toContain('report.html');
    expect(paths.some((p) => /\/card\.trace\.jsonl$/.test(p))).toBe(true);
    expect(paths.some((p) => /\/saml-01-AuthnRequest\.xml$/.test(p))).toBe(true);
    const jpg = list.find((a) => a.type === 'image/jpeg');
    expect(jpg?.path).toMatch(/\/steps\/01\.jpg$/);
    const shot = await api(
      'GET',
      `/api/journeys/runs/r2/artefact?path=${encodeURIComponent(jpg!.path)}`,
    );
    expect(shot.status).toBe(200);
    expect(shot.headers.get('content-type')).toBe('image/jpeg');
    const bytes = new Uint8Array(await shot.arrayBuffer());
    expect(bytes.length).toBe(jpg!.bytes);
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
    for (const bad of ['../report.html', 'journeys/../../x', '/etc/passwd', 'a//b'])
      expect(
        (await api('GET', `/api/journeys/runs/r2/artefact?path=${encodeURIComponent(bad)}`)).status,
        bad,
      ).toBe(400);
    expect((await api('GET', '/api/journeys/runs/r2/artefact?path=nothing.txt')).status).toBe(404);

    await run.getByTestId('list-artefacts').click();
    await run.getByTestId('artefacts').getByText('report.html', { exact: true }).waitFor();
  });

  it('Cancel on the dashboard drops a queued run; a running one stops before its next step', async () => {
    const journey = { journey: JOURNEY, app: { channel: 'in-process' } };
    // r3 is cancelled as its second step ends: the executor checks before the third.
    const seen: JourneyStepEvent[] = [];
    const off = srv.station.subscribe((e) => {
      if (e.type !== 'journey-step' || e.data.run !== 'r3') return;
      seen.push(e.data);
      if (seen.length === 2) srv.journeys.cancel('r3');
    });
    const r3 = (await (await api('POST', '/api/journeys/runs', journey)).json()) as { id: string };
    const r4 = (await (await api('POST', '/api/journeys/runs', journey)).json()) as { id: string };
    expect([r3.id, r4.id]).toEqual(['r3', 'r4']);
    await page.locator('[data-run="r4"][data-status="queued"]').getByTestId('cancel-run').click();
    await page.locator('[data-run="r4"][data-status="cancelled"]').waitFor({ timeout: STEP });
    await srv.journeys.idle();
    off();
    expect(srv.journeys.run('r3').status).toEqual({ kind: 'cancelled', afterSteps: 2 });
    expect(srv.journeys.run('r4').status).toEqual({ kind: 'cancelled', afterSteps: 0 });
    expect(srv.journeys.run('r4').lines).toEqual([]);
    expect(srv.journeys.run('r3').lines.join('\n')).toContain('cancelled before step 3');
    await page
      .locator('[data-run="r3"][data-status="cancelled"]')
      .filter({ hasText: 'cancelled after 2 steps' })
      .waitFor({ timeout: STEP });
    const again = await api('DELETE', '/api/journeys/runs/r3');
    expect(again.status).toBe(400);
    expect(((await again.json()) as { message: string }).message).toContain('has ended');
  }, 360_000);
});
