/**
 * A card built in the virtual reader's worker thread from a card image file (`insertCard` with a
 * `module` spec): PIN/PUK changes are written back to the file, so a test reads the counter there.
 */
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import type { EmulatedCard } from '../../../emulator/src/card/card.ts';
import { resolveCardSpec } from '../../cards/card-registry.ts';

export function imageCard(path: string): EmulatedCard {
  const card = resolveCardSpec(path).open?.({ rng: seededRng(`pcsc-rig|${path}`) });
  if (!card) throw new Error(`${path}: not an image card`);
  return card;
}
