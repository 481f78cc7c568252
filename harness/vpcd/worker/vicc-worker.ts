/**
 * A vicc card in a worker thread (why: vicc-worker-protocol.ts). The owner sees what happens to the
 * card through events (power, exchanges, UID of each activation) instead of observing it directly.
 */
import { Worker } from 'node:worker_threads';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import type { CardRunner } from './in-process-vicc.ts';
import type { CardSpec, FromWorker, ToWorker, ViccWorkerData } from './vicc-worker-protocol.ts';

/**
 * The worker's entry module: from the TypeScript sources, a small `.mjs` that registers the tsx
 * loader first (a worker does not inherit the parent's loader); from the compiled package, the
 * compiled entry itself.
 */
const WORKER_ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('./vicc-worker.mjs', import.meta.url)
  : new URL('./vicc-worker-main.js', import.meta.url);

export class ViccWorker implements CardRunner {
  readonly events: FromWorker[] = [];
  private readonly worker: Worker;
  private readonly listeners: Array<(m: FromWorker) => void> = [];
  private atrHex: string | undefined;
  private cardFaults: readonly string[] | undefined;

  constructor(data: ViccWorkerData) {
    this.worker = new Worker(WORKER_ENTRY, { workerData: data });
    this.worker.on('message', (m: FromWorker) => {
      this.events.push(m);
      if (m.type === 'ready') this.atrHex = m.atr;
      if (m.type === 'stopped') this.cardFaults = m.faults;
      for (const l of [...this.listeners]) l(m);
    });
    this.worker.on('error', (e) => this.events.push({ type: 'error', message: e.message }));
  }

  /** The card's ATR (after {@link ready}). */
  get atr(): Uint8Array {
    if (this.atrHex === undefined) throw new Error('the worker card is not ready yet');
    return fromHex(this.atrHex);
  }

  /** UID of the card's current activation, as the virtual reader reports it. */
  get uid(): string | undefined {
    return [...this.events]
      .reverse()
      .find(
        (e): e is Extract<FromWorker, { type: 'power' }> =>
          e.type === 'power' && e.uid !== undefined,
      )?.uid;
  }

  /** Internal faults of the card (`CardOs.faults`), known after {@link stop}. */
  get faults(): readonly string[] | undefined {
    return this.cardFaults;
  }

  /** Resolves with the first event (past or future) that `match` accepts. */
  waitFor(
    match: (m: FromWorker) => boolean,
    timeoutMs = 10_000,
    what = 'event',
  ): Promise<FromWorker> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(
            new Error(
              `vicc worker: no ${what} within ${timeoutMs} ms (${JSON.stringify(this.events.slice(-3))})`,
            ),
          ),
        timeoutMs,
      );
      const l = (m: FromWorker): void => {
        if (m.type === 'error') {
          clearTimeout(t);
          reject(new Error(`vicc worker failed: ${m.message}`));
        } else if (match(m)) {
          clearTimeout(t);
          this.listeners.splice(this.listeners.indexOf(l), 1);
          resolve(m);
        }
      };
      this.listeners.push(l);
    });
  }

  async ready(): Promise<void> {
    await this.waitFor((m) => m.type === 'ready', 60_000, 'ready');
  }

  /** Removes the card for good and ends the thread. */
  async stop(): Promise<void> {
    const stopped = this.waitFor((m) => m.type === 'stopped', 10_000, 'stop');
    this.worker.postMessage({ type: 'stop' } satisfies ToWorker);
    await stopped.catch(() => undefined);
    await this.worker.terminate();
  }
}

export type { CardSpec };
