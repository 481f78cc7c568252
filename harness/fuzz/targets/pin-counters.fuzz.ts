/**
 * Interleaved PIN and PUK presentations from several card objects on one image file (as `card
 * start` and an in-process tool sharing an image would), through the full IAS path (DH + DAPP +
 * VERIFY under secure messaging), checked after every step against a model with one counter:
 * each wrong PIN costs one try, a right one restores 3, a blocked PIN stays blocked until the PUK
 * and RESET RETRY COUNTER, and the file always holds the model's state.
 */
import { cardState } from '../../../emulator/src/card/card-os.ts';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import {
  openCieCard,
  type PersistentCieCard,
} from '../../../emulator/src/profiles/cie-card-image.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { readCardImage, writeCardImageAtomic } from '../../../emulator/src/state/image-file.ts';
import { InProcessChannel } from '../../channel/in-process-channel.ts';
import { IasTerminal } from '../../terminals/ias/ias-terminal.ts';
import { openSecureChannel } from '../../terminals/ias/testing.ts';
import { Chooser, Tally, type FuzzTarget } from '../fuzz-kit.ts';

const OPERATIONS = 1_500;
const OBJECTS = 3;

interface Holder {
  card: PersistentCieCard;
  terminal: IasTerminal;
}

async function holder(path: string, n: number): Promise<Holder> {
  const card = openCieCard(path, { rng: seededRng(`pins-card-${n}`) });
  const terminal = new IasTerminal(new InProcessChannel(card.card), {
    rng: seededRng(`pins-terminal-${n}`),
  });
  await openSecureChannel(terminal);
  return { card, terminal };
}

export const pinCounters: FuzzTarget = {
  name: 'PIN/PUK counters, 3 card objects on one image',
  run: async (seed) => {
    const t = new Tally('pin-counters', 'card and file always equal a one-counter model');
    const c = new Chooser(seed);
    const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const dir = mkdtempSync(join(base, 'ciebench-fuzz-pins-'));
    try {
      const image = defaultCardImage();
      const path = join(dir, 'card.json');
      writeCardImageAtomic(path, image);
      const holders: Holder[] = [];
      for (let i = 0; i < OBJECTS; i++) holders.push(await holder(path, i));
      let model = 3;
      let blocks = 0;
      for (let op = 0; op < OPERATIONS; op++) {
        t.inputs++;
        const i = c.int(OBJECTS);
        let h = holders[i] as Holder;
        if (!cardState(h.card.card).sm || c.chance(0.03)) {
          h.card.close();
          h = holders[i] = await holder(path, op + OBJECTS);
        }
        const roll = c.int(100);
        if (roll < 75) {
          const v = await h.terminal.verify(0x81, '00000000');
          const expected = model === 0 ? 'blocked' : `wrong ${model - 1}`;
          const got = v.ok ? 'ok' : v.blocked ? 'blocked' : `wrong ${v.triesLeft}`;
          if (got !== expected) t.fail(`op ${op}: wrong PIN answered ${got}, model ${expected}`);
          if (model > 0 && --model === 0) blocks++;
        } else if (roll < 92) {
          const v = await h.terminal.verify(0x81, image.state.pin.value);
          const expected = model === 0 ? 'blocked' : 'ok';
          const got = v.ok ? 'ok' : v.blocked ? 'blocked' : `wrong ${v.triesLeft}`;
          if (got !== expected) t.fail(`op ${op}: right PIN answered ${got}, model ${expected}`);
          if (model > 0) model = 3;
        } else {
          const v = await h.terminal.verify(0x82, image.state.puk.value);
          if (!v.ok) t.fail(`op ${op}: right PUK refused`);
          await h.terminal.resetRetryCounter();
          model = 3;
        }
        const file = readCardImage(path).state.pin;
        if (file.remaining !== model || file.blocked !== (model === 0))
          t.fail(`op ${op}: file says ${file.remaining}/3, model ${model}/3`);
      }
      for (const h of holders) h.card.close();
      t.figures.push(`${blocks} blocks reached, none undone without the PUK`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return t;
  },
};
