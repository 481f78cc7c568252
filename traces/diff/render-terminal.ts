/** Terminal rendering of a diff report: one line per pair, coloured by class (ANSI). */
import type { DiffClass, DiffPair, DiffReport } from './diff.ts';

const COLOUR: Readonly<Record<DiffClass, string>> = {
  identical: '\x1b[2m',
  'same-after-normalisation': '\x1b[32m',
  'different-sw': '\x1b[31m',
  'different-length': '\x1b[31m',
  'different-tlv-structure': '\x1b[31m',
  'different-data': '\x1b[31m',
  'only-in-a': '\x1b[33m',
  'only-in-b': '\x1b[33m',
  incomplete: '\x1b[36m',
};
const RESET = '\x1b[0m';

const seqs = (p: DiffPair, s: 'a' | 'b'): string => (p[s] ? `#${p[s].seqs.join('+')}` : '—');

export function renderDiffTerminal(r: DiffReport, colour: boolean): string {
  const c = (cls: DiffClass, text: string): string =>
    colour ? `${COLOUR[cls]}${text}${RESET}` : text;
  const out = [
    `A: ${r.a.name} (${r.a.profile}, ${r.a.transport}, ${r.a.exchanges} logical exchanges)`,
    `B: ${r.b.name} (${r.b.profile}, ${r.b.transport}, ${r.b.exchanges} logical exchanges)`,
    '',
  ];
  for (const p of r.pairs) {
    const what = (p.a ?? p.b)?.summary ?? '';
    const rules = p.rules.length ? ` {${p.rules.join(', ')}}` : '';
    const mark = p.divergent ? '✗' : p.explained ? '≈' : ' ';
    out.push(
      `${mark} ${seqs(p, 'a').padEnd(8)} ${seqs(p, 'b').padEnd(8)} ${c(p.class, p.class.padEnd(24))} ${what}${p.detail ? ` — ${p.detail}` : ''}${rules}${p.explained ? ` (explained: ${p.explained})` : ''}`,
    );
  }
  out.push('');
  out.push(
    Object.entries(r.counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k}: ${n}`)
      .join(', '),
  );
  if (r.rulesApplied.length) {
    out.push('normalisation rules applied:');
    for (const x of r.rulesApplied) out.push(`  ${x.id} (${x.pairs}): ${x.title} — ${x.ref}`);
  }
  out.push(
    r.divergences === 0
      ? `no unexplained divergence${r.explained ? ` (${r.explained} explained)` : ''}`
      : `${r.divergences} divergence(s)${r.explained ? `, ${r.explained} explained` : ''}`,
  );
  return `${out.join('\n')}\n`;
}
