/**
 * Importing foreign logs into the trace format. The format is detected from the text unless
 * given; every line ends up somewhere: in an exchange, in the counted noise of its format
 * (`ignored`), or in `diagnostics` with its line number (and as a `note` event in the trace).
 */
import { HostError } from '../../emulator/src/host-error.ts';
import { basename } from 'node:path';
import { readFileSync } from 'node:fs';
import { TOOL_NAME, TOOL_VERSION } from '../../emulator/src/version.ts';
import { TRACE_FORMAT, TRACE_VERSION, type Trace, type TraceRecord } from '../format/schema.ts';
import { ExchangeAssembler, type IgnoredLine, type ImportDiagnostic } from './assembler.ts';
import { cieSdkFormat } from './formats/cie-sdk.ts';
import { IMPORT_FORMATS, type ImportFormatId, type LogFormat } from './formats/format.ts';
import { hexLogFormat } from './formats/hex-log.ts';
import { openscFormat } from './formats/opensc.ts';
import { pcscSpyFormat } from './formats/pcsc-spy.ts';
import { pcscdFormat } from './formats/pcscd.ts';
import { pn532Format } from './formats/pn532.ts';
import { COMMENT_LINE, isGapMarker } from './hex-tokens.ts';

export { IMPORT_FORMATS, type ImportFormatId };

/** In detection order: the more specific formats first (a pcscd `APDU:` line is not a CIE SDK one). */
const FORMATS: readonly LogFormat[] = [
  pcscSpyFormat,
  openscFormat,
  pcscdFormat,
  pn532Format,
  cieSdkFormat,
  hexLogFormat,
];

export class ImportError extends HostError {
  readonly code: 'IMPORT_UNKNOWN_FORMAT' | 'IMPORT_NO_EXCHANGES';
  constructor(code: ImportError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

export interface ImportOptions {
  /** `auto` (default) detects the format. */
  readonly format?: ImportFormatId | 'auto';
  /** File name recorded in the header. */
  readonly file?: string;
  readonly revealSecrets?: boolean;
  /** Wall-clock start for the header (default: now). */
  readonly startedAt?: Date;
  readonly description?: string;
}

export interface ImportResult {
  readonly format: ImportFormatId;
  readonly trace: Trace;
  readonly diagnostics: readonly ImportDiagnostic[];
  readonly ignored: readonly IgnoredLine[];
  readonly exchanges: number;
  readonly incomplete: number;
}

export function formatById(id: ImportFormatId): LogFormat {
  return FORMATS.find((f) => f.id === id) as LogFormat;
}

/** The format whose distinctive lines are most numerous; undefined when none matches. */
export function detectFormat(lines: readonly string[]): ImportFormatId | undefined {
  let best: { id: ImportFormatId; score: number } | undefined;
  for (const f of FORMATS) {
    const score = f.detect(lines);
    if (score > 0 && (best === undefined || score > best.score)) best = { id: f.id, score };
  }
  return best?.id;
}

/**
 * `#` lines are comments in every format (the source headers of committed logs) and gap markers
 * (`[... truncated ...]`, `=== excerpt 2 ===`) break the pairing of a command with a later
 * response; both are taken out here (blank lines keep the numbering) and counted.
 */
function prepare(raw: readonly string[]): {
  lines: string[];
  gaps: number[];
  comments: number[];
} {
  const gaps: number[] = [];
  const comments: number[] = [];
  const lines = raw.map((l, i) => {
    if (COMMENT_LINE.test(l)) return (comments.push(i + 1), '');
    if (isGapMarker(l)) return (gaps.push(i + 1), '');
    return l;
  });
  return { lines, gaps, comments };
}

export function importLog(text: string, options: ImportOptions = {}): ImportResult {
  const raw = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  const { lines, gaps, comments } = prepare(raw);
  const id =
    options.format === undefined || options.format === 'auto'
      ? detectFormat(lines)
      : options.format;
  if (id === undefined)
    throw new ImportError(
      'IMPORT_UNKNOWN_FORMAT',
      `no known log format recognised (known: ${IMPORT_FORMATS.join(', ')})`,
    );
  const asm = new ExchangeAssembler({ revealSecrets: options.revealSecrets ?? false, gaps });
  for (const l of comments) asm.ignore(l, 'comment');
  for (const l of gaps) asm.ignore(l, 'gap marker');
  formatById(id).parse(lines, asm);
  const body = asm.finish(lines.length);
  const records = body.map((r, i) => ({ ...r, seq: i + 1 }) as TraceRecord);
  const exchanges = records.filter((r) => r.type === 'exchange');
  if (exchanges.length === 0)
    throw new ImportError('IMPORT_NO_EXCHANGES', `no APDU found in the ${id} log`);
  const atr = records.find((r) => r.type === 'event' && r.atr !== undefined);
  const trace: Trace = {
    header: {
      type: 'header',
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      profile: 'unknown',
      transport: 'import',
      tool: `${TOOL_NAME} ${TOOL_VERSION}`,
      startedAt: (options.startedAt ?? new Date()).toISOString(),
      recordedBy: 'import',
      secrets: options.revealSecrets ? 'revealed' : 'masked',
      ...(atr?.type === 'event' && atr.atr ? { atr: atr.atr } : {}),
      source: { format: id, ...(options.file ? { file: basename(options.file) } : {}) },
      ...(options.description ? { description: options.description } : {}),
    },
    records,
  };
  return {
    format: id,
    trace,
    diagnostics: asm.diagnostics,
    ignored: [...asm.ignored].sort((a, b) => a.line - b.line),
    exchanges: exchanges.length,
    incomplete: exchanges.filter((e) => e.type === 'exchange' && e.incomplete === true).length,
  };
}

export function importLogFile(
  path: string,
  options: Omit<ImportOptions, 'file'> = {},
): ImportResult {
  return importLog(readFileSync(path, 'utf8'), { ...options, file: path });
}

/** A short human summary: counts, then every diagnostic with its line number. */
export function describeImport(r: ImportResult): string {
  const kinds = new Map<string, number[]>();
  for (const i of r.ignored) kinds.set(i.kind, [...(kinds.get(i.kind) ?? []), i.line]);
  const out = [
    `format ${r.format}: ${r.exchanges} exchange(s), ${r.incomplete} incomplete, ${r.diagnostics.length} diagnostic(s), ${r.ignored.length} log-noise line(s)`,
  ];
  for (const [kind, ls] of kinds) out.push(`  ${ls.length} × ${kind} (lines ${ranges(ls)})`);
  for (const d of r.diagnostics)
    out.push(`  line ${d.line}: ${d.severity} ${d.code}: ${d.message}`);
  return out.join('\n');
}

function ranges(lines: readonly number[]): string {
  const out: string[] = [];
  let start = lines[0];
  let prev = start;
  for (const l of [...lines.slice(1), Number.NaN]) {
    if (prev !== undefined && l === prev + 1) {
      prev = l;
      continue;
    }
    if (start !== undefined && prev !== undefined)
      out.push(start === prev ? `${start}` : `${start}-${prev}`);
    start = l;
    prev = l;
  }
  return out.length > 8 ? `${out.slice(0, 8).join(', ')}, …` : out.join(', ');
}
