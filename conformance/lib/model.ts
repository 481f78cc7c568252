/**
 * The conformance-case model: a case is data plus small code, shaped after the ICAO "RF Protocol
 * and Application Test Standard for eMRTD – Part 3" v3.2 test-case anatomy (emrtd/README.md §4.3): an id,
 * a purpose, the profile tokens it applies to, named preconditions, numbered steps (APDU templates
 * whose protected parts are computed at run time) and, per step, the accepted status words and
 * data checks.
 *
 * ```
 * case ─► applicable? (ICS tokens) ─► destructive allowed? ─► reset ─► preconditions ─► steps
 *            │ no: not-applicable        │ no: skipped              │ fail: inconclusive
 *                                                                    each step: send ─► expect
 *                                                                      first mismatch: failed
 * ```
 */
import type { CommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import type { CaseContext } from './case-context.ts';

/** Which suite a case belongs to (reports group by suite, then category). */
export type SuiteId = 'iso7816' | 'cie-ias' | 'emrtd';

export const SUITE_IDS: readonly SuiteId[] = ['iso7816', 'cie-ias', 'emrtd'];

/**
 * passed / failed / not-applicable (ICS says the feature is absent) / inconclusive (a
 * precondition or the transport failed, so the card was not judged) / skipped (the run's safety
 * settings forbade it: destructive without `--destructive`, or the tries budget).
 */
export type Verdict = 'passed' | 'failed' | 'not-applicable' | 'inconclusive' | 'skipped';

export const VERDICTS: readonly Verdict[] = [
  'passed',
  'failed',
  'not-applicable',
  'inconclusive',
  'skipped',
];

/** A document and the clause the case checks (every case has at least one). */
export interface Reference {
  readonly doc: string;
  readonly clause: string;
}

/**
 * What a destructive case consumes or changes. Cases marked destructive run only with
 * `--destructive`; `pin`/`puk` are the wrong tries the case spends (the tries budget checks them
 * before the case starts); `irreversible` cases need a disposable card (an in-process copy).
 */
export interface Destructive {
  readonly reason: string;
  readonly pin?: number;
  readonly puk?: number;
  readonly irreversible?: boolean;
}

/**
 * How a step's command travels: in plain, SM-protected, SM-protected the way the desktop
 * middleware does it (DO 97 `00` even without Le, ias/README.md §4.2 item 8), or SM-protected with a
 * deliberate fault.
 */
export type Protection = 'plain' | 'sm' | 'sm-le-00' | SmFault;

/**
 * Deliberate secure-messaging faults (ICAO Part 3 ISO7816_C_12..C_18, P_79, P_80; ISO/IEC
 * 7816-4:2020 §6): the command is wrapped correctly, then damaged in one way.
 */
export type SmFault =
  | 'sm-corrupt-mac'
  | 'sm-drop-mac'
  | 'sm-skip-ssc'
  | 'sm-corrupt-cryptogram'
  | 'sm-wrong-cryptogram-do'
  | 'sm-unknown-do'
  | 'sm-truncated-mac';

/**
 * Where a step's command comes from: a hex template (`<NAME>` placeholders), code (returning a
 * template, bytes or a command), or a raw frame
 * sent as is (malformed on purpose; plain only), or a warm reset (the step observes the ATR with a
 * pseudo status 9000; the terminal keeps its SM session so later steps can show the card lost it).
 */
export type ApduSource =
  | string
  | ((ctx: CaseContext) => string | Uint8Array | CommandApdu)
  | { readonly raw: string }
  | { readonly reset: true };

/**
 * Accepted status words: patterns such as `9000`, `6Cxx`, `63Cx`, `61xx`; `success` (9000),
 * `error` (any checking or execution error, SW1 64..6F), or a function of the context (for
 * values the ICS declares).
 */
export type SwExpectation =
  readonly string[] | 'success' | 'error' | ((ctx: CaseContext) => readonly string[]);

/** One check on the response data; `check` returns a failure message or undefined. */
export type DataCheck =
  | { readonly empty: true }
  | { readonly prefix: string }
  | { readonly equals: string | ((ctx: CaseContext) => Uint8Array) }
  | { readonly length: number | ((ctx: CaseContext) => number) }
  | { readonly minLength: number }
  | {
      readonly what: string;
      readonly check: (data: Uint8Array, ctx: CaseContext) => string | undefined;
    };

export type SmForm = 'protected' | 'plain' | 'either';

export interface Expectation {
  readonly sw: SwExpectation;
  readonly data?: DataCheck | readonly DataCheck[];
  /**
   * For protected steps: `protected` = the response must be a valid SM response (MAC verified,
   * status from DO 99); `plain` = it must be a bare status word (an SM error ends the session);
   * `either` = whichever arrives is judged. Default: `protected` when the expected set contains a
   * success, `either` otherwise.
   */
  readonly sm?: SmForm | ((ctx: CaseContext) => SmForm);
  /** Why alternatives are accepted (clause), shown in reports next to the expected set. */
  readonly why?: string;
}

/** What a step observed, after SM unwrapping when it applies. */
export interface StepResponse {
  readonly sw: number;
  readonly data: Uint8Array;
  /** True when the response was a verified SM response (sw/data from DO 99 / DO 87). */
  readonly protected: boolean;
  /** Outer status word on the wire (differs from `sw` under the CIE `ok` policy). */
  readonly outerSw: number;
  readonly raw: Uint8Array;
  /** For protected steps whose response carried data but failed SM verification. */
  readonly smError?: string;
}

/**
 * A step made of small code instead of one APDU: it talks to the card through the context (every
 * exchange is logged) and returns a failure message, or undefined when the card behaved as
 * `expected` says. Used where one check needs several exchanges (read a whole file, then verify
 * a signature over it).
 */
export interface ProcedureStep {
  readonly title: string;
  readonly expected: string;
  readonly procedure: (ctx: CaseContext) => Promise<string | undefined>;
}

export type Step = ApduStep | ProcedureStep;

export interface ApduStep {
  readonly title: string;
  readonly send: ApduSource;
  readonly protect?: Protection;
  readonly expect: Expectation;
  /** Runs after a passing step (captures values for later steps). */
  readonly after?: (ctx: CaseContext, r: StepResponse) => void;
}

export interface ConformanceCase {
  readonly id: string;
  readonly title: string;
  readonly suite: SuiteId;
  /** ICAO category (`ISO7816_C`, `LDS_D`) or ours (`ISO7816_GEN_SELECT`, `CIE_IAS_SM`). */
  readonly category: string;
  readonly refs: readonly Reference[];
  /** Every token must be declared by the ICS (or the target) for the case to apply. */
  readonly applies?: readonly string[];
  /** The case does not apply when any of these tokens is declared. */
  readonly unless?: readonly string[];
  readonly preconditions?: readonly string[];
  readonly destructive?: Destructive;
  readonly steps: readonly Step[];
}

/** One exchange in a case's APDU log. */
export interface LogEntry {
  readonly seq: number;
  /** `reset`, `precondition pace_done`, `step 2`, … */
  readonly phase: string;
  readonly command: string;
  readonly response: string;
  readonly plainCommand?: string;
  readonly plainResponse?: string;
  /** Milliseconds from the start of the case. */
  readonly t: number;
  readonly note?: string;
}

export interface StepResult {
  readonly index: number;
  readonly title: string;
  readonly passed: boolean;
  readonly expected: string;
  readonly observed: string;
  readonly message?: string;
}

export interface CaseResult {
  readonly id: string;
  readonly title: string;
  readonly suite: SuiteId;
  readonly category: string;
  readonly refs: readonly Reference[];
  readonly verdict: Verdict;
  /** Why the verdict (failed step, missing token, precondition error, safety rule). */
  readonly reason?: string;
  readonly steps: readonly StepResult[];
  readonly log: readonly LogEntry[];
  readonly ms: number;
  readonly destructive?: Destructive;
}

export interface RunSummary {
  readonly total: number;
  readonly counts: Readonly<Record<Verdict, number>>;
}

/** One ICAO Part 3 matrix case: covered by an applicable suite case, not applicable, or missing. */
export interface CaseCoverage {
  readonly id: string;
  readonly status: 'covered' | 'n/a' | 'missing';
  /** Why n/a (the ICS reason) or missing. */
  readonly reason?: string;
}

export interface CategoryCoverage {
  readonly category: string;
  readonly total: number;
  readonly covered: number;
  readonly notApplicable: number;
  readonly missing: number;
  readonly cases: readonly CaseCoverage[];
}

/** Coverage of the ICAO Part 3 matrix by the suite under the run's ICS (conformance/icao-part3/). */
export interface MatrixCoverage {
  readonly matrix: string;
  readonly total: number;
  readonly covered: number;
  readonly notApplicable: number;
  readonly missing: number;
  readonly categories: readonly CategoryCoverage[];
}

export interface RunResult {
  readonly tool: string;
  readonly startedAt: string;
  readonly ms: number;
  readonly target: string;
  readonly atr: string;
  readonly ics: {
    readonly personality: string;
    readonly description: string;
    readonly source: string;
  };
  readonly options: {
    readonly destructive: boolean;
    readonly triesFloor: number;
    readonly suites: readonly SuiteId[];
    readonly only?: readonly string[];
  };
  readonly summary: RunSummary;
  readonly results: readonly CaseResult[];
  /** ICAO Part 3 coverage, when the run includes the eMRTD suite. */
  readonly coverage?: MatrixCoverage;
}
