/**
 * The same runner interface as {@link ViccWorker}, for a Card object that lives in this thread.
 * Use it only when no PC/SC call of this thread can block while pcscd polls the card (the
 * deadlock described in vicc-worker-protocol.ts); prefer a {@link CardSpec} and a worker.
 */
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import type { Card, ObservableCard } from '../../../emulator/src/card/card.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import type { FaultInput } from '../../nfc/faults.ts';
import { ReaderSlot } from '../reader-slot.ts';
import { ViccClient } from '../vicc-client.ts';
import type { FromWorker } from './vicc-worker-protocol.ts';

/** What tests and benchmarks need from a card running in a reader slot. */
export interface CardRunner {
  readonly events: readonly FromWorker[];
  readonly atr: Uint8Array;
  readonly uid: string | undefined;
  readonly faults: readonly string[] | undefined;
  waitFor(
    match: (m: FromWorker) => boolean,
    timeoutMs?: number,
    what?: string,
  ): Promise<FromWorker>;
  stop(): Promise<void>;
}

export class InProcessVicc implements CardRunner {
  readonly events: FromWorker[] = [];
  readonly atr: Uint8Array;
  private readonly card: Card;
  private readonly client: ViccClient;
  private readonly slot: ReaderSlot;
  private readonly listeners: Array<(m: FromWorker) => void> = [];
  private stopped = false;

  constructor(
    card: Card,
    o: { host: string; port: number; faults?: readonly FaultInput[]; seed: string },
  ) {
    this.card = card;
    this.atr = card.atr;
    this.slot = new ReaderSlot({ card, rng: seededRng(o.seed), faults: o.faults ?? [] });
    (card as Partial<ObservableCard>).observe?.({
      power: (e) => this.push({ type: 'power', kind: e.kind }),
      exchange: (e) =>
        this.push({ type: 'exchange', command: toHex(e.command), response: toHex(e.response) }),
    });
    this.client = new ViccClient({
      host: o.host,
      port: o.port,
      slot: this.slot,
      onEvent: (e) => {
        if (e.kind === 'connected') this.push({ type: 'connected' });
        else if (e.kind === 'disconnected')
          this.push({ type: 'disconnected', reason: e.reason.kind });
        else if (e.kind === 'endpoint' && e.event.kind === 'power' && this.slot.identity) {
          this.push({
            type: 'power',
            kind: `vpcd-${e.event.action}`,
            uid: toHex(this.slot.identity.uid),
          });
        }
      },
    });
    this.push({ type: 'ready', atr: toHex(card.atr) });
    this.client.start();
  }

  get uid(): string | undefined {
    return this.slot.identity ? toHex(this.slot.identity.uid) : undefined;
  }

  get faults(): readonly string[] | undefined {
    return this.stopped
      ? ((this.card as { faults?: Error[] }).faults ?? []).map((f) => f.message)
      : undefined;
  }

  waitFor(
    match: (m: FromWorker) => boolean,
    timeoutMs = 10_000,
    what = 'event',
  ): Promise<FromWorker> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`card: no ${what} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const l = (m: FromWorker): void => {
        if (!match(m)) return;
        clearTimeout(t);
        this.listeners.splice(this.listeners.indexOf(l), 1);
        resolve(m);
      };
      this.listeners.push(l);
    });
  }

  async stop(): Promise<void> {
    await this.client.stop();
    this.stopped = true;
  }

  private push(m: FromWorker): void {
    this.events.push(m);
    for (const l of [...this.listeners]) l(m);
  }
}
