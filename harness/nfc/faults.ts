/**
 * Deterministic fault injection for contactless sessions. A plan is a list of faults; what happens
 * to the n-th APDU of an activation depends only on the plan, n and the time since activation,
 * never on the run's history, so a failing mobile test replays exactly.
 *
 * | kind                     | effect on the APDU                                                  |
 * |--------------------------|---------------------------------------------------------------------|
 * | `tag-lost`               | at APDU n the card has left: the command never reaches it           |
 * | `tag-lost-after`         | the card leaves `ms` after activation (checked at every APDU)       |
 * | `field-off-mid-command`  | APDU n reaches the card (its state changes) but the answer is lost  |
 * | `delay`                  | APDU n (or every APDU) takes `ms` longer: WTX, or FWT expiry        |
 * | `corrupt-response`       | APDU n's answer reaches the app damaged (one bit flipped, or cut)   |
 * | `random`                 | each of the above with a rate, drawn from `seed` and n              |
 */
import { z } from 'zod';
import { seededRng } from '../../emulator/src/crypto/rng.ts';

const atApdu = z.number().int().min(1);
const rate = z.number().min(0).max(1).default(0);

export const FaultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tag-lost'), atApdu }).strict(),
  z.object({ kind: z.literal('tag-lost-after'), ms: z.number().min(0).max(3_600_000) }).strict(),
  z.object({ kind: z.literal('field-off-mid-command'), atApdu }).strict(),
  z
    .object({
      kind: z.literal('delay'),
      atApdu: atApdu.optional(),
      ms: z.number().min(0).max(60_000),
    })
    .strict(),
  z
    .object({
      kind: z.literal('corrupt-response'),
      atApdu,
      mode: z.enum(['flip-bit', 'truncate']).default('flip-bit'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('random'),
      seed: z.string().min(1).max(200),
      tagLost: rate,
      fieldOff: rate,
      corrupt: rate,
      delay: rate,
      maxDelayMs: z.number().min(0).max(60_000).default(500),
    })
    .strict(),
]);

export const FaultListSchema = z.array(FaultSchema).max(1000);

export type Fault = z.output<typeof FaultSchema>;
export type FaultInput = z.input<typeof FaultSchema>;

export interface Corruption {
  readonly mode: 'flip-bit' | 'truncate';
  /** Drawn deterministically; picks the byte and bit to flip. */
  readonly draw: number;
}

/** What the plan does to one APDU. */
export interface FaultDecision {
  readonly tagLostBefore: boolean;
  readonly fieldOffAfter: boolean;
  readonly delayMs: number;
  readonly corruption: Corruption | undefined;
}

const NONE: FaultDecision = {
  tagLostBefore: false,
  fieldOffAfter: false,
  delayMs: 0,
  corruption: undefined,
};

/** Six uniform numbers in [0, 1) for APDU n, drawn from `seed` alone (no shared state). */
function draws(seed: string, n: number): [number, number, number, number, number, number] {
  const b = seededRng(`${seed}:${n}`).bytes(24);
  const u = (i: number): number =>
    new DataView(b.buffer, b.byteOffset + 4 * i, 4).getUint32(0) / 2 ** 32;
  return [u(0), u(1), u(2), u(3), u(4), u(5)];
}

export class FaultPlan {
  readonly faults: readonly Fault[];

  constructor(faults: readonly FaultInput[] = []) {
    this.faults = FaultListSchema.parse(faults);
  }

  /** Milliseconds after activation at which the card leaves, if a `tag-lost-after` fault says so. */
  lostAfterMs(): number | undefined {
    const times = this.faults.flatMap((f) => (f.kind === 'tag-lost-after' ? [f.ms] : []));
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /** The decision for the n-th APDU (1-based) of an activation. */
  decide(n: number): FaultDecision {
    let d: FaultDecision = NONE;
    for (const f of this.faults) d = merge(d, decideOne(f, n));
    return d;
  }
}

function merge(a: FaultDecision, b: FaultDecision): FaultDecision {
  return {
    tagLostBefore: a.tagLostBefore || b.tagLostBefore,
    fieldOffAfter: a.fieldOffAfter || b.fieldOffAfter,
    delayMs: a.delayMs + b.delayMs,
    corruption: a.corruption ?? b.corruption,
  };
}

function decideOne(f: Fault, n: number): FaultDecision {
  switch (f.kind) {
    case 'tag-lost':
      return f.atApdu === n ? { ...NONE, tagLostBefore: true } : NONE;
    case 'tag-lost-after':
      return NONE;
    case 'field-off-mid-command':
      return f.atApdu === n ? { ...NONE, fieldOffAfter: true } : NONE;
    case 'delay':
      return f.atApdu === undefined || f.atApdu === n ? { ...NONE, delayMs: f.ms } : NONE;
    case 'corrupt-response':
      return f.atApdu === n
        ? { ...NONE, corruption: { mode: f.mode, draw: draws(`corrupt:${n}`, n)[0] } }
        : NONE;
    case 'random': {
      const [lost, off, corrupt, delay, amount, where] = draws(f.seed, n);
      return {
        tagLostBefore: lost < f.tagLost,
        fieldOffAfter: off < f.fieldOff,
        delayMs: delay < f.delay ? Math.round(amount * f.maxDelayMs) : 0,
        corruption: corrupt < f.corrupt ? { mode: 'flip-bit', draw: where } : undefined,
      };
    }
  }
}

/** Applies a corruption to a response (never returns the input array itself). */
export function corrupt(response: Uint8Array, c: Corruption): Uint8Array {
  if (c.mode === 'truncate') return response.slice(0, Math.max(0, response.length - 1));
  const out = response.slice();
  if (out.length === 0) return out;
  const bit = Math.floor(c.draw * out.length * 8);
  const i = Math.min(out.length - 1, bit >> 3);
  out[i] = (out[i] as number) ^ (1 << (bit & 7));
  return out;
}
