/**
 * Emulated cards in virtual reader slots, as seen through pcscd: insert a card (a vicc client in a
 * worker thread connects to the slot's port) and wait until pcscd lists it; pull it out and wait
 * until the slot is empty. Used by the integration tests and the transport benchmark.
 */
import type { FaultInput } from '../nfc/faults.ts';
import { QUICKACK_ADDRESS, readerName, type VirtualReaderKind } from '../transport/endpoints.ts';
import type { Card } from '../../emulator/src/card/card.ts';
import { InProcessVicc, type CardRunner } from '../vpcd/worker/in-process-vicc.ts';
import { ViccWorker, type CardSpec } from '../vpcd/worker/vicc-worker.ts';
import { SCARD_STATE_PRESENT, type PcscBinding } from './pcsc-binding.ts';
import { quickackRoute } from './pcsc-env.ts';

export async function readerPresent(binding: PcscBinding, name: string): Promise<boolean> {
  const ctx = new binding.Context();
  try {
    const r = ctx.listReaders().find((x) => x.name === name);
    return r !== undefined && (r.state & SCARD_STATE_PRESENT) !== 0;
  } finally {
    ctx.close();
  }
}

/** Polls pcscd until the reader shows (or no longer shows) a card. */
export async function waitReader(
  binding: PcscBinding,
  name: string,
  present: boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await readerPresent(binding, name)) !== present) {
    if (Date.now() > deadline)
      throw new Error(
        `'${name}' did not ${present ? 'show a card' : 'become empty'} within ${timeoutMs} ms`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface InsertedCard {
  readonly reader: string;
  /** The card: in its own thread for a CardSpec (vpcd/worker/vicc-worker-protocol.ts says why). */
  readonly worker: CardRunner;
  readonly atr: Uint8Array;
  /** Pulls the card out and waits until pcscd shows the slot empty. */
  remove(): Promise<void>;
}

function isCard(x: CardSpec | Card): x is Card {
  return typeof (x as Partial<Card>).transmit === 'function';
}

/**
 * Inserts a card into slot `slot` of a virtual reader and waits until pcscd lists it. A
 * {@link CardSpec} builds the card in a worker thread (recommended); a Card object runs in this
 * thread (possible deadlock with synchronous PC/SC calls, see vicc-worker-protocol.ts). Cards for
 * Debian's vpcd come from the quickack address when that route exists (vpcd/README.md §7 item 2).
 */
export async function insertCard(
  binding: PcscBinding,
  kind: VirtualReaderKind,
  spec: CardSpec | Card,
  o: { slot?: number; faults?: FaultInput[]; host?: string; exchanges?: boolean } = {},
): Promise<InsertedCard> {
  const slotIndex = o.slot ?? 0;
  const reader = readerName(kind, slotIndex);
  if (await readerPresent(binding, reader))
    throw new Error(
      `'${reader}' already holds a card: is \`ciebench card start\` running? Stop it for the integration tests.`,
    );
  const host =
    o.host ?? (kind.id === 'vpcd' && (await quickackRoute()) ? QUICKACK_ADDRESS : '127.0.0.1');
  const seed = `slot:${reader}`;
  const port = kind.port + slotIndex;
  let worker: CardRunner;
  if (isCard(spec)) worker = new InProcessVicc(spec, { host, port, faults: o.faults ?? [], seed });
  else {
    const w = new ViccWorker({
      card: spec,
      host,
      port,
      faults: o.faults ?? [],
      seed,
      ...(o.exchanges === false ? { exchanges: false } : {}),
    });
    worker = w;
    await w.ready().catch(async (e: unknown) => {
      await w.stop();
      throw e;
    });
  }
  try {
    await worker.waitFor((m) => m.type === 'connected', 10_000, 'connection to the reader');
    await waitReader(binding, reader, true);
  } catch (e) {
    await worker.stop();
    throw e;
  }
  return {
    reader,
    worker,
    atr: worker.atr,
    async remove() {
      await worker.stop();
      await waitReader(binding, reader, false);
    },
  };
}
