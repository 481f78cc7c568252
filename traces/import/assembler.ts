/**
 * Turns the command/response events found in a log into trace records. Every log format parser
 * feeds this one assembler, so pairing, truncation, masking and diagnostics behave the same for
 * every format:
 *
 * - a command followed by a response is one exchange;
 * - a command followed by another command, or by the end of the log, is an `incomplete` exchange
 *   (the response was never logged);
 * - a command whose hex was cut mid-byte is `incomplete` and keeps the whole bytes read;
 * - a response without a command is reported (it cannot be placed in an exchange);
 * - a gap marker of the source (`[... truncated ...]`, `=== excerpt 2 ===`) or a response line
 *   that cannot be parsed (redacted `XX`) ends the pending exchange: the command is `incomplete`
 *   with a warning, and nothing after the gap is ever paired with it (nor are the timings joined);
 * - a log that prints the status word only (no response data) gives exchanges flagged
 *   `responseDataUnknown`;
 * - every line that is neither part of an exchange nor a known kind of log noise is reported with
 *   its line number, in the import result and as a `note` event in the trace.
 */
import { toHex } from '../../emulator/src/bytes/hex.ts';
import { decodeCla } from '../../emulator/src/apdu/cla.ts';
import { parseCommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import {
  INS_20_VERIFY,
  INS_24_CHANGE_REFERENCE_DATA,
  INS_2C_RESET_RETRY_COUNTER,
} from '../../emulator/src/apdu/ins.ts';
import {
  maskBytes,
  maskSecretsInText,
  secretRanges,
  type SecretRange,
} from '../../emulator/src/apdu/secret-masking.ts';
import type { MaskedRange, TraceEvent, TraceExchange, TraceRecord } from '../format/schema.ts';

export type DiagnosticSeverity = 'error' | 'warning' | 'info';

export interface ImportDiagnostic {
  readonly line: number;
  readonly severity: DiagnosticSeverity;
  readonly code: ImportDiagnosticCode;
  readonly message: string;
}

export type ImportDiagnosticCode =
  | 'UNKNOWN_LINE'
  | 'TRUNCATED_HEX'
  | 'TRUNCATED_EXCHANGE'
  | 'RESPONSE_WITHOUT_COMMAND'
  | 'RESPONSE_TOO_SHORT'
  | 'LENGTH_MISMATCH'
  | 'TRANSMIT_FAILED'
  | 'GAP'
  | 'UNPARSABLE_RESPONSE';

/** A line the parser recognised as log noise of its format (not an APDU): counted, never hidden. */
export interface IgnoredLine {
  readonly line: number;
  readonly kind: string;
}

interface PendingCommand {
  readonly bytes: Uint8Array;
  readonly line: number;
  readonly t: number;
  readonly truncated: boolean;
}

export interface AssemblerOptions {
  readonly revealSecrets: boolean;
  /** Line numbers of the source's gap markers (`[... truncated ...]`, `=== excerpt 2 ===`). */
  readonly gaps?: readonly number[];
}

const EXCERPT = 100;

export function excerpt(text: string): string {
  const t = text.trim();
  return t.length > EXCERPT ? `${t.slice(0, EXCERPT)}…` : t;
}

const SECRET_INS = new Set([
  INS_20_VERIFY,
  INS_24_CHANGE_REFERENCE_DATA,
  INS_2C_RESET_RETRY_COUNTER,
]);

/**
 * Secret ranges of a command, also when the log cut the command short (a truncated VERIFY must
 * not leak the digits it carries): then everything after the length field is masked.
 */
export function commandSecretRanges(command: Uint8Array): SecretRange[] {
  const exact = secretRanges(command);
  if (exact.length > 0 || command.length <= 5) return exact;
  const cla = command[0] as number;
  const ins = command[1] as number;
  if (!SECRET_INS.has(ins) || decodeCla(cla).sm !== 'none') return [];
  try {
    parseCommandApdu(command);
    return [];
  } catch {
    const offset = command[4] === 0 && command.length > 7 ? 7 : 5;
    return [
      {
        offset,
        length: command.length - offset,
        reason: 'secret-bearing command truncated in the source',
      },
    ];
  }
}

export class ExchangeAssembler {
  readonly diagnostics: ImportDiagnostic[] = [];
  readonly ignored: IgnoredLine[] = [];
  private readonly records: Array<Omit<TraceExchange, 'seq'> | Omit<TraceEvent, 'seq'>> = [];
  private pending: PendingCommand | undefined;
  private readonly reveal: boolean;
  private lastT = 0;

  private readonly gaps: readonly number[];

  constructor(options: AssemblerOptions) {
    this.reveal = options.revealSecrets;
    this.gaps = options.gaps ?? [];
  }

  /** A gap marker between the pending command and `line` ends the pending exchange (incomplete). */
  private crossGap(line: number): void {
    const cmd = this.pending;
    if (cmd === undefined) return;
    const gap = this.gaps.find((g) => g > cmd.line && g < line);
    if (gap === undefined) return;
    this.pending = undefined;
    this.diagnose(
      gap,
      'warning',
      'GAP',
      `gap in the source after the command at line ${cmd.line}: exchange marked incomplete; nothing after the gap is paired with it`,
    );
    this.push(cmd, new Uint8Array(0), cmd.t, true, [
      `source line ${cmd.line}`,
      `gap in the source at line ${gap}`,
    ]);
  }

  /** A command APDU; `truncated` when the log cut it short. `t` in µs from the start of the log. */
  command(bytes: Uint8Array, line: number, t = this.lastT, truncated = false): void {
    this.crossGap(line);
    this.flushPending('TRUNCATED_EXCHANGE', `command at line ${line} follows without a response`);
    this.lastT = Math.max(this.lastT, t);
    this.pending = { bytes, line, t: this.lastT, truncated };
    if (truncated)
      this.diagnose(
        line,
        'warning',
        'TRUNCATED_HEX',
        'command hex cut short: exchange marked incomplete',
      );
  }

  /**
   * Response bytes (data ‖ SW1 SW2); `swOnly` when the log gave the status word alone (the
   * exchange is flagged `responseDataUnknown`).
   */
  response(
    bytes: Uint8Array,
    line: number,
    t = this.lastT,
    truncated = false,
    swOnly = false,
  ): void {
    this.crossGap(line);
    this.lastT = Math.max(this.lastT, t);
    const cmd = this.pending;
    if (cmd === undefined) {
      this.diagnose(
        line,
        'warning',
        'RESPONSE_WITHOUT_COMMAND',
        `response ${toHex(bytes.subarray(0, 8))}… has no command before it`,
      );
      return;
    }
    this.pending = undefined;
    const short = bytes.length < 2;
    if (short && !truncated)
      this.diagnose(
        line,
        'warning',
        'RESPONSE_TOO_SHORT',
        `response of ${bytes.length} byte(s) has no status word`,
      );
    if (truncated)
      this.diagnose(
        line,
        'warning',
        'TRUNCATED_HEX',
        'response hex cut short: exchange marked incomplete',
      );
    const incomplete = cmd.truncated || truncated || short;
    const notes = [cmd.line === line ? `source line ${line}` : `source lines ${cmd.line}-${line}`];
    if (swOnly) notes.push('the source logged the status word only, not the response data');
    if (incomplete)
      notes.push(
        cmd.truncated
          ? `command truncated in the source at line ${cmd.line}`
          : `response truncated in the source at line ${line}`,
      );
    this.push(cmd, bytes, this.lastT, incomplete, notes, swOnly && !incomplete);
  }

  /**
   * A response line whose bytes cannot be read (redacted `XX`, non-hex characters): the pending
   * command is incomplete; the line is never paired with a later command or response.
   */
  unparsableResponse(line: number, text: string, why: string): void {
    this.crossGap(line);
    const cmd = this.pending;
    this.pending = undefined;
    const shown = this.reveal ? excerpt(text) : maskSecretsInText(excerpt(text));
    this.diagnose(
      line,
      'warning',
      'UNPARSABLE_RESPONSE',
      `${why}: "${shown}"${cmd ? `; the command at line ${cmd.line} is marked incomplete` : ''}`,
    );
    if (cmd)
      this.push(cmd, new Uint8Array(0), cmd.t, true, [
        `source line ${cmd.line}`,
        `response at line ${line} unreadable in the source`,
      ]);
  }

  /** The exchange could not complete (transport error reported by the log). */
  failed(line: number, reason: string, t = this.lastT): void {
    this.crossGap(line);
    const cmd = this.pending;
    if (cmd === undefined) return;
    this.pending = undefined;
    this.lastT = Math.max(this.lastT, t);
    this.diagnose(line, 'warning', 'TRANSMIT_FAILED', `transmit failed: ${reason}`);
    this.push(cmd, new Uint8Array(0), this.lastT, true, [
      `source line ${cmd.line}`,
      `transmit failed at line ${line}: ${reason}`,
    ]);
  }

  event(
    kind: TraceEvent['kind'],
    line: number,
    t = this.lastT,
    atr?: Uint8Array,
    text?: string,
  ): void {
    this.crossGap(line);
    this.flushPending('TRUNCATED_EXCHANGE', `${kind} at line ${line} before any response`);
    this.lastT = Math.max(this.lastT, t);
    this.records.push({
      type: 'event',
      t: this.lastT,
      kind,
      ...(atr ? { atr: toHex(atr) } : {}),
      ...(text ? { text } : {}),
    });
  }

  /** A line that is not part of any exchange and not known noise: reported, and kept as a note. */
  unknown(line: number, text: string, why = 'unknown line'): void {
    const shown = this.reveal ? excerpt(text) : maskSecretsInText(excerpt(text));
    this.diagnose(line, 'warning', 'UNKNOWN_LINE', `${why}: "${shown}"`);
  }

  ignore(line: number, kind: string): void {
    this.ignored.push({ line, kind });
  }

  diagnose(
    line: number,
    severity: DiagnosticSeverity,
    code: ImportDiagnosticCode,
    message: string,
  ): void {
    this.diagnostics.push({ line, severity, code, message });
    this.records.push({
      type: 'event',
      t: this.lastT,
      kind: 'note',
      text: `import: line ${line}: ${code}: ${message}`,
    });
  }

  /** Ends the log: a command still waiting for its response becomes an incomplete exchange. */
  finish(lastLine: number): Array<Omit<TraceRecord, 'seq'>> {
    this.flushPending('TRUNCATED_EXCHANGE', `log ends at line ${lastLine} before the response`);
    return this.records;
  }

  private flushPending(code: ImportDiagnosticCode, why: string): void {
    const cmd = this.pending;
    if (cmd === undefined) return;
    this.pending = undefined;
    this.diagnose(cmd.line, 'warning', code, `${why}: exchange marked incomplete`);
    this.push(cmd, new Uint8Array(0), cmd.t, true, [
      `source line ${cmd.line}`,
      'no response in the source',
    ]);
  }

  private push(
    cmd: PendingCommand,
    response: Uint8Array,
    tEnd: number,
    incomplete: boolean,
    notes: string[],
    swOnly = false,
  ): void {
    const masked: MaskedRange[] = [];
    let command = cmd.bytes;
    if (!this.reveal) {
      const ranges = commandSecretRanges(command);
      for (const r of ranges) masked.push({ field: 'command', ...r });
      command = maskBytes(command, ranges);
    }
    this.records.push({
      type: 'exchange',
      tStart: cmd.t,
      tEnd: Math.max(cmd.t, tEnd),
      command: toHex(command),
      response: toHex(response),
      ...(masked.length > 0 ? { masked } : {}),
      notes,
      ...(incomplete ? { incomplete: true as const } : {}),
      ...(swOnly ? { responseDataUnknown: true as const } : {}),
    });
  }
}
