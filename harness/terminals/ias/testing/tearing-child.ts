/**
 * Child process of the tearing test (tearing.test.ts): opens a card image file, runs DH + DAPP
 * with the reference terminal, then presents wrong PINs for ever (and, when the PIN is blocked,
 * the right PUK + RESET RETRY COUNTER 03), announcing each operation before it starts and the
 * state the card reported after it, one line at a time, synchronously:
 *
 *   READY <pin> <puk>      A pin | A puk | A reset      R <pin> <puk>
 *
 * The parent kills it with SIGKILL at random points. Usage: node --import tsx tearing-child.ts <image> <puk>
 */
import { writeSync } from 'node:fs';
import { seededRng } from '../../../../emulator/src/crypto/rng.ts';
import { openCieCard } from '../../../../emulator/src/profiles/cie-card-image.ts';
import { InProcessChannel } from '../../../channel/in-process-channel.ts';
import { IasTerminal } from '../ias-terminal.ts';
import { openSecureChannel } from '../testing.ts';

const [path, puk] = process.argv.slice(2);
if (!path || !puk) throw new Error('usage: tearing-child.ts <image> <puk>');

const say = (line: string): void => void writeSync(1, `${line}\n`);
const cie = openCieCard(path, { rng: seededRng(`child-${process.pid}`) });
const state = cie.secrets.read();
let pin = state.pin.remaining;
let pukLeft = state.puk.remaining;
const t = new IasTerminal(new InProcessChannel(cie.card), {
  rng: seededRng(`terminal-${process.pid}`),
});
await openSecureChannel(t);
say(`READY ${pin} ${pukLeft}`);
for (;;) {
  if (pin === 0) {
    say('A puk');
    const v = await t.verify(0x82, puk);
    if (!v.ok) throw new Error(`PUK refused: ${JSON.stringify(v)}`);
    pukLeft = state.puk.max;
    say(`R ${pin} ${pukLeft}`);
    say('A reset');
    await t.resetRetryCounter();
    pin = state.pin.max;
    say(`R ${pin} ${pukLeft}`);
    continue;
  }
  say('A pin');
  const v = await t.verify(0x81, '00000000');
  if (v.ok || v.triesLeft === undefined)
    throw new Error(`unexpected VERIFY result ${JSON.stringify(v)}`);
  pin = v.triesLeft;
  say(`R ${pin} ${pukLeft}`);
}
