/**
 * Journeys started from the control server: one catalogue journey per run, run by the scenario
 * runner with its own environment (IdP, SP, Chromium, app agent), its reports written to a folder
 * of its own. Runs are queued and run one at a time — the runner's rule: a journey's timing must
 * not depend on a neighbour's load.
 */
import { join, relative, resolve, sep } from 'node:path';
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { SamlMessage } from '../runner/saml-capture.ts';
import type { StepResult } from '../runner/results.ts';
import { catalogue, type Scenario } from '../runner/load.ts';
import { writeReports } from '../runner/reports/write.ts';
import type { Variant, Verdict } from '../runner/results.ts';
import { runScenarios, type ActorOverrides } from '../runner/run.ts';
import { NotFoundError } from './station.ts';
import { resolveCardSpec } from '../../harness/cards/card-registry.ts';
import { BenchError } from '../../emulator/src/host-error.ts';

/** A journey run: queued, running (with the step lines so far), then finished or errored. */
export type RunStatus =
  | { readonly kind: 'queued' }
  | { readonly kind: 'running' }
  | {
      readonly kind: 'finished';
      readonly verdict: Verdict;
      readonly reason?: string;
      /** The actors it ran with (SP, IdP, app channel, card, browser). */
      readonly variant: Variant;
    }
  | { readonly kind: 'error'; readonly message: string }
  /** Cancelled while queued, or while running (it stopped before its next step). */
  | { readonly kind: 'cancelled'; readonly afterSteps: number };

export interface JourneyRunInfo {
  readonly id: string;
  readonly journey: string;
  readonly title: string;
  /** The actors chosen at start (the journey's own for the rest). */
  readonly overrides: ActorOverrides;
  readonly status: RunStatus;
  readonly lines: readonly string[];
  /** The report folder (report.html, report.json, junit.xml, artefacts). */
  readonly reportDir: string;
}

/** A step of a running journey as the stream carries it: the step, its screenshot, its SAML. */
export interface JourneyStepEvent {
  readonly run: string;
  readonly step: StepResult;
  /** The SAML messages the browser carried during the step, decoded. */
  readonly saml: readonly Pick<SamlMessage, 'kind' | 'binding' | 'url' | 'summary' | 'xml'>[];
}

/** A file a run left in its report folder. */
export interface ArtefactInfo {
  /** Relative to the report folder, `/`-separated (the `path` of GET …/artefact). */
  readonly path: string;
  readonly bytes: number;
  readonly type: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.har': 'application/json',
  '.xml': 'application/xml',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
};

function typeOf(path: string): string {
  const dot = path.lastIndexOf('.');
  return (
    (dot >= 0 ? TYPES[path.slice(dot).toLowerCase()] : undefined) ?? 'application/octet-stream'
  );
}

function listFiles(root: string, dir = root, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) listFiles(root, p, out);
    else if (e.isFile()) out.push(relative(root, p).split(sep).join('/'));
  }
  return out;
}

export interface CatalogueEntry {
  readonly id: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly pending?: string;
}

export interface JourneyRunnerOptions {
  readonly reportRoot: string;
  readonly showSecrets: boolean;
  readonly onChange: (run: JourneyRunInfo) => void;
  /** Each step of a running journey as it ends. */
  readonly onStep?: (e: JourneyStepEvent) => void;
}

const MAX_LINES = 500;

export class JourneyRunner {
  private readonly runs = new Map<string, JourneyRunInfo>();
  private queue: Promise<void> = Promise.resolve();
  private next = 1;
  private readonly o: JourneyRunnerOptions;
  private readonly aborts = new Map<string, AbortController>();

  constructor(o: JourneyRunnerOptions) {
    this.o = o;
  }

  list(): CatalogueEntry[] {
    return catalogue().map((s) => ({
      id: s.id,
      title: s.title,
      tags: s.tags,
      ...(s.pending ? { pending: s.pending } : {}),
    }));
  }

  /** Queues catalogue journey `journeyId` with the actors chosen (the journey's own for the rest). */
  start(
    journeyId: string,
    overrides: ActorOverrides = {},
  ): { readonly run: JourneyRunInfo; done: Promise<void> } {
    const scenario = catalogue().find((s) => s.id === journeyId);
    if (!scenario)
      throw new BenchError(
        'CONTROL_UNKNOWN_JOURNEY',
        `unknown journey '${journeyId}' (GET /api/journeys lists the catalogue)`,
        'input',
      );
    // A card the registry does not know is the caller's mistake: refused now, not in the run.
    if (overrides.card !== undefined) resolveCardSpec(overrides.card);
    const id = `r${this.next++}`;
    const run: JourneyRunInfo = {
      id,
      journey: scenario.id,
      title: scenario.title,
      overrides,
      status: { kind: 'queued' },
      lines: [],
      reportDir: resolve(join(this.o.reportRoot, `${id}-${scenario.id}`)),
    };
    this.update(run);
    const abort = new AbortController();
    this.aborts.set(id, abort);
    const done = this.queue.then(() =>
      abort.signal.aborted ? undefined : this.execute(run, scenario, abort.signal),
    );
    this.queue = done;
    return { run, done };
  }

