/**
 * The daemon over the real PC/SC stack: a card image file opened in the bench's virtual reader
 * (`CIE Bench Virtual Reader 00 00`, through pcscd), paired through `ciebench-pcsc-relay`, and the
 * daemon using the relay like `ciebench middleware start` does. Same shape as {@link CardRig} of
 * the in-process rig, so a test runs over both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import type { CardImage } from '../../../emulator/src/state/card-image.ts';
import { readCardImage, writeCardImageAtomic } from '../../../emulator/src/state/image-file.ts';
import type { PcscBinding } from '../../pcsc/pcsc-binding.ts';
import { insertCard, type InsertedCard } from '../../pcsc/reader-slots.ts';
import { CIEBENCH_READER } from '../../transport/endpoints.ts';
import type { BuiltModule } from '../build.ts';
import type { PinMode } from '../daemon/backend.ts';
import { startMiddlewareDaemon, type RunningDaemon } from '../daemon/daemon.ts';
import { pairCard } from '../pairing/pair.ts';
import { PcscRelay } from '../pcsc-relay.ts';
import { RelayChannel } from '../relay-channel.ts';
import { startRig, RIG_READER } from './rig.ts';

/** A paired card in a reader and a daemon serving it: what the module tests need. */
export interface CardRig {
  readonly where: string;
  readonly dir: string;
  readonly image: CardImage;
  readonly daemon: RunningDaemon;
  readonly pin: string;
  triesInImage(): number;
  removeCard(): Promise<void>;
  reinsert(): Promise<void>;
  close(): Promise<void>;
}

const IMAGE_CARD = new URL('./image-card.ts', import.meta.url).href;

/** The in-process rig (fake PC/SC) as a {@link CardRig}. */
export async function inProcessCardRig(o: { pinMode: PinMode }): Promise<CardRig> {
  const rig = await startRig({ pinMode: o.pinMode });
  return {
    where: 'in-process reader',
    dir: rig.dir,
    image: rig.image,
    daemon: rig.daemon,
    pin: rig.pin,
    triesInImage: rig.triesInImage,
    removeCard: async () => rig.pcsc.remove(RIG_READER),
    reinsert: async () => rig.reinsert(),
    close: () => rig.close(),
  };
}

/** The card in the bench's virtual reader behind pcscd, the daemon on the relay. */
export async function pcscCardRig(o: {
  binding: PcscBinding;
  built: BuiltModule;
  pinMode: PinMode;
  image?: CardImage;
}): Promise<CardRig> {
  const dir = mkdtempSync(join(tmpdir(), 'ciebench-p11-pcsc-'));
  const image = o.image ?? defaultCardImage();
  let imagePath = join(dir, 'card.json');
  writeCardImageAtomic(imagePath, image);
  const insert = (): Promise<InsertedCard> =>
    insertCard(o.binding, CIEBENCH_READER, {
      kind: 'module',
      module: IMAGE_CARD,
      factory: 'imageCard',
      args: [imagePath],
    });
  let reinsertions = 0;
  let inserted: InsertedCard | undefined = await insert();
  const pairingsDir = join(dir, 'pairings');
  let daemon: RunningDaemon | undefined;
  try {
    const relay = new PcscRelay({ binary: o.built.relay });
    const ch = new RelayChannel(relay, inserted.reader);
    const report = await pairCard(ch, {
      pin: image.state.pin.value,
      cscas: [fromHex(image.ias.certificates.csca)],
      holderCas: [fromHex(image.ias.certificates.holderCa)],
      pairingsDir,
      rng: seededRng('pcsc-rig-pair'),
    }).finally(async () => {
      await ch.close();
      await relay.close();
    });
    if (report.verdict !== 'pass')
      throw new Error(`pairing over pcscd failed: ${JSON.stringify(report.error)}`);
    daemon = await startMiddlewareDaemon({
      relayBinary: o.built.relay,
      socketPath: join(dir, 'mw', 'bridge.sock'),
      pairingsDir,
      pinMode: o.pinMode,
      rng: seededRng('pcsc-rig-daemon'),
    });
  } catch (e) {
    await inserted.remove();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const running = daemon;
  return {
    where: `pcscd + ${inserted.reader}`,
    dir,
    image,
    daemon: running,
    pin: image.state.pin.value,
    triesInImage: () => readCardImage(imagePath).state.pin.remaining,
    async removeCard() {
      await inserted?.remove();
      inserted = undefined;
    },
    async reinsert() {
      if (inserted) return;
      // The same card again, from a copy of its image: the stopped worker thread may not have
      // released the image's in-use lock (it names this process, which is still alive).
      const next = join(dir, `card-${++reinsertions}.json`);
      writeCardImageAtomic(next, readCardImage(imagePath));
      imagePath = next;
      inserted = await insert();
    },
    async close() {
      await running.close();
      await inserted?.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
