/**
 * The three report formats of a real run (ISO suite on the SM test card, with one deliberately
 * wrong ICS claim so the reports contain a failure): JSON shape and counts, JUnit XML structure
 * (failure/error/skipped elements, escaped text, annotated log in system-out), and the HTML page
 * in headless Chromium (loads from file:// with no network, one row per case, filters work).
 * The browser part skips loudly without /usr/bin/chromium and fails under CIE_REQUIRE_INTEGRATION=1.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessChannel } from '../../../harness/channel/in-process-channel.ts';
import { parseIcs } from '../ics.ts';
import type { RunResult } from '../model.ts';
import { runSuite } from '../run-suite.ts';
import { planRun } from '../suite-module.ts';
import { createSmIsoCard } from '../test-cards.ts';
import { ALL_SUITES } from '../../suites/index.ts';
import smIcs from '../../ics/sm-test.ics.json' with { type: 'json' };
import { jsonReport, REPORT_FORMAT } from './json-report.ts';
import { junitReport, xmlEscape } from './junit-report.ts';
import { writeReports } from './write-reports.ts';
import { CHROMIUM, HEADLESS_CHROMIUM_FLAGS } from '../../../harness/browser/chromium.ts';

const present = existsSync(CHROMIUM);
if (!present) {
  const msg = `reports.test: ${CHROMIUM} is missing (apt-get install chromium); the headless-browser check of the HTML report is SKIPPED`;
  if (process.env['CIE_REQUIRE_INTEGRATION'] === '1')
    throw new Error(`${msg} — not allowed with CIE_REQUIRE_INTEGRATION=1 (set by .ci/run)`);
  console.warn(`\n*** ${msg} ***\n`);
}

const dir = mkdtempSync(join(tmpdir(), 'ciebench-conformance-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let run: RunResult;
beforeAll(async () => {
  // The ICS claims 9000 at EOF; the card answers 6282: ISO7816_GEN_84/86/106/158 must fail.
  const ics = parseIcs({ ...smIcs, behaviour: { ...smIcs.behaviour, readBeyondEof: '9000' } }, 'edited sm-test ICS');
  const plan = planRun(ALL_SUITES, ['iso7816'], ics);
  run = await runSuite({
    target: { description: 'in-process: sm-test', channel: new InProcessChannel(createSmIsoCard()), tokens: ['RAW_FRAMES'] },
    ics,
    icsSource: 'edited sm-test ICS',
    suites: ['iso7816'],
    ...plan,
    destructive: false,
  });
});

describe('JSON report', () => {
  it('carries the format, the counts, every case with its log, and the category table', () => {
    const j = JSON.parse(jsonReport(run)) as Record<string, unknown> & { results: { id: string; verdict: string; log: unknown[] }[]; categories: { category: string }[] };
    expect(j['format']).toBe(REPORT_FORMAT);
    expect(j.results).toHaveLength(run.summary.total);
    expect(j.results.filter((r) => r.verdict === 'failed').map((r) => r.id)).toEqual(['ISO7816_GEN_84', 'ISO7816_GEN_86', 'ISO7816_GEN_106', 'ISO7816_GEN_158']);
    expect(j.results.every((r) => r.verdict === 'not-applicable' || r.log.length > 0)).toBe(true);
    expect(j.categories.map((c) => c.category)).toContain('ISO7816_GEN_SM_ERRORS');
  });
});

describe('JUnit XML report', () => {
  it('has one testcase per case, a failure element per failed case and skipped for n/a', () => {
    const x = junitReport(run);
    expect(x.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(x.match(/<testcase /g)).toHaveLength(run.summary.total);
    expect(x.match(/<failure /g)).toHaveLength(run.summary.counts.failed);
    expect(x.match(/<skipped /g)).toHaveLength(run.summary.counts['not-applicable'] + run.summary.counts.skipped);
    expect(x).toMatch(/<testsuites [^>]*tests="\d+" failures="4"/);
    expect(x.match(/<testsuite /g)?.length).toBe(x.match(/<\/testsuite>/g)?.length);
    // The failure explains itself and the log is annotated.
    const gen84 = x.slice(x.indexOf('name="ISO7816_GEN_84 '), x.indexOf('</testcase>', x.indexOf('name="ISO7816_GEN_84 ')));
    expect(gen84).toContain('6282');
    expect(gen84).toContain('READ BINARY');
  });
  it('escapes markup and drops characters XML 1.0 forbids', () => {
    expect(xmlEscape('a<b & "c"\u0001')).toBe('a&lt;b &amp; &quot;c&quot;');
  });
});

describe.skipIf(!present)('HTML report in headless Chromium', () => {
  it('loads with no network, shows every case with its verdict, and the failed filter hides passing rows', async () => {
    const paths = await writeReports(run, join(dir, 'r'));
    const html = readFileSync(paths.html, 'utf8');
    expect(html).not.toMatch(/<(script|link|img)\b[^>]*(src|href)=/i);
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
      await page.goto(`file://${paths.html}`);
      expect(await page.title()).toContain('sm-test');
      const verdicts = await page.$$eval('tr.case', (rows) => rows.map((r) => r.getAttribute('data-verdict')));
      expect(verdicts).toEqual(run.results.map((r) => r.verdict));
      expect(await page.textContent('tr#ISO7816_GEN_84')).toContain('6282');
      await page.uncheck('.filters input[value="passed"]');
      const visible = await page.$$eval('tr.case', (rows) => rows.filter((r) => (r as unknown as { style: { display: string } }).style.display !== 'none').length);
      expect(visible).toBe(run.summary.total - run.summary.counts.passed);
      expect(external).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
