/**
 * Annotated APDU logs for reports: a case's log is turned into a trace (traces/format) and
 * decoded by the trace annotator (traces/annotate: command names, file names, SW meanings, TLV
 * trees, SM data objects and the recorded plain forms). If annotation fails on some odd input,
 * the raw exchange is shown with the foundation's one-line decoder instead — a report is never
 * lost to a decoding problem.
 */
import { describeCommand } from '../../../emulator/src/apdu/describe.ts';
import { parseCommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { describeSw, swFromResponse, swHex } from '../../../emulator/src/apdu/status-words.ts';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { TOOL_NAME, TOOL_VERSION } from '../../../emulator/src/version.ts';
import { annotateTrace } from '../../../traces/annotate/annotate.ts';
import { renderExchangeText } from '../../../traces/annotate/render-text.ts';
import type { Trace, TraceRecord } from '../../../traces/format/schema.ts';
import type { LogEntry } from '../model.ts';

export interface AnnotatedEntry {
  readonly seq: number;
  readonly phase: string;
  readonly t: number;
  readonly lines: readonly string[];
}

function toTrace(log: readonly LogEntry[], startedAt: string): Trace {
  const records: TraceRecord[] = log.map((e) => {
    const t = Math.max(0, Math.round(e.t * 1000));
    if (e.command === '') return { type: 'event', seq: e.seq, t, kind: 'reset', ...(e.response ? { atr: e.response } : {}) };
    return {
      type: 'exchange',
      seq: e.seq,
      tStart: t,
      tEnd: t,
      command: e.command,
      response: e.response,
      ...(e.plainCommand ? { plainCommand: e.plainCommand } : {}),
      ...(e.plainResponse ? { plainResponse: e.plainResponse } : {}),
      ...(e.note ? { notes: [e.note] } : {}),
    };
  });
  return {
    header: { type: 'header', format: 'ciebench-trace', version: 1, profile: 'unknown', transport: 'in-process', tool: `${TOOL_NAME} ${TOOL_VERSION}`, startedAt, recordedBy: 'terminal', secrets: 'masked' },
    records,
  };
}

/** One-line fallback when the annotator cannot decode an exchange. */
function plainLines(e: LogEntry): string[] {
  if (e.command === '') return [`#${e.seq} reset, ATR ${e.response}`];
  let what: string;
  try {
    what = describeCommand(parseCommandApdu(fromHex(e.command)));
  } catch {
    what = 'malformed command';
  }
  const r = fromHex(e.response);
  const sw = r.length >= 2 ? swFromResponse(r) : 0;
  return [`#${e.seq}`, `  > ${e.command}`, `    ${what}`, `  < ${e.response}`, `    ${swHex(sw)} ${describeSw(sw).text}`, ...(e.plainCommand ? [`  plain > ${e.plainCommand}`] : []), ...(e.plainResponse ? [`  plain < ${e.plainResponse}`] : []), ...(e.note ? [`  note: ${e.note}`] : [])];
}

export function annotateLog(log: readonly LogEntry[], startedAt = new Date(0).toISOString()): AnnotatedEntry[] {
  let items: ReturnType<typeof annotateTrace>['items'] | undefined;
  try {
    items = annotateTrace(toTrace(log, startedAt)).items;
  } catch {
    items = undefined;
  }
  return log.map((e, i) => {
    const item = items?.[i];
    let lines: string[];
    if (item && 'exchange' in item) lines = renderExchangeText(item.exchange, { brief: false });
    else if (item && 'event' in item) lines = [`#${e.seq} — ${item.event.text}`];
    else lines = plainLines(e);
    return { seq: e.seq, phase: e.phase, t: e.t, lines };
  });
}
