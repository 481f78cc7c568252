/**
 * Puts a journey's card into a slot of the bench's virtual PC/SC reader (harness/reader-driver,
 * "CIE Bench Virtual Reader 00 0n"): the card runs in a vicc worker thread built from
 * `pcsc-card.ts` and the slot is ready once pcscd lists a card in it. Needs pcscd with the bench's
 * reader driver (`ciebench reader install`) and the PC/SC binding; without them the journey cannot
 * run on this channel (an environment error, exit 3).
 */
import { BenchError } from '../../../emulator/src/host-error.ts';
import { loadPcscBinding } from '../../../harness/pcsc/pcsc-binding.ts';
import { insertCard } from '../../../harness/pcsc/reader-slots.ts';
import { CIEBENCH_READER } from '../../../harness/transport/endpoints.ts';
import type { PcscCardArgs } from './pcsc-card.ts';

/**
 * The worker's card module: the TypeScript source when the runner runs from the sources (the
 * worker registers tsx itself), the compiled module in the package.
 */
const CARD_MODULE = import.meta.url.endsWith('.ts')
  ? new URL('./pcsc-card.ts', import.meta.url).href
  : new URL('./pcsc-card.js', import.meta.url).href;

export interface VirtualReaderPlacement {
  /** The PC/SC reader name of the slot. */
  readonly reader: string;
  remove(): Promise<void>;
}

export async function placeInVirtualReader(
  a: PcscCardArgs & { readonly slot: number },
): Promise<VirtualReaderPlacement> {
  let binding;
  try {
    binding = await loadPcscBinding();
  } catch (e) {
    throw new BenchError('SCENARIO_PCSC', `PC/SC channel: ${(e as Error).message}`, 'environment');
  }
  const args: PcscCardArgs = {
    imagePath: a.imagePath,
    tracePath: a.tracePath,
    seed: a.seed,
    revealSecrets: a.revealSecrets,
  };
  try {
    const inserted = await insertCard(
      binding,
      CIEBENCH_READER,
      { kind: 'module', module: CARD_MODULE, factory: 'journeyCard', args: [args] },
      { slot: a.slot },
    );
    return { reader: inserted.reader, remove: () => inserted.remove() };
  } catch (e) {
    throw new BenchError(
      'SCENARIO_PCSC',
      `PC/SC channel: the card did not appear in the bench's virtual reader (${(e as Error).message}); is pcscd running with the reader driver (ciebench reader install)?`,
      'environment',
    );
  }
}
