/**
 * The app agent through pcscd and the bench's reader driver (a card in the virtual reader, as a
 * lab's desktop with an NFC reader would present a physical card): registration and a login card
 * step work unchanged, and the last-try PIN guard keeps the app from blocking the card — after
 * two wrong PINs the third VERIFY is not sent and the card keeps its last try. Run under
 * `flock /tmp/ciebench-pcscd.lock`; skips loudly without pcscd (fails with
 * CIE_REQUIRE_INTEGRATION=1).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { asciiBytes } from '../../emulator/src/bytes/bytes.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import {
  insertCard,
  integrationGate,
  reportGate,
  type InsertedCard,
} from '../../harness/pcsc/testing/integration.ts';
import { CIEBENCH_READER, readerName } from '../../harness/transport/endpoints.ts';
import { CieIdAgent } from './agent.ts';
import { PcscCardReader } from './card-reader.ts';
import { attempt } from './agent.ts';
import { signAsRegistered } from './login-card.ts';
import { tempDir, trustOfImage } from './testing.ts';

const IAS_TESTING = new URL('../../harness/terminals/ias/testing.ts', import.meta.url).href;
const reader = readerName(CIEBENCH_READER);
const gate = await integrationGate({ readers: [reader] });
reportGate('CieID app agent over PC/SC', gate);

describe.skipIf(!gate.ok)('CieID app agent over pcscd + the CIE Bench reader driver', () => {
  const open: InsertedCard[] = [];
  const tmp = tempDir('app-pcsc');
  afterEach(async () => {
    for (const c of open.splice(0)) await c.remove();
  });

  it('registers, signs, and the PIN guard refuses the VERIFY that could block the card', async () => {
    const image = defaultCardImage();
    open.push(
      await insertCard(gate.binding!, CIEBENCH_READER, {
        kind: 'module',
        module: IAS_TESTING,
        factory: 'testCard',
        args: [{ seed: 'app-pcsc' }],
      }),
    );
    const guard: string[] = [];
    const agent = new CieIdAgent({
      profileDir: `${tmp.dir}/profile`,
      reader: new PcscCardReader({ reader, onGuardDecision: (t) => guard.push(t) }),
      trust: trustOfImage(image),
      rng: seededRng('app-pcsc'),
    });
    try {
      const reg = await agent.register({
        serial: image.citizen.document.number,
        pin: image.state.pin.value,
      });
      expect(reg.ok ? reg.value.nis : reg.event).toBe(image.citizen.nis);
      const signed = await attempt(() =>
        signAsRegistered(agent.ctx, image.state.pin.value.slice(4), asciiBytes('pcsc')),
      );
      expect(signed.ok ? 'ok' : signed.event).toBe('ok');
      const wrong = [];
      for (let i = 0; i < 3; i++) {
        const r = await attempt(() => signAsRegistered(agent.ctx, '0000', asciiBytes('pcsc')));
        wrong.push(r.ok ? 'ok' : r.event);
      }
      expect(wrong).toMatchObject([
        { kind: 'WRONG_PIN', triesLeft: 2 },
        { kind: 'WRONG_PIN', triesLeft: 1 },
        { kind: 'LAST_TRY_REFUSED', reference: 'PIN' },
      ]);
      // Even the right PIN is not sent with one try left (the guard cannot know it is right) …
      const held = await attempt(() =>
        signAsRegistered(agent.ctx, image.state.pin.value.slice(4), asciiBytes('pcsc')),
      );
      expect(held.ok ? 'ok' : held.event.kind).toBe('LAST_TRY_REFUSED');
      // … and the card still has that try: with --allow-last-try the right PIN works.
      const lab = new CieIdAgent({
        profileDir: `${tmp.dir}/profile`,
        reader: new PcscCardReader({ reader, allowLastTry: true }),
        trust: trustOfImage(image),
        rng: seededRng('app-pcsc-2'),
      });
      const right = await attempt(() =>
        signAsRegistered(lab.ctx, image.state.pin.value.slice(4), asciiBytes('pcsc')),
      );
      expect(right.ok ? 'ok' : right.event).toBe('ok');
      expect(guard.length).toBeGreaterThan(0);
    } finally {
      await agent.close();
      tmp.cleanup();
    }
  });
});
