/**
 * The golden traces: where each comes from and what it replays against.
 *
 * - `real-card/pace-2018.trace.jsonl`: the real CIE 3.0 fragment of
 *   `real-card/real-trace-pace-2018.txt` (a copy of the log posted in italia/cie-mrtd-dotnet-sdk#8,
 *   2018-03-02; its header names the source),
 *   imported. Replayed against the default CIE personality with the 16-byte PACE nonce when that
 *   personality is available (see `cie-replay.ts`).
 * - `emulator/*.trace.jsonl`: emulator runs of the flows available in this tree, recorded at the
 *   card boundary (wire and plain forms) with fixed seeds and a stepping clock.
 *
 * `npx tsx traces/testing/generate-goldens.ts` rewrites them; the golden test fails when a fresh run or
 * a replay differs in any way the normalisation rules and `allow-list.json` do not explain.
 */
import { ManualClock } from '../../emulator/src/crypto/clock.ts';
import type { EmulatedCard } from '../../emulator/src/card/card.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { createIsoTestCard } from '../../emulator/src/profiles/iso-test-card.ts';
import type { Trace } from '../format/schema.ts';
import type { ApduChannel } from '../../harness/channel/apdu-channel.ts';
import { importLogFile } from '../import/import.ts';
import { findFlow } from '../record/flows.ts';
import { recordCardSession } from '../record/record-session.ts';
import type { ReplaySecrets, SessionEstablisher } from '../replay/replay.ts';
import { iasEstablisher } from '../replay/ias-establisher.ts';
import { cieCardFromImage } from '../../emulator/src/profiles/cie-card-image.ts';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { loginFlow } from '../../harness/terminals/ias/flows.ts';
import { trustOfImage as trustOf } from '../../harness/cards/card-registry.ts';
import { createTraceTestCard, e0Establisher, SteppingClock } from './test-cards.ts';
import { testFlow } from './test-flows.ts';

export const REAL_2018_LOG = new URL(
  '../golden/real-card/real-trace-pace-2018.txt',
  import.meta.url,
).pathname;
export const GOLDEN_DIR = new URL('../golden', import.meta.url).pathname;

/** The real fragment, imported with a fixed header date (the date of the public comment). */
export function importReal2018(): Trace {
  return importLogFile(REAL_2018_LOG, {
    startedAt: new Date('2018-03-02T00:00:00Z'),
    description:
      'Real CIE 3.0 on a PC/SC reader, IPZS CIE.MRTD.SDK debug output (italia/cie-mrtd-dotnet-sdk issue #8, 2018-03-02); PACE-CAN fragment, cut inside GA step 2',
  }).trace;
}

export interface EmulatorGolden {
  readonly file: string;
  readonly profile: string;
  /** Records the golden run. */
  record(): Promise<Trace>;
  /** A fresh card of the same personality (other randomness), its session establisher and the secrets to refill masked PIN/PUK bytes. */
  replayTarget(): { card: EmulatedCard; establisher?: SessionEstablisher; secrets?: ReplaySecrets };
}

const header = { clock: new ManualClock(new Date('2026-01-01T00:00:00Z')) };

/** The IAS login of the desktop middleware (ias/README.md §5, §8.1) on the default card, checked end to end. */
async function iasLogin(ch: ApduChannel): Promise<void> {
  const image = defaultCardImage();
  const report = await loginFlow(ch, {
    trust: trustOf(image),
    pin: image.state.pin.value,
    rng: seededRng('golden-ias-terminal'),
  });
  if (report.verdict !== 'pass')
    throw new Error(`golden IAS login failed: ${JSON.stringify(report.error)}`);
}

export const EMULATOR_GOLDENS: readonly EmulatorGolden[] = [
  {
    file: 'emulator/iso-read.trace.jsonl',
    profile: 'iso-test',
    record: () =>
      recordCardSession(
        createIsoTestCard({ clock: new SteppingClock() }),
        (ch) => (findFlow('iso-read') as NonNullable<ReturnType<typeof findFlow>>).run(ch, []),
        {
          profile: 'iso-test',
          description: 'flow iso-read on the generic ISO test card',
          ...header,
        },
      ),
    replayTarget: () => ({ card: createIsoTestCard() }),
  },
  {
    file: 'emulator/cie-ias-login.trace.jsonl',
    profile: 'nxp',
    record: () =>
      recordCardSession(
        cieCardFromImage(defaultCardImage(), {
          rng: seededRng('golden-ias-card'),
          clock: new SteppingClock(),
        }).card,
        iasLogin,
        {
          profile: 'nxp',
          description:
            'IAS login, desktop sequence (DH + DAPP + VERIFY + certificate + sign) on the default CIE',
          ...header,
        },
      ),
    replayTarget: () => ({
      card: cieCardFromImage(defaultCardImage()).card,
      establisher: iasEstablisher({ rng: seededRng('replay-ias') }),
      secrets: { pin: defaultCardImage().state.pin.value },
    }),
  },
  {
    file: 'emulator/trace-test-sm.trace.jsonl',
    profile: 'trace-test',
    record: () =>
      recordCardSession(createTraceTestCard('golden'), (ch) => testFlow(ch, 'golden'), {
        profile: 'trace-test',
        description: 'test flow with an SM session on the trace-test card, seed "golden"',
        ...header,
      }),
    replayTarget: () => ({
      card: createTraceTestCard('replay'),
      establisher: e0Establisher('replay'),
    }),
  },
];
