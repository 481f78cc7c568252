/**
 * JUnit XML (the dialect Jenkins, GitLab and GitHub test reporters read): one `<testsuite>` per
 * suite category, one `<testcase>` per case. failed → `<failure>`, inconclusive → `<error>`,
 * not-applicable and skipped → `<skipped>` with the reason. The annotated APDU log goes to
 * `<system-out>` so CI shows the exchange next to the failure.
 */
import type { CaseResult, RunResult } from '../model.ts';
import { annotateLog } from './annotate-log.ts';
import { byCategory } from './summary.ts';

export function xmlEscape(s: string): string {
  // XML 1.0 forbids most control characters even when escaped.
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function details(r: CaseResult): string {
  const refs = r.refs.map((x) => `${x.doc} ${x.clause}`).join('; ');
  const steps = r.steps.map((s) => `step ${s.index} ${s.passed ? 'ok ' : 'FAIL'} ${s.title}\n    expected: ${s.expected}\n    observed: ${s.observed}${s.message ? `\n    ${s.message}` : ''}`);
  return [`references: ${refs}`, ...(r.reason ? [`reason: ${r.reason}`] : []), ...steps].join('\n');
}

function testcase(r: CaseResult, startedAt: string): string {
  const name = `${r.id} ${r.title}`;
  const head = `    <testcase classname="${xmlEscape(`${r.suite}.${r.category}`)}" name="${xmlEscape(name)}" time="${(r.ms / 1000).toFixed(3)}">`;
  const body: string[] = [];
  const message = xmlEscape(r.reason ?? r.verdict);
  if (r.verdict === 'failed') body.push(`      <failure message="${message}" type="failed">${xmlEscape(details(r))}</failure>`);
  if (r.verdict === 'inconclusive') body.push(`      <error message="${message}" type="inconclusive">${xmlEscape(details(r))}</error>`);
  if (r.verdict === 'not-applicable' || r.verdict === 'skipped') body.push(`      <skipped message="${xmlEscape(`${r.verdict}: ${r.reason ?? ''}`)}"/>`);
  if (r.log.length > 0) {
    const log = annotateLog(r.log, startedAt).flatMap((e) => [`[${e.phase}]`, ...e.lines]).join('\n');
    body.push(`      <system-out>${xmlEscape(log)}</system-out>`);
  }
  return [head, ...body, '    </testcase>'].join('\n');
}

export function junitReport(run: RunResult): string {
  const c = run.summary.counts;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(`${run.tool} conformance`)}" tests="${run.summary.total}" failures="${c.failed}" errors="${c.inconclusive}" skipped="${c['not-applicable'] + c.skipped}" time="${(run.ms / 1000).toFixed(3)}">`,
  ];
  for (const row of byCategory(run)) {
    const cases = run.results.filter((r) => r.suite === row.suite && r.category === row.category);
    const time = cases.reduce((s, r) => s + r.ms, 0) / 1000;
    out.push(
      `  <testsuite name="${xmlEscape(`${row.suite} ${row.category}`)}" tests="${row.total}" failures="${row.counts.failed}" errors="${row.counts.inconclusive}" skipped="${row.counts['not-applicable'] + row.counts.skipped}" time="${time.toFixed(3)}" timestamp="${run.startedAt.replace(/\.\d+Z$/, '')}">`,
      '    <properties>',
      `      <property name="target" value="${xmlEscape(run.target)}"/>`,
      `      <property name="atr" value="${run.atr}"/>`,
      `      <property name="ics" value="${xmlEscape(`${run.ics.personality} (${run.ics.source})`)}"/>`,
      '    </properties>',
      ...cases.map((r) => testcase(r, run.startedAt)),
      '  </testsuite>',
    );
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
