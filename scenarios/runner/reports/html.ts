/**
 * One self-contained HTML page per run: no script, font, image or style from anywhere else
 * (screenshots are embedded as data: URIs), so it opens from a CI artefact or an e-mail with no
 * network. Per journey, a timeline a person can read: each step's screenshot beside what the phone
 * showed, the card's APDUs of that step (annotated, PIN masked as recorded) and the SAML messages
 * the browser carried at that moment; then the end-state checks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { annotateTrace, type AnnotatedTrace } from '../../../traces/annotate/annotate.ts';
import { renderExchangeText } from '../../../traces/annotate/render-text.ts';
import { parseTrace } from '../../../traces/format/read.ts';
import { countVerdicts, type JourneyResult, type RunResult, type SpCaseResult, type StepResult } from '../results.ts';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Indented XML for reading (display only; the saved files keep the exact bytes). */
export function prettyXml(xml: string): string {
  const parts = xml.replace(/>\s*</g, '><').split(/(?=<)|(?<=>)/);
  let depth = 0;
  let afterText = false;
  const out: string[] = [];
  for (const p of parts) {
    if (!p.trim()) continue;
    const line = p.length > 400 ? `${p.slice(0, 400)}… (${p.length} characters)` : p;
    const closing = p.startsWith('</');
    if (closing) depth = Math.max(0, depth - 1);
    // Text, and the closing tag right after it, stay on their element's line.
    if ((!p.startsWith('<') || (closing && afterText)) && out.length > 0) out[out.length - 1] += line;
    else out.push(`${'  '.repeat(depth)}${line}`);
    afterText = !p.startsWith('<');
    const opens = p.startsWith('<') && !closing && !p.endsWith('/>') && !/^<[?!]/.test(p);
    if (opens) depth++;
  }
  return out.join('\n');
}

function dataUri(reportDir: string, rel: string | undefined): string | undefined {
  if (!rel) return undefined;
  const file = join(reportDir, rel);
  if (!existsSync(file)) return undefined;
  return `data:image/jpeg;base64,${readFileSync(file).toString('base64')}`;
}

function loadTrace(reportDir: string, rel: string | undefined): AnnotatedTrace | undefined {
  if (!rel) return undefined;
  const file = join(reportDir, rel);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  if (!text.trim()) return undefined;
  try {
    // A PC/SC trace of a physical card holds one trace per tap: annotate the first header's part.
    const first = text.split('\n').filter((l, i) => i === 0 || !l.includes('"type":"header"'));
    return annotateTrace(parseTrace(`${first.join('\n')}\n`));
  } catch {
    return undefined;
  }
}

function apduText(t: AnnotatedTrace | undefined, s: StepResult): string | undefined {
  const r = s.artefacts.apdus;
  if (!t || !r) return undefined;
  const lines: string[] = [];
  for (const item of t.items) {
    if ('event' in item) {
      if (item.event.seq >= r.from && item.event.seq <= r.to) lines.push(`#${item.event.seq} — ${item.event.text}`);
    } else if (item.exchange.seq >= r.from && item.exchange.seq <= r.to)
      lines.push(...renderExchangeText(item.exchange, { brief: true }));
  }
  return lines.join('\n');
}

const CSS = `
body{font-family:system-ui,Arial,sans-serif;margin:0;background:#f4f6f8;color:#1c2833}
header.top{background:#17324d;color:#fff;padding:16px 24px}header.top h1{margin:0;font-size:22px}
main{padding:16px 24px}table{border-collapse:collapse}td,th{padding:4px 8px;border-bottom:1px solid #d5dbe1;text-align:left;vertical-align:top}
.passed{color:#137333}.failed,.error{color:#b3261e}.skipped{color:#7a5b00}
section.journey{background:#fff;margin:18px 0;padding:12px 16px;border-radius:6px;box-shadow:0 1px 2px #0002}
.step{display:grid;grid-template-columns:420px 1fr 1fr;gap:12px;border-top:1px solid #e3e7eb;padding:10px 0}
.step img{width:400px;border:1px solid #ccd3da}
pre{white-space:pre-wrap;word-break:break-all;font-size:11px;background:#f7f9fb;border:1px solid #e1e6eb;padding:6px;max-height:360px;overflow:auto;margin:4px 0}
.phone{border:2px solid #17324d;border-radius:12px;padding:8px;background:#eef3f8;white-space:pre-wrap;font-size:13px;margin:6px 0}
.label{font-size:11px;text-transform:uppercase;color:#5c6f82;margin-top:4px}
.refs{font-size:12px;color:#5c6f82}`;

