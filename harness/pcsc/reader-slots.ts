/**
 * Emulated cards in virtual reader slots, as seen through pcscd: insert a card (the vicc client
 * connects to the slot's port) and wait until pcscd lists it; pull it out and wait until the slot
 * is empty. Used by the integration tests and the transport benchmark.
 */
import type { Card } from '../../emulator/src/card/card.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import type { FaultInput } from '../nfc/faults.ts';
import { IsoDepSession } from '../nfc/iso-dep-session.ts';
import { QUICKACK_ADDRESS, readerName, type VirtualReaderKind } from '../transport/endpoints.ts';
import { ViccClient } from '../vpcd/vicc-client.ts';
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
export async function waitReader(binding: PcscBinding, name: string, present: boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await readerPresent(binding, name)) !== present) {
    if (Date.now() > deadline) throw new Error(`'${name}' did not ${present ? 'show a card' : 'become empty'} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface InsertedCard {
  readonly reader: string;
  readonly client: ViccClient;
  readonly session: IsoDepSession;
  /** Pulls the card out and waits until pcscd shows the slot empty. */
  remove(): Promise<void>;
}

/**
 * Inserts `card` into slot `slot` of a virtual reader and waits until pcscd lists it. Cards for
 * Debian's vpcd come from the quickack address when that route exists (spec §6.7 #2).
 */
export async function insertCard(binding: PcscBinding, kind: VirtualReaderKind, card: Card, o: { slot?: number; faults?: FaultInput[]; host?: string } = {}): Promise<InsertedCard> {
  const slotIndex = o.slot ?? 0;
  const reader = readerName(kind, slotIndex);
  if (await readerPresent(binding, reader)) throw new Error(`'${reader}' already holds a card: is \`ciebench card start\` running? Stop it for the integration tests.`);
  const host = o.host ?? (kind.id === 'vpcd' && (await quickackRoute()) ? QUICKACK_ADDRESS : '127.0.0.1');
  const session = new IsoDepSession({ card, rng: seededRng(`integration:${reader}`), faults: o.faults ?? [] });
  const client = new ViccClient({ host, port: kind.port + slotIndex, session });
  client.start();
  await client.waitConnected();
  await waitReader(binding, reader, true);
  return {
    reader,
    client,
    session,
    async remove() {
      await client.stop();
      await waitReader(binding, reader, false);
    },
  };
}
