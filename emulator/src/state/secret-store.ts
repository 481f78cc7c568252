/**
 * The card's persistent reference data (PIN and PUK: value, retry counter, blocked flag) behind
 * a small port, so the IAS application does not know whether it lives in memory (tests,
 * benchmarks) or in a card image file (anti-tearing persistence, `file-secret-store.ts`).
 *
 * `write` must be durable when it returns: the application persists a decremented retry
 * counter BEFORE it compares the presented value (ISO/IEC 7816-4 §7.5.6 practice;
 * ias/README.md §6), so a power loss in between can never give an attacker a free try.
 */
import { z } from 'zod';

export const referenceDataStateSchema = z
  .object({
    /** 8 ASCII digits (ias/README.md §5.4). */
    value: z.string().regex(/^\d{8}$/, 'PIN/PUK must be 8 digits'),
    remaining: z.number().int().min(0).max(15),
    max: z.number().int().min(1).max(15),
    blocked: z.boolean(),
  })
  .strict()
  .refine((s) => s.remaining <= s.max, 'remaining tries above the maximum')
  .refine(
    (s) => s.blocked === (s.remaining === 0),
    'blocked must be true exactly when no tries remain',
  );

export const secretsStateSchema = z
  .object({ pin: referenceDataStateSchema, puk: referenceDataStateSchema })
  .strict();

export type ReferenceDataState = z.infer<typeof referenceDataStateSchema>;
export type SecretsState = z.infer<typeof secretsStateSchema>;
export type ReferenceDataName = keyof SecretsState;

export interface SecretStore {
  /** The current, last durably written state. */
  read(): SecretsState;
  /** Replaces the state; durable (or the call throws) when it returns. */
  write(next: SecretsState): void;
}

export function initialSecrets(
  pin: string,
  puk: string,
  pinTries = 3,
  pukTries = 10,
): SecretsState {
  return secretsStateSchema.parse({
    pin: { value: pin, remaining: pinTries, max: pinTries, blocked: false },
    puk: { value: puk, remaining: pukTries, max: pukTries, blocked: false },
  });
}

/** In-memory store (tests, benchmarks, the default card of `ciebench card start`). */
export class MemorySecretStore implements SecretStore {
  private state: SecretsState;
  /** Number of writes so far (tests check that a decrement was persisted). */
  writes = 0;

  constructor(initial: SecretsState) {
    this.state = secretsStateSchema.parse(initial);
  }

  read(): SecretsState {
    return this.state;
  }

  write(next: SecretsState): void {
    this.state = next;
    this.writes++;
  }
}
