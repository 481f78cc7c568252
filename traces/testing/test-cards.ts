/**
 * Test fixtures for the trace tools (not card personalities): the generic ISO test card, plus an
 * instruction `E0` that opens a secure-messaging session with fresh random 3DES keys drawn from
 * the card's seeded RNG (the test terminal draws the same keys from the same seed). Two seeds
 * give two different sessions: exactly what the normalisation must see through.
 */
import { responseApdu } from '../../emulator/src/apdu/response-apdu.ts';
import { SW_9000_OK } from '../../emulator/src/apdu/status-words.ts';
import type { Application, HandlerEntry } from '../../emulator/src/card/application.ts';
import { CardOs } from '../../emulator/src/card/card-os.ts';
import type { CardOptions } from '../../emulator/src/card/card-options.ts';
import { ManualClock } from '../../emulator/src/crypto/clock.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { buildFileSystem } from '../../emulator/src/iso7816/fs/file-system.ts';
import { ISO_HANDLERS } from '../../emulator/src/iso7816/iso-application.ts';
import { isoTestFileSystemSpec } from '../../emulator/src/profiles/iso-test-card.ts';
import { smSession } from '../../emulator/src/sm/sm-session.ts';
import { des3Suite } from '../../emulator/src/sm/suites/des3.ts';
import type { SessionEstablisher } from '../replay/replay.ts';

export const INS_E0_TEST_OPEN_SM = 0xe0;

const openSm: HandlerEntry = {
  handle(ctx) {
    const kEnc = ctx.rng.bytes(16);
    const kMac = ctx.rng.bytes(16);
    ctx.setSmSessionAfterResponse(smSession(des3Suite, kEnc, kMac, 0n));
    return responseApdu(SW_9000_OK);
  },
};

/** A clock that advances 250 µs per reading, so recorded traces have timings but stay reproducible. */
export class SteppingClock extends ManualClock {
  override nowMicros(): number {
    this.advance(250);
    return super.nowMicros();
  }
}

/**
 * The test terminal's side of `E0` for replay: sends it and derives the same keys the card draws
 * from `seed` (the test flow's 8-byte GET CHALLENGE comes first in the card's random stream).
 */
export function e0Establisher(seed: string): SessionEstablisher {
  return {
    async establish(channel) {
      await channel.transmit(Uint8Array.of(0x00, INS_E0_TEST_OPEN_SM, 0x00, 0x00));
      const rng = seededRng(seed);
      rng.bytes(8);
      return smSession(des3Suite, rng.bytes(16), rng.bytes(16), 0n);
    },
  };
}

export function createTraceTestCard(seed: string, options: Partial<CardOptions> = {}): CardOs {
  const app: Application = {
    id: 'trace-test',
    handlers: new Map([...ISO_HANDLERS, [INS_E0_TEST_OPEN_SM, openSm]]),
  };
  const spec = isoTestFileSystemSpec();
  return new CardOs({
    atr: Uint8Array.of(0x3b, 0x80, 0x80, 0x01, 0x01),
    fileSystem: buildFileSystem({ ...spec, application: 'trace-test' }),
    applications: [app],
    options,
    rng: seededRng(seed),
    clock: new SteppingClock(),
    strict: true,
  });
}
