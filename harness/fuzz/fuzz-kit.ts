/**
 * What every fuzz target shares: a seeded source of choices (the run replays exactly from its
 * seed), and the tally each target reports — inputs tried, invariant violations, and the first few
 * violations with what is needed to replay them.
 */
import { seededRng, type Rng } from '../../emulator/src/crypto/rng.ts';

/** Seeded choices on top of the project's DRBG (crypto/rng.ts), buffered for speed. */
export class Chooser {
  private readonly rng: Rng;
  private pool: Uint8Array = new Uint8Array(0);
  private at = 0;

  constructor(seed: string) {
    this.rng = seededRng(seed);
  }

  byte(): number {
    if (this.at >= this.pool.length) {
      this.pool = this.rng.bytes(4096);
      this.at = 0;
    }
    return this.pool[this.at++] as number;
  }

  /** Uniform integer in [0, n) for n ≤ 2^24 (the bias of the modulo is irrelevant here). */
  int(n: number): number {
    const v = (this.byte() << 16) | (this.byte() << 8) | this.byte();
    return v % n;
  }

  chance(p: number): boolean {
    return this.int(1_000_000) < p * 1_000_000;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.byte();
    return out;
  }
}

export interface Violation {
  readonly input: number;
  readonly what: string;
}

/** The tally of one target. */
export class Tally {
  readonly target: string;
  readonly invariant: string;
  inputs = 0;
  readonly violations: Violation[] = [];
  private count = 0;
  readonly figures: string[] = [];

  constructor(target: string, invariant: string) {
    this.target = target;
    this.invariant = invariant;
  }

  /** Records a violation of input `input` (the first 5 are kept with their details). */
  fail(what: string): void {
    this.count++;
    if (this.violations.length < 5) this.violations.push({ input: this.inputs, what });
  }

  get violationCount(): number {
    return this.count;
  }
}

/** A fuzz target: runs with its own seed, reports its tally. */
export interface FuzzTarget {
  readonly name: string;
  run(seed: string): Promise<Tally>;
}
