/**
 * JUnit XML of a run, the format CI systems read (the de-facto schema of Ant's JUnit task and
 * Jenkins' junit plugin: `testsuites` › `testsuite` › `testcase` with `failure`, `error`,
 * `skipped` and `system-out`). One test case per journey and variant of actors, one per SP
 * response case and SP; the artefacts' paths go into `system-out` so a CI page links to them.
 */
import { countVerdicts, type JourneyResult, type RunResult, type SpCaseResult } from '../results.ts';

export function xmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // XML 1.0 forbids most control characters even escaped.
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

function outcomeElement(verdict: string, reason: string | undefined): string {
  const r = xmlEscape(reason ?? '');
  if (verdict === 'failed') return `<failure message="${r}" type="verdict">${r}</failure>`;
  if (verdict === 'error') return `<error message="${r}" type="environment">${r}</error>`;
  if (verdict === 'skipped') return `<skipped message="${r}"/>`;
  return '';
}

function journeyCase(j: JourneyResult): string {
  const out = [
    `refs: ${j.refs.join(' | ')}`,
    `artefacts: ${j.files.dir}${j.files.trace ? `, APDU trace ${j.files.trace}` : ''}${j.files.har ? `, HAR ${j.files.har}` : ''}${j.files.middlewareEvents ? `, PKCS#11 daemon events ${j.files.middlewareEvents}` : ''}`,
    ...j.steps.map(
      (s) =>
        `${s.verdict === 'passed' ? 'ok' : s.verdict} ${s.index + 1}. ${s.text} (${s.durationMs} ms)${s.artefacts.screenshot ? ` [${s.artefacts.screenshot}]` : ''}${s.error ? ` — ${s.error}` : ''}`,
    ),
    ...j.oracle.map((c) => `${c.ok ? 'ok' : 'FAIL'} end state: ${c.what}: expected ${c.expected}, got ${c.actual}`),
  ].join('\n');
  return (
    `<testcase classname="scenarios.${xmlEscape(j.id)}" name="${xmlEscape(j.name)}" time="${seconds(j.durationMs)}">` +
    outcomeElement(j.verdict, j.reason) +
    `<system-out>${xmlEscape(out)}</system-out></testcase>`
  );
}

function spCase(c: SpCaseResult): string {
  const out = `expected: ${c.expected}\nobserved: ${c.observed}\n${c.detail}${c.screenshot ? `\nscreenshot: ${c.screenshot}` : ''}\nrefs: ${c.refs.join(' | ')}`;
  return (
    `<testcase classname="sp-response.${xmlEscape(c.id)}" name="${xmlEscape(c.name)}" time="${seconds(c.durationMs)}">` +
    outcomeElement(c.verdict, c.reason) +
    `<system-out>${xmlEscape(out)}</system-out></testcase>`
  );
}

function suite(name: string, items: readonly { verdict: JourneyResult['verdict']; durationMs: number }[], body: string): string {
  const c = countVerdicts(items);
  const time = items.reduce((t, i) => t + i.durationMs, 0);
  return `<testsuite name="${name}" tests="${items.length}" failures="${c.failed}" errors="${c.error}" skipped="${c.skipped}" time="${seconds(time)}">${body}</testsuite>`;
}

export function junitXml(r: RunResult): string {
  const cases = r.spCases ?? [];
  const all = [...r.journeys, ...cases];
  const c = countVerdicts(all);
  const suites = [
    r.journeys.length ? suite('journeys', r.journeys, r.journeys.map(journeyCase).join('\n')) : '',
    cases.length ? suite('sp-response-cases', cases, cases.map(spCase).join('\n')) : '',
  ].filter((s) => s.length > 0);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="ciebench scenarios" tests="${all.length}" failures="${c.failed}" errors="${c.error}" skipped="${c.skipped}" time="${seconds(r.durationMs)}">\n` +
    `${suites.join('\n')}\n</testsuites>\n`
  );
}
