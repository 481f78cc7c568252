/**
 * The card factory a vicc worker thread loads when the runner puts an emulated card into the
 * bench's virtual PC/SC reader (harness/vpcd/worker: the card must answer from its own thread while
 * this process makes PC/SC calls). The card is the journey's image file — so its PIN/PUK counters
 * are read back from the file — and its exchanges are recorded at the card boundary into a trace
 * file, as for the other channels.
 */
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { openCieCard } from '../../../emulator/src/profiles/cie-card-image.ts';
import { appendFileSync, writeFileSync } from 'node:fs';
import { TraceWriter } from '../../../traces/format/write.ts';
import { attachRecorder } from '../../../traces/record/card-recorder.ts';
import type { Card } from '../../../emulator/src/card/card.ts';

export interface PcscCardArgs {
  readonly imagePath: string;
  readonly tracePath: string;
  readonly seed: string;
  readonly revealSecrets: boolean;
}

/** Called in the worker thread: the journey's card, recording into `tracePath`. */
export function journeyCard(a: PcscCardArgs): Card {
  const cie = openCieCard(a.imagePath, { rng: seededRng(`runner-card|${a.seed}`) });
  // Written line by line, synchronously: the worker may be stopped at any moment.
  writeFileSync(a.tracePath, '');
  const sink = (line: string): void => appendFileSync(a.tracePath, `${line}\n`);
  attachRecorder(cie.card, new TraceWriter(sink), {
    profile: cie.profile.id,
    transport: 'vpcd',
    revealSecrets: a.revealSecrets,
    description: `journey card in the virtual PC/SC reader (${a.imagePath})`,
  });
  return cie.card;
}
