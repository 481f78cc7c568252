/** Reading traces: every line validated, errors reported with their line number. */
import { HostError } from '../../emulator/src/host-error.ts';
import { readFileSync } from 'node:fs';
import { traceHeaderSchema, traceRecordSchema, type Trace, type TraceRecord } from './schema.ts';

export class TraceFormatError extends HostError {
  readonly code = 'TRACE_FORMAT';
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

function parseLine(text: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TraceFormatError(line, `not JSON: ${(e as Error).message}`);
  }
}

/** Parses JSON Lines text; throws {@link TraceFormatError} at the first invalid line. */
export function parseTrace(text: string): Trace {
  const lines = text.split(/\r?\n/);
  let header: Trace['header'] | undefined;
  const records: TraceRecord[] = [];
  let lastSeq = 0;
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const value = parseLine(raw, line);
    if (header === undefined) {
      const h = traceHeaderSchema.safeParse(value);
      if (!h.success)
        throw new TraceFormatError(
          line,
          `invalid header: ${h.error.issues.map((x) => `${x.path.join('.')} ${x.message}`).join('; ')}`,
        );
      header = h.data;
      return;
    }
    const r = traceRecordSchema.safeParse(value);
    if (!r.success)
      throw new TraceFormatError(
        line,
        `invalid record: ${r.error.issues.map((x) => `${x.path.join('.')} ${x.message}`).join('; ')}`,
      );
    if (r.data.seq <= lastSeq)
      throw new TraceFormatError(line, `sequence number ${r.data.seq} after ${lastSeq}`);
    lastSeq = r.data.seq;
    records.push(r.data);
  });
  if (header === undefined) throw new TraceFormatError(1, 'empty trace: no header');
  return { header, records };
}

export function readTraceFile(path: string): Trace {
  return parseTrace(readFileSync(path, 'utf8'));
}
