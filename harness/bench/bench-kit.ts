/**
 * Minimal benchmark kit. Targets are ratios against a baseline measured in the same run (the null
 * card), or absolute rates; `npm run bench` prints every metric and fails when a target is missed.
 * Benchmarks never run inside the test suite (no timed assertions in tests).
 */

export interface BenchTarget {
  readonly op: '>=' | '<=';
  readonly value: number;
}

export interface BenchMetric {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: BenchTarget;
  /** Free text shown after the value (e.g. the baseline it is compared with). */
  readonly detail?: string;
}

export interface BenchSuite {
  readonly name: string;
  run(): Promise<BenchMetric[]>;
}

export function meets(m: BenchMetric): boolean | undefined {
  if (!m.target) return undefined;
  return m.target.op === '>=' ? m.value >= m.target.value : m.value <= m.target.value;
}

/** Calls `fn` repeatedly for at least `minMs` (after a warm-up) and returns operations per second. */
export async function measureRate(
  fn: () => Promise<unknown> | unknown,
  minMs = 1500,
  warmupMs = 300,
): Promise<number> {
  const run = async (ms: number): Promise<number> => {
    const start = performance.now();
    let n = 0;
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < 256; i++) await fn();
      n += 256;
      now = performance.now();
    }
    return (n * 1000) / (now - start);
  };
  await run(warmupMs);
  return run(minMs);
}

export interface Durations {
  readonly median: number;
  readonly p95: number;
  readonly runs: number;
}

/** Runs `fn` `runs` times and returns the median and 95th percentile in milliseconds. */
export async function measureDurations(
  fn: () => Promise<unknown> | unknown,
  runs: number,
  warmup = 3,
): Promise<Durations> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number): number =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
  return { median: at(0.5), p95: at(0.95), runs };
}
