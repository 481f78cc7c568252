/**
 * `--card` for replay and recording: a built-in card id, or a JSON file naming one with options
 * (`{"profile": "iso-test", "options": {"readBeyondEof": "9000"}, "seed": "run-2"}`), validated
 * with zod. Built in: `default` (what `ciebench card start` runs), `iso-test` (the generic ISO
 * test card), `trace-test` (the ISO test card with the trace-test SM instruction),
 * `cie-emrtd-nonce16` / `cie-emrtd-nonce8` (the emulated CIE with a 16- or 8-byte PACE nonce, `cie-cards.ts`).
 */
import { HostError } from '../../emulator/src/host-error.ts';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { CardOs } from '../../emulator/src/card/card-os.ts';
import { cardOptionsSchema, type CardOptions } from '../../emulator/src/card/card-options.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { createIsoTestCard } from '../../emulator/src/profiles/iso-test-card.ts';
import { createDefaultCard } from '../../harness/cards/default-card.ts';
import { createTraceTestCard } from '../testing/test-cards.ts';
import { cieCardWithNonce } from './cie-cards.ts';

export interface ResolvedCard {
  readonly card: CardOs;
  readonly profile: string;
}

export class CardSourceError extends HostError {
  readonly code = 'CARD_SOURCE';
}

const cardFileSchema = z
  .object({
    profile: z.string().min(1),
    options: cardOptionsSchema.partial().optional(),
    seed: z.string().optional(),
  })
  .strict();

type Factory = (options: Partial<CardOptions>, seed: string | undefined) => Promise<ResolvedCard>;

const FACTORIES = new Map<string, Factory>([
  [
    'default',
    async () => {
      const d = await createDefaultCard();
      return { card: d.card, profile: d.profileId };
    },
  ],
  [
    'iso-test',
    async (options, seed) => ({
      card: createIsoTestCard({ options, ...(seed ? { rng: seededRng(seed) } : {}) }),
      profile: 'iso-test',
    }),
  ],
  [
    'trace-test',
    async (options, seed) => ({
      card: createTraceTestCard(seed ?? 'trace-test', options),
      profile: 'trace-test',
    }),
  ],
  ['cie-emrtd-nonce16', async (_o, seed) => cieCardWithNonce(16, seed)],
  ['cie-emrtd-nonce8', async (_o, seed) => cieCardWithNonce(8, seed)],
]);

/** Lets card personalities (CIE IAS, eMRTD) add their ids. */
export function registerCardFactory(id: string, factory: Factory): void {
  FACTORIES.set(id, factory);
}

export async function resolveCard(spec: string): Promise<ResolvedCard> {
  const direct = FACTORIES.get(spec);
  if (direct) return direct({}, undefined);
  if (!spec.endsWith('.json'))
    throw new CardSourceError(
      `unknown card '${spec}' (built in: ${[...FACTORIES.keys()].join(', ')}; or a .json card file)`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(spec, 'utf8'));
  } catch (e) {
    throw new CardSourceError(`cannot read card file ${spec}: ${(e as Error).message}`);
  }
  const parsed = cardFileSchema.safeParse(raw);
  if (!parsed.success)
    throw new CardSourceError(
      `${spec}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  const factory = FACTORIES.get(parsed.data.profile);
  if (!factory)
    throw new CardSourceError(
      `${spec}: unknown profile '${parsed.data.profile}' (known: ${[...FACTORIES.keys()].join(', ')})`,
    );
  return factory((parsed.data.options ?? {}) as Partial<CardOptions>, parsed.data.seed);
}
