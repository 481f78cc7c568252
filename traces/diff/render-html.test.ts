/**
 * The self-contained HTML diff report renders in headless Chromium — the
 * page loads from a file:// URL with no network, and contains one row per diff pair with its
 * class. Skips loudly without /usr/bin/chromium (Debian package `chromium`), fails under
 * CIE_REQUIRE_INTEGRATION=1 (the project's rule for every test needing a system package).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { recordCardSession } from '../record/record-session.ts';
import { createTraceTestCard } from '../testing/test-cards.ts';
import { testFlow } from '../testing/test-flows.ts';
import type { TraceRecord } from '../format/schema.ts';
import { diffTraces } from './diff.ts';
import { renderDiffHtml } from './render-html.ts';
import { CHROMIUM, HEADLESS_CHROMIUM_FLAGS } from '../../harness/browser/chromium.ts';

const present = existsSync(CHROMIUM);
if (!present) {
  const msg = `render-html.test: ${CHROMIUM} is missing (apt-get install chromium); the headless-browser check of the HTML report is SKIPPED`;
  if (process.env['CIE_REQUIRE_INTEGRATION'] === '1')
    throw new Error(`${msg} — not allowed with CIE_REQUIRE_INTEGRATION=1 (set by .ci/run)`);
  console.warn(`\n*** ${msg} ***\n`);
}

const dir = mkdtempSync(join(tmpdir(), 'ciebench-html-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!present)('HTML diff report in headless Chromium', () => {
  it('loads and shows every diff row with its class, the divergence verdict and the rules table', async () => {
    const seed = 'html-seed';
    const a = await recordCardSession(createTraceTestCard(seed), (ch) => testFlow(ch, seed), {
      profile: 'trace-test',
    });
    const b = await recordCardSession(
      createTraceTestCard('other', { readBeyondEof: '9000' }),
      (ch) => testFlow(ch, 'other'),
      { profile: 'trace-test-eof9000' },
    );
    const altered: TraceRecord[] = b.records.filter((x) => x.seq !== 3);
    const report = diffTraces(
      a,
      { header: b.header, records: altered },
      { nameA: 'a.jsonl', nameB: 'b.jsonl' },
    );
    const html = renderDiffHtml(report);
    expect(html).not.toMatch(/<(script|link|img)\b[^>]*(src|href)=/i);
    const file = join(dir, 'report.html');
    writeFileSync(file, html);

    // A fresh profile directory (Playwright passes it as --user-data-dir).
    const browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [...HEADLESS_CHROMIUM_FLAGS],
    });
    try {
      const page = await browser.newPage();
      const external: string[] = [];
      page.on('request', (req) => {
        if (!req.url().startsWith('file:')) external.push(req.url());
      });
      await page.goto(`file://${file}`);
      expect(await page.title()).toBe('ciebench trace diff: a.jsonl vs b.jsonl');
      const rows = await page.$$eval('tr.pair', (trs) =>
        trs.map((tr) => tr.getAttribute('data-class')),
      );
      expect(rows).toEqual(report.pairs.map((p) => p.class));
      expect(rows).toContain('only-in-a');
      expect(rows).toContain('different-sw');
      expect(rows).toContain('same-after-normalisation');
      expect(await page.getAttribute('#verdict', 'data-divergences')).toBe(
        String(report.divergences),
      );
      expect(await page.textContent('#rules')).toContain('sm-wire');
      // Both annotations are in the page (side-by-side cells with the decoded exchange).
      expect(await page.$$eval('tr[data-class="different-sw"] td.side pre', (p) => p.length)).toBe(
        2,
      );
      expect(await page.textContent('tr[data-class="different-sw"]')).toContain('6282 End of file');
      expect(external).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
