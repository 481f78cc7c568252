/** Shared by the `ciebench trace …` commands: read a trace file, or import a log on the fly. */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseTrace } from '../format/read.ts';
import type { Trace } from '../format/schema.ts';
import { serializeTrace } from '../format/write.ts';
import { describeImport, importLog } from '../import/import.ts';
import type { ImportFormatId } from '../import/formats/format.ts';

export interface LoadOptions {
  readonly revealSecrets?: boolean;
  readonly format?: ImportFormatId | 'auto';
  /** Where to report import diagnostics (stderr by default). */
  readonly report?: (text: string) => void;
}

/** A trace (JSON Lines with a ciebench header) as is; any other text is imported as a log. */
export function loadTraceOrLog(path: string, o: LoadOptions = {}): Trace {
  const text = readFileSync(path, 'utf8');
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  if (first.startsWith('{') && first.includes('"ciebench-trace"')) return parseTrace(text);
  const r = importLog(text, {
    file: path,
    ...(o.revealSecrets !== undefined ? { revealSecrets: o.revealSecrets } : {}),
    ...(o.format ? { format: o.format } : {}),
  });
  (o.report ?? ((t) => process.stderr.write(`${t}\n`)))(`imported ${path}: ${describeImport(r)}`);
  return r.trace;
}

export function writeTrace(path: string, trace: Trace): void {
  writeFileSync(path, serializeTrace(trace));
}
