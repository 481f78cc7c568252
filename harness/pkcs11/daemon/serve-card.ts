/**
 * A card already in an in-process reader, paired with the whole PIN (what "Abbina la tua CIE"
 * does once per card, pairing/pair.ts) and the daemon started on that reader: the order every
 * in-process user follows — the daemon's test rig, and the scenario runner's desktop journeys,
 * whose card is the journey's own card object.
 */
import { join } from 'node:path';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import type { Rng } from '../../../emulator/src/crypto/rng.ts';
import type { CardImage } from '../../../emulator/src/state/card-image.ts';
import { BenchError } from '../../../emulator/src/host-error.ts';
import type { InProcessPcsc } from '../in-process-pcsc.ts';
import { pairCard } from '../pairing/pair.ts';
import { RelayChannel } from '../relay-channel.ts';
import type { PinMode } from './backend.ts';
import { startMiddlewareDaemon, type RunningDaemon } from './daemon.ts';
import type { MiddlewareEvent } from './events.ts';

export interface ServeCardOptions {
  /** The in-process PC/SC holding the card in `reader`. */
  readonly pcsc: InProcessPcsc;
  readonly reader: string;
  /** The card's image: its PIN (pairing) and trust anchors (CSCA, holder CA). */
  readonly image: CardImage;
  /** `pairings/` and `mw/bridge.sock` go here (keep it short: a Unix socket path is ≤ 107 bytes). */
  readonly dir: string;
  readonly pinMode: PinMode;
  readonly rng: { readonly pair: Rng; readonly daemon: Rng };
  /** Pair the card first (default true). */
  readonly paired?: boolean;
  readonly pinTimeoutMs?: number;
  readonly onEvent?: (e: MiddlewareEvent) => void;
}

/** Pairs the card (unless told not to) and starts the daemon on the in-process PC/SC. */
export async function serveInProcessCard(o: ServeCardOptions): Promise<RunningDaemon> {
  const pairingsDir = join(o.dir, 'pairings');
  if (o.paired ?? true) {
    const ch = new RelayChannel(o.pcsc, o.reader);
    const report = await pairCard(ch, {
      pin: o.image.state.pin.value,
      cscas: [fromHex(o.image.ias.certificates.csca)],
      holderCas: [fromHex(o.image.ias.certificates.holderCa)],
      pairingsDir,
      rng: o.rng.pair,
    }).finally(() => ch.close());
    if (report.verdict !== 'pass')
      throw new BenchError(
        'PKCS11_PAIRING_FAILED',
        `pairing the card failed: ${JSON.stringify(report.error)}`,
        'verdict',
      );
  }
  return startMiddlewareDaemon({
    // Never started: the in-process PC/SC stands in for the relay.
    relayBinary: '/nonexistent',
    pcsc: o.pcsc,
    socketPath: join(o.dir, 'mw', 'bridge.sock'),
    pairingsDir,
    pinMode: o.pinMode,
    rng: o.rng.daemon,
    ...(o.pinTimeoutMs ? { pinTimeoutMs: o.pinTimeoutMs } : {}),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
  });
}
