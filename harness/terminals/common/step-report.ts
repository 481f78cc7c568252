/**
 * Step reports of the reference terminals (reused by the conformance suite and the scenario
 * runner): every protocol step records its APDUs (wire form, and the plain form under secure
 * messaging, secrets masked unless asked), its timing, a verdict and a precise error. Reports are
 * frozen once the step ends.
 */
import { HostError, type FailureKind } from '../../../emulator/src/host-error.ts';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import { maskBytes, secretRanges } from '../../../emulator/src/apdu/secret-masking.ts';

export interface ApduRecord {
  /** Command as sent (hex). */
  readonly command: string;
  /** Response as received (hex, data ‖ SW). */
  readonly response: string;
  /** Unprotected command under secure messaging (hex, PIN/PUK masked unless secrets are shown). */
  readonly plainCommand?: string;
  /** Unprotected response under secure messaging (hex, with the SW of DO 99). */
  readonly plainResponse?: string;
  /** Milliseconds since the terminal started. */
  readonly atMs: number;
  readonly durationMs: number;
}

export type Verdict = 'pass' | 'fail';

export interface StepError {
  readonly code: string;
  readonly message: string;
  /** Status word that made the step fail, when there was one (hex). */
  readonly sw?: string;
}

export interface StepReport {
  readonly name: string;
  readonly verdict: Verdict;
  readonly apdus: readonly ApduRecord[];
  readonly startMs: number;
  readonly durationMs: number;
  /** What the step established (e.g. "NIS 123456789012", "SSC re-seeded"). */
  readonly detail?: string;
  readonly error?: StepError;
}

/** Host-side terminal failure with a stable code (DESIGN.md §3). */
export class TerminalError extends HostError {
  readonly code: string;
  readonly sw?: number;
  constructor(code: string, message: string, sw?: number) {
    super(message);
    this.code = code;
    if (sw !== undefined) this.sw = sw;
  }
  /** A terminal flow that stops on the card's answer is a failed verdict, not bad input. */
  override get kind(): FailureKind {
    return 'verdict';
  }
}

export function swText(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}

/** Hex of a plain command with PIN/PUK bytes masked (traces/format/masking.ts) unless `show`. */
export function plainCommandHex(command: Uint8Array, show: boolean): string {
  return toHex(show ? command : maskBytes(command, secretRanges(command)));
}

/** Most exchanges kept outside steps. */
export const LOOSE_LIMIT = 1024;

/** Collects APDU records into steps; one instance per terminal session. */
export class StepRecorder {
  private readonly steps: StepReport[] = [];
  private current: ApduRecord[] | undefined;
  private readonly now: () => number;
  private readonly origin: number;
  private depth = 0;
  /** Exchanges dropped outside any step because of {@link LOOSE_LIMIT}. */
  droppedLoose = 0;

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
    this.origin = now();
  }

  elapsed(): number {
    return this.now() - this.origin;
  }

  record(r: Omit<ApduRecord, 'atMs'> & { startedAt: number }): void {
    const { startedAt, ...rest } = r;
    const list = (this.current ??= []);
    // Outside steps (long loops of building blocks) memory stays bounded: the oldest are dropped.
    if (this.depth === 0 && list.length >= LOOSE_LIMIT) {
      list.shift();
      this.droppedLoose++;
    }
    list.push(Object.freeze({ ...rest, atMs: startedAt - this.origin }));
  }

  /** Adds fields (e.g. the plain response once SM-decoded) to the last recorded exchange. */
  annotateLast(extra: Partial<Pick<ApduRecord, 'plainResponse' | 'plainCommand'>>): void {
    const list = this.current;
    const last = list?.[list.length - 1];
    if (list && last) list[list.length - 1] = Object.freeze({ ...last, ...extra });
  }

  /**
   * Runs `fn` as step `name`; failures are recorded and rethrown. A step started inside another
   * one is part of it (its APDUs go to the outer step), so building blocks compose into flows.
   */
  async step<T>(
    name: string,
    fn: () => Promise<T>,
    detail?: (value: T) => string | undefined,
  ): Promise<T> {
    if (this.depth > 0) return fn();
    const outer = this.current;
    this.current = [];
    this.depth++;
    const start = this.now();
    try {
      const value = await fn();
      const d = detail?.(value);
      this.finish({ name, verdict: 'pass', start, ...(d ? { detail: d } : {}) });
      return value;
    } catch (e) {
      const err = e as Error & { code?: string; sw?: number };
      const error: StepError = {
        code: err.code ?? 'INTERNAL',
        message: err.message,
        ...(err.sw !== undefined ? { sw: swText(err.sw) } : {}),
      };
      this.finish({ name, verdict: 'fail', start, error });
      throw e;
    } finally {
      this.depth--;
      this.current = outer;
    }
  }

  private finish(s: {
    name: string;
    verdict: Verdict;
    start: number;
    detail?: string;
    error?: StepError;
  }): void {
    const apdus = Object.freeze([...(this.current ?? [])]);
    this.steps.push(
      Object.freeze({
        name: s.name,
        verdict: s.verdict,
        apdus,
        startMs: s.start - this.origin,
        durationMs: this.now() - s.start,
        ...(s.detail ? { detail: s.detail } : {}),
        ...(s.error ? { error: Object.freeze(s.error) } : {}),
      }),
    );
  }

  /** APDUs sent outside any step are kept in an implicit step so nothing goes unreported. */
  flushLoose(name = 'other exchanges'): void {
    if (this.current && this.current.length > 0) {
      this.steps.push(
        Object.freeze({
          name,
          verdict: 'pass',
          apdus: Object.freeze([...this.current]),
          startMs: 0,
          durationMs: 0,
        }),
      );
      this.current = undefined;
    }
  }

  get reports(): readonly StepReport[] {
    return Object.freeze([...this.steps]);
  }
}
