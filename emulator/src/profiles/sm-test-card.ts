/**
 * Test fixture (not a card personality): a generic ISO card whose MF application has one extra,
 * test-only instruction, `E0` "start this SM session", so tests can put the pipeline into a
 * secure-messaging session with known keys and counter (the ICAO 9303-11 worked examples start
 * from keys that BAC established) without running a key-agreement protocol.
 */
import { fromHex } from '../bytes/hex.ts';
import { responseApdu } from '../apdu/response-apdu.ts';
import { SW_9000_OK } from '../apdu/status-words.ts';
import type { Application, HandlerEntry } from '../card/application.ts';
import { CardOs } from '../card/card-os.ts';
import type { EmulatedCard } from '../card/card.ts';
import type { CardOptions } from '../card/card-options.ts';
import type { Rng } from '../crypto/rng.ts';
import type { DfSpec, EfSpec } from '../iso7816/fs/file-spec.ts';
import { buildFileSystem } from '../iso7816/fs/file-system.ts';
import { ISO_HANDLERS } from '../iso7816/iso-application.ts';
import type { SmSession } from '../sm/sm-session.ts';

export const INS_E0_TEST_START_SM = 0xe0;
export const START_SM_APDU: Uint8Array = fromHex('00E00000');

export interface SmTestCardInit {
  readonly mfChildren: readonly (DfSpec | EfSpec)[];
  /** The session `00 E0 00 00` installs (after its own plain response). */
  readonly session: () => SmSession;
  readonly options?: Partial<CardOptions>;
  readonly rng?: Rng;
  /** Extra handlers for the MF application (tests of the pipeline). */
  readonly extraHandlers?: ReadonlyMap<number, HandlerEntry>;
  /** Receives the pipeline's session events (tests of the pipeline). */
  readonly smSessionChanged?: Application['smSessionChanged'];
}

export function createSmTestCard(init: SmTestCardInit): EmulatedCard {
  const app: Application = {
    id: 'sm-test',
    handlers: new Map<number, HandlerEntry>([
      ...ISO_HANDLERS,
      [
        INS_E0_TEST_START_SM,
        {
          handle: (ctx) => (
            ctx.setSmSessionAfterResponse(init.session()),
            responseApdu(SW_9000_OK)
          ),
        },
      ],
      ...(init.extraHandlers ?? []),
    ]),
    ...(init.smSessionChanged ? { smSessionChanged: init.smSessionChanged } : {}),
  };
  return new CardOs({
    atr: fromHex('3B80800101'),
    fileSystem: buildFileSystem({ kind: 'MF', application: 'sm-test', children: init.mfChildren }),
    applications: [app],
    strict: true,
    ...(init.options ? { options: init.options } : {}),
    ...(init.rng ? { rng: init.rng } : {}),
  });
}
