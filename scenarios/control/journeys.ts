/**
 * Journeys started from the control server: one catalogue journey per run, run by the scenario
 * runner with its own environment (IdP, SP, Chromium, app agent), its reports written to a folder
 * of its own. Runs are queued and run one at a time — the runner's rule: a journey's timing must
 * not depend on a neighbour's load.
 */
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
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
  | { readonly kind: 'error'; readonly message: string };

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
}

const MAX_LINES = 500;

export class JourneyRunner {
  private readonly runs = new Map<string, JourneyRunInfo>();
  private queue: Promise<void> = Promise.resolve();
  private next = 1;
  private readonly o: JourneyRunnerOptions;

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
    const done = this.queue.then(() => this.execute(run, scenario));
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

  /** Resolves when every queued run has ended. */
  idle(): Promise<void> {
    return this.queue;
  }

  private async execute(run: JourneyRunInfo, s: Scenario): Promise<void> {
    let lines: string[] = [];
    const line = (text: string): void => {
      lines = [...lines, text].slice(-MAX_LINES);
      this.update({ ...this.run(run.id), lines });
    };
    this.update({ ...run, status: { kind: 'running' } });
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
        },
        { onEnvironment: (d) => line(`environment: ${d}`) },
      );
      writeReports(result, run.reportDir);
      const j = result.journeys[0];
      this.update({
        ...this.run(run.id),
        status: j
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
    }
  }

  private update(r: JourneyRunInfo): void {
    this.runs.set(r.id, r);
    this.o.onChange(r);
  }
}