  run(id: string): JourneyRunInfo {
    const r = this.runs.get(id);
    if (!r) throw new NotFoundError(`journey run '${id}'`);
    return r;
  }

  listRuns(): JourneyRunInfo[] {
    return [...this.runs.values()];
  }

  /** The HTML report of a finished run. */
  reportFile(id: string): string {
    const r = this.run(id);
    const file = join(r.reportDir, 'report.html');
    if (r.status.kind !== 'finished' || !existsSync(file))
      throw new BenchError(
        'CONTROL_NO_REPORT',
        `journey run '${id}' has no report yet (status ${r.status.kind})`,
        'input',
      );
    return file;
  }

  /**
   * Cancels a run: a queued one never starts; a running one stops before its next step (the
   * step running ends first, and the run's report says it was cancelled). A run that has ended
   * cannot be cancelled.
   */
  cancel(id: string): JourneyRunInfo {
    const r = this.run(id);
    if (r.status.kind === 'queued') {
      this.aborts.get(id)?.abort();
      this.aborts.delete(id);
      this.update({ ...r, status: { kind: 'cancelled', afterSteps: 0 } });
    } else if (r.status.kind === 'running') this.aborts.get(id)?.abort();
    else
      throw new BenchError(
        'CONTROL_RUN_ENDED',
        `journey run '${id}' has ended (status ${r.status.kind}): nothing to cancel`,
        'input',
      );
    return this.run(id);
  }

  /** The files a run has left so far (report, screenshots, SAML, trace, HAR, card image). */
  artefacts(id: string): ArtefactInfo[] {
    const dir = this.run(id).reportDir;
    return listFiles(dir).map((path) => ({
      path,
      bytes: statSync(join(dir, path)).size,
      type: typeOf(path),
    }));
  }

  /** One artefact of a run by its listed path; anything outside the run's folder is refused. */
  artefact(id: string, path: string): { file: string; type: string } {
    const dir = this.run(id).reportDir;
    const file = resolve(dir, path);
    if (!file.startsWith(`${dir}${sep}`) || path.split('/').includes('..'))
      throw new BenchError(
        'CONTROL_ARTEFACT_PATH',
        `'${path}' is outside the run's folder`,
        'input',
      );
    if (!existsSync(file) || !statSync(file).isFile())
      throw new NotFoundError(`artefact '${path}' of journey run '${id}'`);
    return { file, type: typeOf(path) };
  }

  /** Resolves when every queued run has ended. */
  idle(): Promise<void> {
    return this.queue;
  }

  private async execute(run: JourneyRunInfo, s: Scenario, signal: AbortSignal): Promise<void> {
    let lines: string[] = [];
    const line = (text: string): void => {
      lines = [...lines, text].slice(-MAX_LINES);
      this.update({ ...this.run(run.id), lines });
    };
    this.update({ ...run, status: { kind: 'running' } });
    let stepsDone = 0;
    try {
      const result = await runScenarios(
        [s],
        {
          reportDir: run.reportDir,
          headed: false,
          showSecrets: this.o.showSecrets,
          overrides: run.overrides,
          external: {},
          onLine: line,
          signal,
          onStep: (step, saml) => {
            stepsDone++;
            this.o.onStep?.({
              run: run.id,
              step,
              saml: saml.map(({ kind, binding, url, summary, xml }) => ({
                kind,
                binding,
                url,
                summary,
                xml,
              })),
            });
          },
        },
        { onEnvironment: (d) => line(`environment: ${d}`) },
      );
      writeReports(result, run.reportDir);
      const j = result.journeys[0];
      this.update({
        ...this.run(run.id),
        // Cancelled only when it did stop early: a cancel after the last step changes nothing.
        status: j?.reason?.startsWith('cancelled before step')
          ? { kind: 'cancelled', afterSteps: stepsDone }
          : j
            ? {
                kind: 'finished',
                verdict: j.verdict,
                ...(j.reason ? { reason: j.reason } : {}),
                variant: j.variant,
              }
            : { kind: 'error', message: 'the runner returned no journey' },
      });
    } catch (e) {
      this.update({ ...this.run(run.id), status: { kind: 'error', message: String(e) } });
    } finally {
      this.aborts.delete(run.id);
    }
  }

  private update(r: JourneyRunInfo): void {
    this.runs.set(r.id, r);
    this.o.onChange(r);
  }
}
