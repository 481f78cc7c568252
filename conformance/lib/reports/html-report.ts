/**
 * The self-contained HTML report (one file, inline CSS and a few lines of script, no network):
 * run header (target, ATR, ICS, options), per-suite and per-category summary, the ICAO Part 3
 * coverage per category (when the eMRTD suite ran), one row per case
 * with its verdict and references, and an expandable block with the steps (expected vs observed)
 * and the annotated APDU log. Verdict filters let a lab jump to the failures.
 */
import type { CaseResult, MatrixCoverage, RunResult, Verdict } from '../model.ts';
import { VERDICTS } from '../model.ts';
import { annotateLog } from './annotate-log.ts';
import { byCategory, bySuite, type CategoryRow } from './summary.ts';

export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const LABEL: Readonly<Record<Verdict, string>> = {
  passed: 'Passed',
  failed: 'Failed',
  'not-applicable': 'Not applicable',
  inconclusive: 'Inconclusive',
  skipped: 'Skipped',
};

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1b1f24}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:24px 0 8px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
.v{display:inline-block;padding:1px 6px;border-radius:3px;font-size:12px;font-weight:600;color:#fff}
.v-passed{background:#1a7f37}.v-failed{background:#cf222e}.v-not-applicable{background:#8c959f}
.v-inconclusive{background:#bf8700}.v-skipped{background:#6e7781}
details{margin:2px 0}summary{cursor:pointer}pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:12px;margin:4px 0}
.meta td:first-child{font-weight:600}.reason{color:#57606a}.fail{color:#cf222e}.filters label{margin-right:12px}
tr.case td{border-top:2px solid #d0d7de}
`;

const SCRIPT = `
document.querySelectorAll('.filters input').forEach(function(box){box.addEventListener('change',function(){
  document.querySelectorAll('tr.case').forEach(function(row){
    var show=document.querySelector('.filters input[value="'+row.dataset.verdict+'"]').checked;
    row.style.display=show?'':'none';
  });
});});
`;

function badge(v: Verdict): string {
  return `<span class="v v-${v}">${LABEL[v]}</span>`;
}

function summaryTable(rows: readonly CategoryRow[], firstHeader: string, showCategory: boolean): string {
  const head = `<tr><th>${firstHeader}</th>${showCategory ? '<th>category</th>' : ''}<th>cases</th>${VERDICTS.map((v) => `<th>${LABEL[v]}</th>`).join('')}</tr>`;
  const body = rows
    .map((r) => `<tr><td>${htmlEscape(r.suite)}</td>${showCategory ? `<td>${htmlEscape(r.category)}</td>` : ''}<td class="n">${r.total}</td>${VERDICTS.map((v) => `<td class="n">${r.counts[v] || ''}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>${head}\n${body}</table>`;
}

function stepsTable(r: CaseResult): string {
  if (r.steps.length === 0) return '';
  const rows = r.steps
    .map((s) => `<tr><td class="n">${s.index}</td><td>${htmlEscape(s.title)}</td><td>${htmlEscape(s.expected)}</td><td${s.passed ? '' : ' class="fail"'}>${htmlEscape(s.observed)}${s.message ? `<br>${htmlEscape(s.message)}` : ''}</td></tr>`)
    .join('');
  return `<table><tr><th>#</th><th>step</th><th>expected</th><th>observed</th></tr>${rows}</table>`;
}

function caseRow(r: CaseResult, startedAt: string): string {
  const refs = r.refs.map((x) => `${htmlEscape(x.doc)} ${htmlEscape(x.clause)}`).join('<br>');
  const destructive = r.destructive ? `<br><em>destructive: ${htmlEscape(r.destructive.reason)}</em>` : '';
  const log = r.log.length
    ? `<details><summary>APDU log (${r.log.length} exchanges)</summary><pre>${annotateLog(r.log, startedAt)
        .map((e) => `${htmlEscape(`[${e.phase}] +${e.t} ms`)}\n${htmlEscape(e.lines.join('\n'))}`)
        .join('\n')}</pre></details>`
    : '';
  const inner = stepsTable(r) + log;
  const body = inner ? `<details${r.verdict === 'failed' ? ' open' : ''}><summary>steps and log</summary>${inner}</details>` : '';
  return `<tr class="case" data-verdict="${r.verdict}" id="${htmlEscape(r.id)}"><td>${badge(r.verdict)}</td><td><b>${htmlEscape(r.id)}</b><br>${htmlEscape(r.category)}</td><td>${htmlEscape(r.title)}${r.reason ? `<div class="reason">${htmlEscape(r.reason)}</div>` : ''}${destructive}${body}</td><td>${refs}</td><td class="n">${r.ms}</td></tr>`;
}

/** Per ICAO category: covered / n/a / missing, and the ids with their reasons on demand. */
function coverageSection(c: MatrixCoverage | undefined): string {
  if (!c) return '';
  const rows = c.categories
    .map((x) => {
      const open = x.cases.filter((k) => k.status !== 'covered');
      const detail = open.length
        ? `<details><summary>${open.length} not covered</summary>${open.map((k) => `${htmlEscape(k.id)} <span class="reason">${k.status}: ${htmlEscape(k.reason ?? '')}</span>`).join('<br>')}</details>`
        : '';
      return `<tr><td>${htmlEscape(x.category)}</td><td class="n">${x.total}</td><td class="n">${x.covered}</td><td class="n">${x.notApplicable}</td><td class="n${x.missing ? ' fail' : ''}">${x.missing}</td><td>${detail}</td></tr>`;
    })
    .join('\n');
  return `<h2>ICAO Part 3 coverage: ${c.covered} covered, ${c.notApplicable} not applicable, ${c.missing} missing of ${c.total}</h2>
<p class="reason">${htmlEscape(c.matrix)}</p>
<table><tr><th>category</th><th>cases</th><th>covered</th><th>n/a</th><th>missing</th><th>not covered (reason)</th></tr>
${rows}
<tr><td><b>(all)</b></td><td class="n">${c.total}</td><td class="n">${c.covered}</td><td class="n">${c.notApplicable}</td><td class="n">${c.missing}</td><td></td></tr></table>`;
}

export function htmlReport(run: RunResult): string {
  const c = run.summary.counts;
  const meta = [
    ['tool', run.tool],
    ['started', run.startedAt],
    ['duration', `${(run.ms / 1000).toFixed(2)} s`],
    ['target', run.target],
    ['ATR', run.atr.replace(/(..)(?=.)/g, '$1 ')],
    ['ICS', `${run.ics.personality} — ${run.ics.description} (${run.ics.source})`],
    ['suites', run.options.suites.join(', ')],
    ['destructive cases', run.options.destructive ? 'run' : 'skipped'],
    ['tries floor', String(run.options.triesFloor)],
    ...(run.options.only ? [['only', run.options.only.join(', ')]] : []),
  ];
  const filters = VERDICTS.map((v) => `<label><input type="checkbox" value="${v}" checked> ${badge(v)} ${c[v]}</label>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CIE Bench conformance report — ${htmlEscape(run.ics.personality)}</title>
<style>${STYLE}</style></head><body>
<h1>CIE Bench conformance report</h1>
<table class="meta">${meta.map(([k, v]) => `<tr><td>${htmlEscape(k ?? '')}</td><td>${htmlEscape(v ?? '')}</td></tr>`).join('')}</table>
<h2>Summary: ${run.summary.total} cases — ${VERDICTS.map((v) => `${c[v]} ${LABEL[v].toLowerCase()}`).join(', ')}</h2>
${summaryTable(bySuite(run), 'suite', false)}
<h2>Per category</h2>
${summaryTable(byCategory(run), 'suite', true)}
${coverageSection(run.coverage)}
<h2>Cases</h2>
<div class="filters">${filters}</div>
<table><tr><th>verdict</th><th>id</th><th>case</th><th>references</th><th>ms</th></tr>
${run.results.map((r) => caseRow(r, run.startedAt)).join('\n')}
</table>
<script>${SCRIPT}</script>
</body></html>
`;
}
