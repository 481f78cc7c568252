/**
 * The CIE golden flow (eMRTD: EF.CardAccess, PACE-CAN, SELECT eMRTD, EF.COM, DG1, EF.SOD under
 * SM) on the emulated CIE, recorded at the card boundary with fixed seeds.
 * File: `emulator/cie-emrtd-pace-read.trace.jsonl` (the default card's citizen).
 */
import { ManualClock } from '../../emulator/src/crypto/clock.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { generateCitizen } from '../../emulator/src/personalise/citizen.ts';
import type { Trace } from '../format/schema.ts';
import { recordCardSession } from '../record/record-session.ts';
import type { EmulatedCard } from '../../emulator/src/card/card.ts';
import type { Clock } from '../../emulator/src/crypto/clock.ts';
import type { Rng } from '../../emulator/src/crypto/rng.ts';
import { DEFAULT_CARD_SEED } from '../../emulator/src/profiles/default-card-image.ts';
import { resolveCardSpec } from '../../harness/cards/card-registry.ts';
import { cieEmrtdFlow } from './cie-flow.ts';
import { SteppingClock } from './test-cards.ts';

export const CIE_GOLDEN_FILE = 'emulator/cie-emrtd-pace-read.trace.jsonl';

/**
 * The emulated CIE (IAS + eMRTD) of citizen `seed` with the PACE nonce length of the card being
 * compared: 16 bytes (the 2018 card of the real PACE log) or 8 bytes (a 2023 card). The profile
 * label names the nonce length, as the golden traces' headers do.
 */
export function cieCardWithNonce(
  nonceLength: 8 | 16,
  seed: string = DEFAULT_CARD_SEED,
  runtime: { readonly rng?: Rng; readonly clock?: Clock } = {},
): { card: EmulatedCard; profile: string } {
  const recipe = resolveCardSpec(seed === DEFAULT_CARD_SEED ? 'default' : `seed:${seed}`);
  const card = recipe.create({ ...runtime, emrtd: { paceNonceLength: nonceLength } });
  return { card, profile: `cie-emrtd-nonce${nonceLength}` };
}

/** One run of the flow on the CIE of citizen `seed`, with a 16-byte (default) or 8-byte PACE nonce. */
export async function recordCieFlow(seed: string, nonce: 8 | 16 = 16): Promise<Trace> {
  const c = cieCardWithNonce(nonce, seed, {
    rng: seededRng(`card-${seed}`),
    clock: new SteppingClock(),
  });
  return recordCardSession(
    c.card,
    (ch) => cieEmrtdFlow(ch, generateCitizen(seed).can, seededRng(`terminal-${seed}`)),
    {
      profile: c.profile,
      description: `eMRTD flow: EF.CardAccess, PACE-CAN, EF.COM, DG1, EF.SOD; citizen seed "${seed}"`,
      clock: new ManualClock(new Date('2026-01-01T00:00:00Z')),
    },
  );
}
