/**
 * The card `npm start` and `ciebench apdu` use when none is given. Until the CIE personalities
 * land this is the generic ISO test card.
 */
import type { CardOs } from '../../emulator/src/card/card-os.ts';
import { createIsoTestCard } from '../../emulator/src/profiles/iso-test-card.ts';

export interface DefaultCard {
  readonly card: CardOs;
  readonly profileId: string;
  readonly description: string;
}

export async function createDefaultCard(): Promise<DefaultCard> {
  return { card: createIsoTestCard(), profileId: 'iso-test', description: 'generic ISO/IEC 7816-4 test card' };
}
