/** Body of the vicc worker thread: builds the card, inserts it, reports what happens to it. */
import { parentPort, workerData } from 'node:worker_threads';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import type { Card, ExchangeEvent, ObservableCard } from '../../../emulator/src/card/card.ts';
import { NullCard } from '../../../emulator/src/card/null-card.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { createDefaultCard } from '../../cards/card-registry.ts';
import { EchoCard } from '../../cards/echo-card.ts';
import { ReaderSlot } from '../reader-slot.ts';
import { ViccClient } from '../vicc-client.ts';
import type { CardSpec, FromWorker, ToWorker, ViccWorkerData } from './vicc-worker-protocol.ts';

const port = parentPort;
if (!port) throw new Error('vicc-worker-main must run in a worker thread');
const data = workerData as ViccWorkerData;
const post = (m: FromWorker): void => port.postMessage(m);

async function build(spec: CardSpec): Promise<Card> {
  switch (spec.kind) {
    case 'default':
      return (await createDefaultCard()).card;
    case 'echo':
      return new EchoCard();
    case 'null':
      return new NullCard();
    case 'module': {
      const mod = (await import(spec.module)) as Record<string, (...a: unknown[]) => unknown>;
      const made = (await mod[spec.factory]?.(...(spec.args ?? []))) as
        Card | { card: Card } | undefined;
      if (!made) throw new Error(`${spec.module} has no factory ${spec.factory}`);
      return 'card' in made ? made.card : made;
    }
  }
}

try {
  const card = await build(data.card);
  const slot = new ReaderSlot({
    card,
    rng: seededRng(data.seed),
    faults: data.faults ?? [],
    ...(data.identity ? { identity: data.identity } : {}),
  });
  // An observer makes CardOs time and copy every exchange: benchmarks (exchanges: false) add none.
  if (data.exchanges !== false) {
    (card as Partial<ObservableCard>).observe?.({
      power: (e) => post({ type: 'power', kind: e.kind }),
      exchange: (e: ExchangeEvent) =>
        post({ type: 'exchange', command: toHex(e.command), response: toHex(e.response) }),
    });
  }
  const client = new ViccClient({
    host: data.host,
    port: data.port,
    slot,
    onEvent: (e) => {
      if (e.kind === 'connected') post({ type: 'connected' });
      else if (e.kind === 'disconnected') post({ type: 'disconnected', reason: e.reason.kind });
      else if (e.kind === 'endpoint' && e.event.kind === 'power') {
        const uid = slot.identity ? toHex(slot.identity.uid) : undefined;
        post({ type: 'power', kind: `vpcd-${e.event.action}`, ...(uid ? { uid } : {}) });
      }
    },
  });
  port.on('message', (m: ToWorker) => {
    if (m.type !== 'stop') return;
    void client.stop().then(() => {
      const faults = (card as { faults?: Error[] }).faults ?? [];
      post({ type: 'stopped', faults: faults.map((f) => f.message) });
      port.close();
    });
  });
  post({ type: 'ready', atr: toHex(card.atr) });
  client.start();
} catch (e) {
  post({ type: 'error', message: (e as Error).stack ?? String(e) });
  port.close();
}
