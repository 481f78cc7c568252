/**
 * Loading journeys: the catalogue shipped with the package (`scenarios/catalogue/*.json`) or a
 * user's own JSON file, each validated with zod and its step groups expanded. Every problem names
 * the file and the path inside it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BenchError } from '../../emulator/src/host-error.ts';
import { packageFile } from '../../emulator/src/package-root.ts';
import { expandUse, StepGroupError } from './library.ts';
import { scenarioInputSchema, type Actors } from './model.ts';
import type { Oracle } from './oracle-model.ts';
import { stepSchema, type Step } from './steps.ts';

/** A journey ready to run: groups expanded, defaults filled in. */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly refs: readonly string[];
  readonly tags: readonly string[];
  readonly pending?: string;
  readonly knownDefects: readonly { readonly match: string; readonly reason: string }[];
  readonly actors: Actors;
  readonly steps: readonly Step[];
  readonly oracle: Oracle;
  /** Where it was read from. */
  readonly source: string;
}

export class ScenarioFileError extends BenchError {
  constructor(message: string) {
    super('SCENARIO_FILE', message, 'input');
  }
}

/** The catalogue folder shipped with the package. */
export const CATALOGUE_DIR = packageFile('scenarios', 'catalogue');

/** Validates one definition (already parsed JSON) and expands its step groups. */
export function parseScenario(json: unknown, source: string): Scenario {
  const r = scenarioInputSchema.safeParse(json);
  if (!r.success)
    throw new ScenarioFileError(
      `${source}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  const steps: Step[] = [];
  r.data.steps.forEach((s, i) => {
    if (!('use' in s)) return void steps.push(s);
    let expanded;
    try {
      expanded = expandUse(s);
    } catch (e) {
      if (e instanceof StepGroupError)
        throw new ScenarioFileError(`${source}: steps.${i}: ${e.message}`);
      throw e;
    }
    for (const x of expanded) steps.push(stepSchema.parse(x));
  });
  const d = r.data;
  return {
    id: d.id,
    title: d.title,
    refs: d.refs,
    tags: d.tags,
    ...(d.pending === undefined ? {} : { pending: d.pending }),
    knownDefects: d.knownDefects,
    actors: d.actors,
    steps,
    oracle: d.oracle,
    source,
  };
}

/** Reads a definition file (JSON). */
export function readScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ScenarioFileError(`${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ScenarioFileError(`${path}: not JSON (${(e as Error).message})`);
  }
  const s = parseScenario(json, path);
  // Catalogue files are `NN-<id>.json`: the number orders the journeys by family.
  const expected = basename(path)
    .replace(/\.json$/, '')
    .replace(/^\d+-/, '');
  if (path.startsWith(CATALOGUE_DIR) && expected !== s.id)
    throw new ScenarioFileError(`${path}: the id '${s.id}' differs from the file name`);
  return s;
}

/** Every journey of a folder (`*.json`, sorted by file name). */
export function readScenarioDir(dir: string): Scenario[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => readScenarioFile(join(dir, f)));
}

/** The catalogue, in file-name order (the files are numbered by journey family). */
export function catalogue(): Scenario[] {
  const all = readScenarioDir(CATALOGUE_DIR);
  const seen = new Set<string>();
  for (const s of all) {
    if (seen.has(s.id)) throw new ScenarioFileError(`duplicate journey id '${s.id}'`);
    seen.add(s.id);
  }
  return all;
}

/**
 * What `scenario run <id…|file>` names: catalogue ids, definition files, folders of them, or
 * `all`. Unknown names are an input error listing the known ids.
 */
export function selectScenarios(
  names: readonly string[],
  from: () => Scenario[] = catalogue,
): Scenario[] {
  const known = from();
  const out: Scenario[] = [];
  for (const n of names) {
    if (n === 'all') out.push(...known);
    else if (existsSync(n) && statSync(n).isDirectory()) out.push(...readScenarioDir(n));
    else if (n.endsWith('.json') || n.includes('/')) out.push(readScenarioFile(n));
    else {
      const s = known.find((k) => k.id === n);
      if (!s)
        throw new ScenarioFileError(
          `no journey '${n}' in the catalogue (ciebench scenario list shows the ids)`,
        );
      out.push(s);
    }
  }
  return out;
}