function stepHtml(reportDir: string, j: JourneyResult, s: StepResult, trace: AnnotatedTrace | undefined): string {
  const img = dataUri(reportDir, s.artefacts.screenshot);
  const apdus = apduText(trace, s);
  const saml = s.artefacts.saml.map((i) => j.saml[i]).filter((m) => m !== undefined);
  const a = s.artefacts.app;
  return (
    `<div class="step" id="${esc(j.name)}-step-${s.index + 1}">` +
    `<div>${img ? `<img class="screenshot" alt="screenshot after step ${s.index + 1}" src="${img}">` : '<p class="skipped">no screenshot</p>'}</div>` +
    `<div><div><strong class="${s.verdict}">${s.index + 1}. ${esc(s.text)}</strong></div>` +
    `<div class="label">${s.verdict} · ${s.durationMs} ms · at ${s.startedMs} ms${s.artefacts.page ? ` · page ${esc(s.artefacts.page.id)}` : ''}</div>` +
    (s.error ? `<p class="failed">${esc(s.error)}</p>` : '') +
    (a ? `<div class="label">phone</div><div class="phone">${esc(a.text)}${a.event ? `\n[${esc(a.event)}${a.detail && Object.keys(a.detail).length ? ` ${esc(JSON.stringify(a.detail))}` : ''}]` : ''}</div>` : '') +
    s.notes.map((n) => `<div>${esc(n)}</div>`).join('') +
    (s.artefacts.page ? `<div class="label">URL</div><div style="font-size:11px;word-break:break-all">${esc(s.artefacts.page.url)}</div>` : '') +
    `</div><div>` +
    (apdus !== undefined
      ? `<div class="label">card APDUs ${s.artefacts.apdus?.from}–${s.artefacts.apdus?.to}</div><pre class="apdus">${esc(apdus)}</pre>`
      : '') +
    saml
      .map(
        (m) =>
          // OpenID Connect messages are kept as JSON text (oidc-capture.ts), shown as they are.
          `<div class="label">${m.xml.startsWith('{') ? 'OIDC' : 'SAML'} ${esc(m.kind)} (${m.binding}) → ${esc(m.url)}</div><div>${esc(m.summary)}</div><pre class="saml">${esc(m.xml.startsWith('{') ? m.xml : prettyXml(m.xml))}</pre>`,
      )
      .join('') +
    `</div></div>`
  );
}

function journeyHtml(reportDir: string, j: JourneyResult): string {
  const trace = loadTrace(reportDir, j.files.trace);
  return (
    `<section class="journey" id="${esc(j.name)}"><h2><span class="${j.verdict}">${j.verdict.toUpperCase()}</span> ${esc(j.id)} — ${esc(j.title)}</h2>` +
    `<div class="refs">${j.refs.map(esc).join(' · ')}</div>` +
    `<p>SP ${esc(j.variant.sp)} · IdP ${esc(j.variant.idp)} · app ${esc(j.variant.app)} · card ${esc(j.variant.card)} · browser ${esc(j.variant.browser)} · ${(j.durationMs / 1000).toFixed(1)} s</p>` +
    (j.reason ? `<p class="${j.verdict}">${esc(j.reason)}</p>` : '') +
    j.steps.map((s) => stepHtml(reportDir, j, s, trace)).join('') +
    (j.oracle.length
      ? `<h3>End state</h3><table><tr><th></th><th>check</th><th>expected</th><th>actual</th></tr>${j.oracle
          .map((c) => `<tr><td class="${c.ok ? 'passed' : 'failed'}">${c.ok ? 'ok' : 'FAIL'}</td><td>${esc(c.what)}</td><td>${esc(c.expected)}</td><td>${esc(c.actual)}</td></tr>`)
          .join('')}</table>`
      : '') +
    `<p class="refs">files: ${esc(j.files.dir)}${j.files.trace ? ` · APDU trace ${esc(j.files.trace)}` : ''}${j.files.har ? ` · HAR ${esc(j.files.har)}` : ''}${j.files.middlewareEvents ? ` · PKCS#11 daemon events ${esc(j.files.middlewareEvents)}` : ''}</p></section>`
  );
}

function spCasesHtml(reportDir: string, cases: readonly SpCaseResult[]): string {
  if (cases.length === 0) return '';
  const rows = cases
    .map((c) => {
      const img = dataUri(reportDir, c.screenshot);
      return `<tr id="sp-case-${esc(c.name)}"><td class="${c.verdict}">${c.verdict}</td><td>${esc(c.id)}</td><td>${esc(c.sp)}</td><td>${esc(c.title)}<div class="refs">${c.refs.map(esc).join(' · ')}</div></td><td>${esc(c.expected)}</td><td>${esc(c.observed)}<div class="refs">${esc(c.detail)}</div></td><td>${img ? `<img alt="SP page" style="width:220px" src="${img}">` : ''}</td></tr>`;
    })
    .join('');
  return `<section class="journey"><h2>SP response cases</h2><table><tr><th></th><th>case</th><th>SP</th><th>what</th><th>expected</th><th>observed</th><th>SP page</th></tr>${rows}</table></section>`;
}

export function htmlReport(r: RunResult, reportDir: string): string {
  const all = [...r.journeys, ...(r.spCases ?? [])];
  const c = countVerdicts(all);
  const index = r.journeys
    .map((j) => `<tr><td class="${j.verdict}">${j.verdict}</td><td><a href="#${esc(j.name)}">${esc(j.name)}</a></td><td>${esc(j.title)}</td><td>${(j.durationMs / 1000).toFixed(1)} s</td></tr>`)
    .join('');
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>CIE Bench scenario report</title>` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">` +
    `<style>${CSS}</style></head><body><header class="top"><h1>CIE Bench — scenario report</h1>` +
    `<div>${esc(r.tool)} · started ${esc(r.startedAt)} · ${(r.durationMs / 1000).toFixed(1)} s · ${c.passed} passed, ${c.failed} failed, ${c.error} errors, ${c.skipped} skipped</div></header><main>` +
    `<table>${Object.values(r.environment).map((e) => `<tr><td>environment</td><td>${esc(e)}</td></tr>`).join('')}</table>` +
    (index ? `<h2>Journeys</h2><table>${index}</table>` : '') +
    r.journeys.map((j) => journeyHtml(reportDir, j)).join('') +
    spCasesHtml(reportDir, r.spCases ?? []) +
    `</main></body></html>`
  );
}
