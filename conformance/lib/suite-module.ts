/**
 * How a suite plugs into the engine: its cases, the preconditions and placeholders only it
 * needs, and host-side services (reference terminals) built once per run.
 */
import { HostError } from '../../emulator/src/host-error.ts';
import type { Placeholder } from './case-context.ts';
import type { Ics } from './ics.ts';
import type { ConformanceCase, SuiteId } from './model.ts';
import { GENERIC_PRECONDITIONS, PreconditionRegistry, type Precondition } from './preconditions.ts';
import type { SecretRef } from './budget.ts';

export interface SuiteModule {
  readonly id: SuiteId;
  readonly title: string;
  readonly cases: readonly ConformanceCase[];
  readonly preconditions?: readonly Precondition[];
  readonly placeholders?: ReadonlyMap<string, Placeholder>;
  /** Host-side helpers for this suite, built once per run from the ICS. */
  services?(ics: Ics): ReadonlyMap<string, unknown>;
  /** Secrets the tries budget guards (PIN/PUK references and their maximum tries). */
  secrets?(ics: Ics): readonly SecretRef[];
}

export interface RunPlan {
  readonly cases: readonly ConformanceCase[];
  readonly preconditions: PreconditionRegistry;
  readonly placeholders: ReadonlyMap<string, Placeholder>;
  readonly services: ReadonlyMap<string, unknown>;
  readonly secrets: readonly SecretRef[];
}

export class SuiteDefinitionError extends HostError {
  readonly code = 'SUITE_DEFINITION';
}

/**
 * Merges suites into one plan. Every module's preconditions are registered (a case of one suite
 * may use another's, e.g. the ISO SM cases use `pace_done`). Duplicate case ids are refused.
 */
export function planRun(
  all: readonly SuiteModule[],
  selected: readonly SuiteId[],
  ics: Ics,
): RunPlan {
  const preconditions = new PreconditionRegistry().register(...GENERIC_PRECONDITIONS);
  const placeholders = new Map<string, Placeholder>();
  const services = new Map<string, unknown>();
  const secrets: SecretRef[] = [];
  for (const m of all) {
    preconditions.register(...(m.preconditions ?? []));
    for (const [k, v] of m.placeholders ?? []) placeholders.set(k, v);
    for (const [k, v] of m.services?.(ics) ?? []) services.set(k, v);
    for (const s of m.secrets?.(ics) ?? [])
      if (!secrets.some((x) => x.ref === s.ref)) secrets.push(s);
  }
  const cases = all.filter((m) => selected.includes(m.id)).flatMap((m) => m.cases);
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.id)) throw new SuiteDefinitionError(`duplicate case id ${c.id}`);
    seen.add(c.id);
    for (const p of c.preconditions ?? []) {
      if (!preconditions.has(p))
        throw new SuiteDefinitionError(`case ${c.id} names unknown precondition ${p}`);
    }
    if (c.refs.length === 0) throw new SuiteDefinitionError(`case ${c.id} has no reference`);
  }
  return { cases, preconditions, placeholders, services, secrets };
}
