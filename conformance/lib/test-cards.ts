/**
 * The secure-messaging test card with the generic ISO test file system, with a replaceable
 * session: the mutants of the ISO suite's self-test keep or corrupt the session it opens. The
 * plain cards the suite runs on come from the card registry (`iso-test`, `sm-test`).
 */
import type { EmulatedCard } from '../../emulator/src/card/card.ts';
import { isoTestFileSystemSpec } from '../../emulator/src/profiles/iso-test-card.ts';
import type { SmSession } from '../../emulator/src/sm/sm-session.ts';
import { createSmTestCard } from '../../emulator/src/profiles/sm-test-card.ts';
import { smTestSession } from '../../harness/cards/card-registry.ts';

export { smTestSession } from '../../harness/cards/card-registry.ts';

/** The SM test card with the generic ISO test file system; `session` may be replaced (mutants). */
export function createSmIsoCard(session: () => SmSession = smTestSession): EmulatedCard {
  return createSmTestCard({ mfChildren: isoTestFileSystemSpec().children, session });
}
