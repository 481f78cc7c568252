/**
 * What a run produces, before it is written as JSON, JUnit XML and HTML (reports/): per journey
 * (one scenario in one variant of actors) its steps with their artefacts, and the oracle's checks.
 * Paths are relative to the report folder, so a report folder can be moved or archived whole.
 */
import type { SamlMessage } from './saml-capture.ts';

export type Verdict = 'passed' | 'failed' | 'skipped' | 'error';

/** The actors a journey actually ran with (the variant, as reports name it). */
export interface Variant {
  readonly sp: string;
  readonly idp: string;
  readonly app: string;
  readonly card: string;
  readonly browser: string;
}

export interface StepArtefacts {
  /** JPEG screenshot of the browser after the step. */
  readonly screenshot?: string;
  /** Page the browser was on after the step (URL and page id). */
  readonly page?: { readonly url: string; readonly id: string };
  /** Trace records the step added (1-based record numbers in the card's trace, header excluded). */
  readonly apdus?: { readonly from: number; readonly to: number };
  /** SAML messages the browser carried during the step (indexes into the journey's list). */
  readonly saml: readonly number[];
  /** What the phone showed. */
  readonly app?: {
    readonly ok: boolean;
    readonly text: string;
    readonly event?: string;
    readonly detail?: Readonly<Record<string, unknown>>;
  };
}

export interface StepResult {
  readonly index: number;
  readonly do: string;
  /** The step as written, secrets symbolic (`card`, `wrong`…). */
  readonly text: string;
  readonly verdict: Verdict;
  readonly startedMs: number;
  readonly durationMs: number;
  readonly notes: readonly string[];
  readonly error?: string;
  readonly artefacts: StepArtefacts;
}

export interface OracleCheck {
  readonly what: string;
  readonly expected: string;
  readonly actual: string;
  readonly ok: boolean;
}

export interface JourneyResult {
  readonly id: string;
  readonly title: string;
  readonly refs: readonly string[];
  readonly tags: readonly string[];
  readonly variant: Variant;
  /** `<id> [sp=… app=… card=…]`, the JUnit test name. */
  readonly name: string;
  readonly verdict: Verdict;
  /** Why it failed, was skipped or errored. */
  readonly reason?: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly steps: readonly StepResult[];
  readonly oracle: readonly OracleCheck[];
  readonly saml: readonly SamlMessage[];
  /** Relative paths of the journey's files. */
  readonly files: {
    readonly dir: string;
    readonly trace?: string;
    readonly har?: string;
    readonly cardImage?: string;
    /** The PKCS#11 daemon's events (desktop journeys; no PIN digits). */
    readonly middlewareEvents?: string;
  };
}

export interface RunResult {
  readonly tool: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly journeys: readonly JourneyResult[];
  /** SP response cases, when the run had some (sp-cases/). */
  readonly spCases?: readonly SpCaseResult[];
  readonly environment: Readonly<Record<string, string>>;
}

export interface SpCaseResult {
  readonly id: string;
  readonly title: string;
  readonly refs: readonly string[];
  readonly sp: string;
  /** JUnit name: `sp-response.<id> [sp=…]`. */
  readonly name: string;
  readonly expected: string;
  readonly observed: string;
  readonly verdict: Verdict;
  readonly reason?: string;
  readonly durationMs: number;
  readonly screenshot?: string;
  readonly detail: string;
  /** The Response the case sent (relative path). */
  readonly responseFile?: string;
}

export function countVerdicts(
  items: readonly { readonly verdict: Verdict }[],
): Record<Verdict, number> {
  const out: Record<Verdict, number> = { passed: 0, failed: 0, skipped: 0, error: 0 };
  for (const i of items) out[i.verdict]++;
  return out;
}
