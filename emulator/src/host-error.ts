/**
 * The one base class of host-side errors: everything that is not a status word the card answers
 * (a malformed file, a missing reader, a refused option, a failed login). Card-side failures are
 * {@link CardError}s, which never leave the card boundary; the two never share a class.
 *
 * Every host error has a stable string `code` (for scripts and tests) and a `kind` that decides
 * the command line's exit code:
 *
 * | kind          | exit | meaning                                                        |
 * |---------------|------|----------------------------------------------------------------|
 * | `verdict`     | 1    | the run worked and its answer is "no": login failed, divergence |
 * | `input`       | 2    | bad input or usage: a file, an option, an argument              |
 * | `environment` | 3    | something the machine lacks: pcscd, a reader, a binding, a browser |
 *
 * Exit 0 is success; any error that is not a host error is a defect and also exits 1, with the
 * words "internal error".
 */
export type FailureKind = 'verdict' | 'input' | 'environment';

/** Exit code of each failure kind (0 is success). */
export const EXIT_CODES = { ok: 0, verdict: 1, input: 2, environment: 3 } as const;

export abstract class HostError extends Error {
  /** Stable identifier of the failure, e.g. `IMAGE_NOT_FOUND`. */
  abstract readonly code: string;
  /** Which exit code the failure maps to; most host errors are bad input. */
  get kind(): FailureKind {
    return 'input';
  }
  override name: string = this.constructor.name;
}

/** A host error whose kind is chosen where it is raised (for codes shared by several kinds). */
export class BenchError extends HostError {
  readonly code: string;
  readonly #kind: FailureKind;
  constructor(code: string, message: string, kind: FailureKind = 'input', options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.#kind = kind;
  }
  override get kind(): FailureKind {
    return this.#kind;
  }
}

/** The exit code of any thrown value (see the table above). */
export function exitCodeOf(error: unknown): number {
  return error instanceof HostError ? EXIT_CODES[error.kind] : EXIT_CODES.verdict;
}
