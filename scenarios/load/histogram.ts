/**
 * Latency histogram for load runs: logarithmic buckets 2 % wide from 10 µs to about 10 minutes
 * (the HdrHistogram idea with a fixed relative precision), so millions of samples take a few
 * kilobytes, histograms of several workers merge exactly, and a quantile is off by at most 2 %.
 */

const MIN_MS = 0.01;
const RATIO = 1.02;
const BUCKETS = Math.ceil(Math.log(600_000 / MIN_MS) / Math.log(RATIO)) + 1;
const LOG_RATIO = Math.log(RATIO);

function bucketOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_RATIO));
}

/** Upper bound of bucket `i` (what a quantile reports). */
function upperOf(i: number): number {
  return MIN_MS * RATIO ** i;
}

/** Serialisable form (for worker threads and reports). */
export interface HistogramData {
  readonly counts: readonly [number, number][];
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

export class Histogram {
  private readonly counts = new Map<number, number>();
  count = 0;
  sum = 0;
  min = Infinity;
  max = 0;

  add(ms: number): void {
    const b = bucketOf(ms);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  merge(h: Histogram | HistogramData): void {
    const counts = h instanceof Histogram ? [...h.counts] : h.counts;
    for (const [b, n] of counts) this.counts.set(b, (this.counts.get(b) ?? 0) + n);
    this.count += h.count;
    this.sum += h.sum;
    this.min = Math.min(this.min, h.min);
    this.max = Math.max(this.max, h.max);
  }

  /** The `q` quantile (0 < q ≤ 1) in ms, as the upper bound of its bucket (never above max). */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      seen += this.counts.get(b) as number;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, upperOf(b)));
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  toJSON(): HistogramData {
    return {
      counts: [...this.counts],
      count: this.count,
      sum: this.sum,
      min: this.count === 0 ? 0 : this.min,
      max: this.max,
    };
  }

  static from(d: HistogramData): Histogram {
    const h = new Histogram();
    h.merge(d.count === 0 ? { ...d, min: Infinity } : d);
    return h;
  }
}

/** The summary a report prints for one histogram. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function summarise(h: Histogram): LatencySummary {
  return {
    count: h.count,
    p50: h.quantile(0.5),
    p95: h.quantile(0.95),
    p99: h.quantile(0.99),
    max: h.max,
    mean: h.mean,
  };
}
