/**
 * Human-readable form of an inspection report (`ciebench emrtd read`): one line per step with its
 * verdict, duration and detail or error, optionally every APDU, then the data read.
 */
import type { InspectionResult } from './inspection-system.ts';
import { parseDg1, parseTextFields } from './lds.ts';

const FIELD_NAMES: Readonly<Record<string, string>> = {
  '5F0E': 'name',
  '5F10': 'personal number',
  '5F2B': 'date of birth',
  '5F11': 'place of birth',
  '5F42': 'address',
  '5F19': 'issuing authority',
  '5F26': 'date of issue',
};

export function formatInspection(r: InspectionResult, options: { apdus?: boolean } = {}): string {
  const lines: string[] = [];
  const rep = r.report;
  lines.push(`eMRTD inspection over ${rep.channel}${rep.atr ? ` (ATR ${rep.atr})` : ''}`);
  for (const s of rep.steps) {
    const mark = s.verdict === 'pass' ? 'PASS' : 'FAIL';
    const tail = s.error
      ? `  [${s.error.code}${s.error.sw ? ` ${s.error.sw}` : ''}] ${s.error.message}`
      : s.detail
        ? `  ${s.detail}`
        : '';
    lines.push(
      `  ${mark}  ${s.name.padEnd(44)} ${s.durationMs.toFixed(1).padStart(7)} ms  ${String(s.apdus.length).padStart(3)} APDU${tail}`,
    );
    if (options.apdus) {
      for (const a of s.apdus) {
        lines.push(
          `          > ${a.plainCommand ? `${a.plainCommand}   (wire ${a.command})` : a.command}`,
        );
        lines.push(
          `          < ${a.plainResponse ? `${a.plainResponse}   (wire ${a.response})` : a.response}`,
        );
      }
    }
  }
  const dg1 = r.files.get('DG1');
  if (dg1) lines.push('', 'MRZ (DG1):', ...parseDg1(dg1).map((l) => `  ${l}`));
  for (const [name, tag] of [
    ['DG11', 0x6b],
    ['DG12', 0x6c],
  ] as const) {
    const f = r.files.get(name);
    if (!f) continue;
    lines.push(`${name}:`);
    for (const [k, v] of Object.entries(parseTextFields(f, tag)))
      lines.push(`  ${(FIELD_NAMES[k] ?? k).padEnd(18)} ${v}`);
  }
  if (rep.dataGroupsSkipped.length > 0)
    lines.push('', ...rep.dataGroupsSkipped.map((s) => `DG${s.dg} not read: ${s.reason}`));
  lines.push(
    '',
    `access: ${rep.access ?? '—'}; data groups read: ${rep.dataGroupsRead.map((n) => `DG${n}`).join(' ') || 'none'}`,
  );
  lines.push(
    rep.error
      ? `verdict: FAIL — [${rep.error.code}] ${rep.error.message}`
      : `verdict: ${rep.verdict.toUpperCase()}`,
  );
  return `${lines.join('\n')}\n`;
}
