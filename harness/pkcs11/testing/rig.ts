/**
 * A daemon with in-process cards (no pcscd, no C compiler): a card image file in a temporary
 * directory opened as a persistent card (its PIN counter can be read back from the file), a
 * {@link FakePcsc} reader holding it, the card paired, and the daemon listening on a socket in the
 * same directory. Used by the daemon's unit tests and by the module tests that run the C module
 * against in-process cards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import type { CardImage } from '../../../emulator/src/state/card-image.ts';
import { readCardImage, writeCardImageAtomic } from '../../../emulator/src/state/image-file.ts';
import { resolveCardSpec } from '../../cards/card-registry.ts';
import type { PinMode } from '../daemon/backend.ts';
import type { RunningDaemon } from '../daemon/daemon.ts';
import { serveInProcessCard } from '../daemon/serve-card.ts';
import { BridgeClient } from './bridge-client.ts';
import { FakePcsc } from './fake-pcsc.ts';

export const RIG_READER = 'CIE Bench Test Reader 00 00';
export const RIG_EMPTY_READER = 'CIE Bench Test Reader 00 01';

export interface Rig {
  readonly dir: string;
  readonly imagePath: string;
  readonly image: CardImage;
  readonly pcsc: FakePcsc;
  readonly daemon: RunningDaemon;
  readonly pin: string;
  /** PIN tries left as the card image file holds them. */
  triesInImage(): number;
  /** Puts a fresh instance of the image's card back in the reader. */
  reinsert(): void;
  /** Restores the card image as it was (PIN tries included) and reinserts the card. */
  resetCard(): void;
  client(): Promise<BridgeClient>;
  close(): Promise<void>;
}

export interface RigOptions {
  readonly pinMode?: PinMode;
  readonly paired?: boolean;
  readonly pinTimeoutMs?: number;
  readonly image?: CardImage;
}

export async function startRig(o: RigOptions = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'ciebench-p11-'));
  const image = o.image ?? defaultCardImage();
  const imagePath = join(dir, 'card.json');
  writeCardImageAtomic(imagePath, image);
  const pcsc = new FakePcsc([RIG_READER, RIG_EMPTY_READER]);
  const recipe = resolveCardSpec(imagePath);
  const insert = (): void => {
    const card = recipe.open?.({ rng: seededRng(`rig-card|${dir}`) });
    if (!card) throw new Error('image recipe cannot open');
    pcsc.insert(RIG_READER, card);
  };
  insert();
  const daemon = await serveInProcessCard({
    pcsc,
    reader: RIG_READER,
    image,
    dir,
    pinMode: o.pinMode ?? 'protected-path',
    rng: { pair: seededRng('rig-pair'), daemon: seededRng('rig-daemon') },
    paired: o.paired ?? true,
    ...(o.pinTimeoutMs ? { pinTimeoutMs: o.pinTimeoutMs } : {}),
  });
  const clients: BridgeClient[] = [];
  return {
    dir,
    imagePath,
    image,
    pcsc,
    daemon,
    pin: image.state.pin.value,
    triesInImage: () => readCardImage(imagePath).state.pin.remaining,
    reinsert: insert,
    resetCard() {
      pcsc.remove(RIG_READER);
      writeCardImageAtomic(imagePath, image);
      insert();
    },
    async client() {
      const c = await BridgeClient.connect(daemon.socketPath);
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await daemon.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
