/**
 * Self-contained HTML report of a diff: no external resource, one table, side A and side B next
 * to each other with their full annotation (command name, parameters, SW meaning, TLV trees,
 * plain forms of SM exchanges). Rows carry `data-class` so tests and scripts can find them.
 */
import { renderExchangeText } from '../annotate/render-text.ts';
import type { LogicalExchange } from './normalise.ts';
import type { DiffPair, DiffReport } from './diff.ts';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function cell(x: LogicalExchange | undefined): string {
  if (x === undefined) return '<td class="side empty">—</td>';
  const text = x.exchanges.flatMap((e) => renderExchangeText(e)).join('\n');
  return `<td class="side"><div class="sum">${esc(x.summary)}</div><details><summary>annotation (#${x.seqs.join(', #')})</summary><pre>${esc(text)}</pre></details><div class="norm">normalised: <code>${esc(x.key.slice(0, 120))}</code> → <code>${esc(x.data.slice(0, 120))}</code> ${esc(x.sw)}</div></td>`;
}

function row(p: DiffPair, i: number): string {
  const rules = p.rules.map((r) => `<span class="rule">${esc(r)}</span>`).join(' ');
  return `<tr class="pair ${p.divergent ? 'divergent' : p.explained ? 'explained' : 'ok'}" data-class="${p.class}" id="pair-${i + 1}"><td class="cls">${esc(p.class)}${p.detail ? `<div class="detail">${esc(p.detail)}</div>` : ''}${p.explained ? `<div class="detail">explained: ${esc(p.explained)}</div>` : ''}${rules ? `<div>${rules}</div>` : ''}</td>${cell(p.a)}${cell(p.b)}</tr>`;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top}
th{background:#eee;text-align:left}tr.divergent td.cls{background:#fdd}tr.explained td.cls{background:#ffe9c0}tr.ok td.cls{background:#e6f6e6}
tr[data-class=identical] td.cls{background:#f4f4f4;color:#777}td.side{width:44%}pre{white-space:pre-wrap;font-size:12px;margin:4px 0}
.rule{display:inline-block;background:#e8eefc;border-radius:3px;padding:0 4px;margin:1px;font-size:11px}.detail{font-size:12px;color:#555}
.norm{font-size:11px;color:#666;word-break:break-all}.empty{color:#999;text-align:center}summary{cursor:pointer;font-size:12px;color:#345}`;

export function renderDiffHtml(r: DiffReport): string {
  const counts = Object.entries(r.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `<li>${esc(k)}: ${n}</li>`)
    .join('');
  const rules = r.rulesApplied
    .map(
      (x) =>
        `<tr><td><code>${esc(x.id)}</code></td><td>${esc(x.title)}</td><td>${esc(x.reason)}</td><td>${esc(x.ref)}</td><td>${x.pairs}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ciebench trace diff: ${esc(r.a.name)} vs ${esc(r.b.name)}</title><style>${STYLE}</style></head>
<body>
<h1>Trace diff</h1>
<p>A: <b>${esc(r.a.name)}</b> (${esc(r.a.profile)}, ${esc(r.a.transport)}, recorded by ${esc(r.a.recordedBy)})<br>B: <b>${esc(r.b.name)}</b> (${esc(r.b.profile)}, ${esc(r.b.transport)}, recorded by ${esc(r.b.recordedBy)})</p>
<p id="verdict" data-divergences="${r.divergences}">${r.divergences === 0 ? 'No unexplained divergence' : `${r.divergences} divergence(s)`}${r.explained ? `, ${r.explained} explained` : ''}.</p>
<ul id="counts">${counts}</ul>
<table id="pairs"><thead><tr><th>class</th><th>A: ${esc(r.a.name)}</th><th>B: ${esc(r.b.name)}</th></tr></thead><tbody>
${r.pairs.map(row).join('\n')}
</tbody></table>
<h2>Normalisation rules applied</h2>
<table id="rules"><thead><tr><th>rule</th><th>what</th><th>why it differs legitimately</th><th>reference</th><th>pairs</th></tr></thead><tbody>${rules}</tbody></table>
</body></html>
`;
}
