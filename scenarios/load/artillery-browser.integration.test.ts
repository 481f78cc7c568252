/**
 * The browser-level load processor in Chromium, called the way Artillery's Playwright engine calls
 * a test function (a fresh context and page per VU, the VU context with `$scenarioFile`, an event
 * emitter), against the reference IdP and SP started here: two VUs log in at once with distinct
 * fleet cards through the runner's hybrid-login steps and report their metrics; a VU whose phone
 * does not trust the IdP's origin fails with the app's key as the first line of its error. The
 * real `artillery run` is the bench's (suites/75-artillery.bench.ts).
 *
 * Needs Debian's Chromium (skipped loudly without it, a failure under CIE_REQUIRE_INTEGRATION=1).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, HEADLESS_CHROMIUM_FLAGS } from '../../harness/browser/chromium.ts';
import { MOBILE_USER_AGENT } from '../runner/browser.ts';
import { browserGate } from '../runner/testing/browser-gate.ts';
import { browserJourneyFunction } from './artillery-browser.ts';
import { startLoadTarget, targetView, type LoadTarget, type TargetView } from './target.ts';

const browserOk = browserGate('scenarios/load/artillery-browser.integration.test.ts');

describe.skipIf(!browserOk)('browser-level load: the runner’s journey in Chromium', () => {
  let target: LoadTarget;
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    target = await startLoadTarget();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...HEADLESS_CHROMIUM_FLAGS],
    });
    dir = mkdtempSync(join(tmpdir(), 'ciebench-artillery-browser-'));
  });
  afterAll(async () => {
    await browser?.close();
    await target?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A scenario file (JSON is YAML) naming its target file; its path. */
  function scenarioFile(
    name: string,
    view: TargetView,
    seed: string,
    journey = 'hybrid-login',
  ): string {
    writeFileSync(join(dir, `${name}.target.json`), JSON.stringify(view));
    const file = join(dir, `${name}.yml`);
    const config = { ciebench: { target: `${name}.target.json`, seed, journey } };
    writeFileSync(file, JSON.stringify({ config }));
    return file;
  }

  /** Runs VUs at once the way the Playwright engine does: a context and a page each. */
  async function vus(file: string, n: number, userAgent?: string) {
    const metrics: [string, string, number][] = [];
    const events = {
      emit: (kind: string, name?: string | number, v?: number) =>
        metrics.push([kind, String(name), v ?? 0]),
    };
    const fn = browserJourneyFunction((f) => JSON.parse(readFileSync(f, 'utf8')) as unknown);
    const results = await Promise.all(
      Array.from({ length: n }, async () => {
        // The engine's context options in examples/hybrid-login-browser.yml.
        const context = await browser.newContext({
          ignoreHTTPSErrors: true,
          locale: 'it-IT',
          ...(userAgent ? { userAgent } : {}),
        });
        const vu = { vars: { $scenarioFile: file } as Record<string, unknown> };
        try {
          const page = await context.newPage();
          const err = await fn(page, vu, events).then(
            () => undefined,
            (e: unknown) => e as Error,
          );
          return { err, card: vu.vars['ciebenchCard'] };
        } finally {
          await context.close();
        }
      }),
    );
    return { results, metrics };
  }

  it('two VUs log in at once with their own cards; metrics per step and login', async () => {
    const { results, metrics } = await vus(scenarioFile('ok', targetView(target), 'ab-it'), 2);
    for (const r of results) expect(r.err?.message).toBeUndefined();
    expect(new Set(results.map((r) => r.card))).toEqual(
      new Set(['fleet:ab-it:0', 'fleet:ab-it:1']),
    );
    const count = (kind: string, name: string) =>
      metrics.filter(([k, n]) => k === kind && n === name).length;
    expect(count('counter', 'ciebench.browser.login.ok')).toBe(2);
    expect(count('counter', 'ciebench.browser.login.failed')).toBe(0);
    expect(count('histogram', 'ciebench.browser.login')).toBe(2);
    for (const step of [
      'sp.login',
      'idp.choose',
      'idp.serial',
      'app.scan-qr',
      'idp.otp',
      'idp.consent',
    ])
      expect(count('histogram', `ciebench.browser.step.${step}`), step).toBe(2);
    // The phones start registered from the fleet: the registration step is not played.
    expect(count('histogram', 'ciebench.browser.step.app.register')).toBe(0);
    expect(count('histogram', 'ciebench.browser.card_tap')).toBe(2);
  });

  it('a failed login fails the VU with its key first', async () => {
    const good = targetView(target);
    const view = { ...good, phoneIdp: { ...good.phoneIdp, origins: ['https://idp.invalid'] } };
    const { results, metrics } = await vus(scenarioFile('bad', view, 'ab-it-bad'), 1);
    const [r] = results;
    expect(r?.err?.message.split('\n')[0]).toBe('app-QR_NOT_RECOGNISED');
    expect(r?.err?.message).toContain('fleet:ab-it-bad:0 at app.scan-qr');
    expect(metrics.filter(([, n]) => n === 'ciebench.browser.login.failed')).toHaveLength(1);
    expect(metrics.filter(([, n]) => n === 'ciebench.browser.login')).toHaveLength(0);
  });

  it('a phone-browser journey runs with a phone’s user agent, and says so without one', async () => {
    const file = scenarioFile('phone', targetView(target), 'ab-it-phone', 'phone-login');
    const ok = await vus(file, 1, MOBILE_USER_AGENT);
    expect(ok.results[0]?.err?.message).toBeUndefined();
    expect(ok.metrics.filter(([, n]) => n === 'ciebench.browser.step.app.login')).toHaveLength(1);
    const desktop = await vus(file, 1);
    expect(desktop.results[0]?.err?.message).toMatch(/phone's browser: set .*userAgent/);
  });
});
