/** Human-readable rendering of IAS flow reports (CLI, logs). */
import { maskSecretsInText } from '../../../emulator/src/apdu/secret-masking.ts';
import type { FlowReport } from './flows.ts';

export interface ReportTextOptions {
  /** Print every APDU (wire form, and plain form under SM). */
  readonly apdus?: boolean;
  readonly showSecrets?: boolean;
}

function clip(hex: string, max = 96): string {
  return hex.length > max
    ? `${hex.slice(0, max - 12)}…${hex.slice(-8)} (${hex.length / 2} bytes)`
    : hex;
}

export function formatFlowReport(r: FlowReport<unknown>, o: ReportTextOptions = {}): string {
  const lines = [
    `${r.flow} — ${r.style} command sequence — ${r.verdict.toUpperCase()} in ${r.durationMs.toFixed(1)} ms`,
  ];
  if (r.atr) lines.push(`ATR ${r.atr}${r.atrType ? ` (${r.atrType})` : ''}`);
  for (const [i, s] of r.steps.entries()) {
    const mark = s.verdict === 'pass' ? 'ok  ' : 'FAIL';
    lines.push(
      `${String(i + 1).padStart(2)}. ${mark} ${s.name.padEnd(44)} ${s.durationMs.toFixed(2).padStart(8)} ms  ${String(s.apdus.length).padStart(2)} APDU${s.detail ? `  ${s.detail}` : ''}`,
    );
    if (s.error)
      lines.push(
        `          ${s.error.code}${s.error.sw ? ` (SW ${s.error.sw})` : ''}: ${s.error.message}`,
      );
    if (!o.apdus) continue;
    for (const a of s.apdus) {
      lines.push(
        `          > ${clip(a.command)}${a.plainCommand ? `   plain ${clip(a.plainCommand, 64)}` : ''}`,
      );
      lines.push(
        `          < ${clip(a.response)}${a.plainResponse ? `   plain ${clip(a.plainResponse, 64)}` : ''}  [${a.durationMs.toFixed(3)} ms]`,
      );
    }
  }
  if (r.error)
    lines.push(
      `error ${r.error.code}${r.error.sw ? ` (SW ${r.error.sw})` : ''}: ${r.error.message}`,
    );
  const text = `${lines.join('\n')}\n`;
  return o.showSecrets ? text : maskSecretsInText(text);
}
