/**
 * What a load run counts, in one thread or merged from several: logins ok and failed, arrivals
 * dropped for want of a free citizen, latency histograms per step, per login and per card tap,
 * errors by key with the step and one example, and completions per second of the run. Plain data
 * in and out (`toJSON` / `merge`), so worker threads send theirs to the main thread.
 */
import type { CitizenJourneyResult } from './citizen-journey.ts';
import { Histogram, type HistogramData } from './histogram.ts';

export interface ErrorCount {
  readonly count: number;
  readonly step: string;
  readonly example: string;
}

export interface TallyData {
  readonly arrivals: number;
  readonly ok: number;
  readonly failed: number;
  readonly dropped: number;
  readonly login: HistogramData;
  readonly card: HistogramData;
  readonly steps: readonly [string, HistogramData][];
  readonly errors: readonly [string, ErrorCount][];
  readonly timeline: readonly { readonly ok: number; readonly failed: number }[];
}

export class LoadTally {
  readonly login = new Histogram();
  readonly card = new Histogram();
  readonly steps = new Map<string, Histogram>();
  readonly errors = new Map<string, { count: number; step: string; example: string }>();
  readonly timeline: { ok: number; failed: number }[] = [];
  arrivals = 0;
  ok = 0;
  failed = 0;
  dropped = 0;

  constructor(stepNames: readonly string[] = []) {
    for (const n of stepNames) this.steps.set(n, new Histogram());
  }

  private slot(second: number): { ok: number; failed: number } {
    for (let s = this.timeline.length; s <= second; s++) this.timeline[s] = { ok: 0, failed: 0 };
    return this.timeline[second] as { ok: number; failed: number };
  }

  private stepHistogram(name: string): Histogram {
    let h = this.steps.get(name);
    if (!h) this.steps.set(name, (h = new Histogram()));
    return h;
  }

  /** Counts an error under `key`, keeping the first example. */
  error(key: string, step: string, example: string, count = 1): void {
    const seen = this.errors.get(key);
    if (seen) seen.count += count;
    else this.errors.set(key, { count, step, example });
  }

  /** Records one finished login, completed in second `second` of the run. */
  record(r: CitizenJourneyResult, second: number): void {
    for (const s of r.steps) if (s.ok) this.stepHistogram(s.name).add(s.ms);
    for (const t of r.taps) this.card.add(t);
    const slot = this.slot(second);
    if (r.ok) {
      this.ok++;
      slot.ok++;
      this.login.add(r.totalMs);
      return;
    }
    this.failed++;
    slot.failed++;
    this.error(r.error?.code ?? 'step-error', r.error?.step ?? '?', r.error?.message ?? '');
  }

  toJSON(): TallyData {
    return {
      arrivals: this.arrivals,
      ok: this.ok,
      failed: this.failed,
      dropped: this.dropped,
      login: this.login.toJSON(),
      card: this.card.toJSON(),
      steps: [...this.steps].map(([k, h]) => [k, h.toJSON()]),
      errors: [...this.errors].map(([k, e]) => [k, { ...e }]),
      timeline: this.timeline.map((t) => ({ ...t })),
    };
  }

  merge(d: TallyData): void {
    this.arrivals += d.arrivals;
    this.ok += d.ok;
    this.failed += d.failed;
    this.dropped += d.dropped;
    this.login.merge(d.login);
    this.card.merge(d.card);
    for (const [k, h] of d.steps) this.stepHistogram(k).merge(h);
    for (const [k, e] of d.errors) this.error(k, e.step, e.example, e.count);
    d.timeline.forEach((t, i) => {
      const slot = this.slot(i);
      slot.ok += t.ok;
      slot.failed += t.failed;
    });
  }
}
