import type { ExternalActors } from '../environment.ts';
import type { SpCaseResult } from '../results.ts';
export interface SpCaseRunOptions {
  readonly sp: string;
  readonly reportDir: string;
  readonly headed: boolean;
  readonly external: ExternalActors;
  readonly onResult?: (r: SpCaseResult) => void;
}
export async function runSpCases(
  _ids: readonly string[],
  _o: SpCaseRunOptions,
): Promise<{ results: SpCaseResult[]; environment: Record<string, string> }> {
  return { results: [], environment: {} };
}
