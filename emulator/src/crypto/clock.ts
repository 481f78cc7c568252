/** Injectable clock (DESIGN.md rule 10). Traces use microseconds from a monotonic source. */

export interface Clock {
  /** Monotonic microseconds (arbitrary origin). */
  nowMicros(): number;
  /** Wall-clock time for headers and certificates. */
  now(): Date;
}

export const systemClock: Clock = {
  nowMicros(): number {
    return Number(process.hrtime.bigint() / 1000n);
  },
  now(): Date {
    return new Date();
  },
};

/** A clock that only moves when told to; for tests and reproducible traces. */
export class ManualClock implements Clock {
  private micros: number;
  private wall: number;

  constructor(start: Date = new Date('2026-01-01T00:00:00Z'), micros = 0) {
    this.wall = start.getTime();
    this.micros = micros;
  }

  nowMicros(): number {
    return this.micros;
  }

  now(): Date {
    return new Date(this.wall + Math.floor(this.micros / 1000));
  }

  advance(micros: number): void {
    this.micros += micros;
  }
}
