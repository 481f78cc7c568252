/**
 * A card in a vpcd reader slot, normal mode (vpcd/README.md §1): the reader listens, the
 * card connects. Connecting is inserting the card, disconnecting is removing it. When the link
 * drops (pcscd restarted, the reader turned the card away, a fault removed it) the client
 * re-inserts the card with exponential backoff until {@link ViccClient.stop} is called.
 */
import { connect, type Socket } from 'node:net';
import type { ReaderSlot } from './reader-slot.ts';
import { ViccEndpoint, type ViccEndpointEvent } from './vicc-endpoint.ts';
import { serveViccLink, type LinkCloseReason, type ViccLink } from './vicc-link.ts';

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

/**
 * The first re-insertion waits longer than pcscd's 400 ms presence poll (README.md §3): re-inserted any
 * sooner, Debian's vpcd would show the card as never removed, and applications would miss the loss.
 */
export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 5000, factor: 2 };

export type ViccClientEvent =
  | { readonly kind: 'connecting'; readonly attempt: number }
  | { readonly kind: 'connected' }
  | {
      readonly kind: 'disconnected';
      readonly reason: LinkCloseReason;
      readonly retryInMs: number | undefined;
    }
  | { readonly kind: 'connect-failed'; readonly message: string; readonly retryInMs: number }
  | { readonly kind: 'endpoint'; readonly event: ViccEndpointEvent }
  /** The reader does not read its answers: the card stopped reading from it until it does. */
  | { readonly kind: 'reading-paused'; readonly unsentBytes: number };

export interface ViccClientOptions {
  readonly host: string;
  readonly port: number;
  readonly slot: ReaderSlot;
  readonly readerPseudoApdus?: boolean;
  readonly backoff?: Backoff;
  readonly maxPayload?: number;
  readonly onEvent?: (event: ViccClientEvent) => void;
}

/** Delay before attempt `failures + 1` (failures counted since the last useful connection). */
export function backoffDelay(b: Backoff, failures: number): number {
  return Math.min(b.maxMs, Math.round(b.initialMs * b.factor ** Math.max(0, failures)));
}

export class ViccClient {
  readonly host: string;
  readonly port: number;
  readonly slot: ReaderSlot;
  private readonly endpoint: ViccEndpoint;
  private readonly backoff: Backoff;
  private readonly options: ViccClientOptions;
  private readonly emit: (e: ViccClientEvent) => void;
  private running = false;
  private link: ViccLink | undefined;
  private pending: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private attempts = 0;
  private usefulLink = false;
  /** Bumped by stop(): callbacks of an earlier start() must not schedule anything. */
  private generation = 0;
  private waiters: Array<() => void> = [];

  constructor(o: ViccClientOptions) {
    this.host = o.host;
    this.port = o.port;
    this.slot = o.slot;
    this.options = o;
    this.backoff = o.backoff ?? DEFAULT_BACKOFF;
    this.emit = o.onEvent ?? ((): void => undefined);
    this.endpoint = new ViccEndpoint({
      slot: o.slot,
      ...(o.readerPseudoApdus !== undefined ? { readerPseudoApdus: o.readerPseudoApdus } : {}),
      onEvent: (event) => {
        this.usefulLink = true;
        this.emit({ kind: 'endpoint', event });
      },
    });
  }

  get connected(): boolean {
    return this.link !== undefined;
  }

  /** Inserts the card: connects now and keeps re-inserting it after every loss. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.failures = 0;
    this.attempt();
  }

  /** Removes the card for good: closes the link and stops reconnecting. */
  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending?.destroy();
    const link = this.link;
    if (link) {
      link.close();
      await link.closed;
    }
  }

  /** Resolves when the card is connected to the reader (rejects after `timeoutMs`). */
  waitConnected(timeoutMs = 10_000): Promise<void> {
    if (this.link) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(
            new Error(
              `vpcd reader ${this.host}:${this.port} did not accept the card within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Simulates pulling the card out; it is re-inserted after the backoff delay. */
  removeOnce(): void {
    this.link?.close();
  }

  private attempt(): void {
    if (!this.running) return;
    const generation = this.generation;
    this.emit({ kind: 'connecting', attempt: ++this.attempts });
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    this.pending = socket;
    const onError = (e: Error): void => {
      this.pending = undefined;
      socket.destroy();
      if (generation !== this.generation) return;
      const retryInMs = this.nextDelay();
      this.emit({ kind: 'connect-failed', message: e.message, retryInMs });
      this.schedule(retryInMs);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      this.pending = undefined;
      this.onConnected(socket, generation);
    });
  }

  private onConnected(socket: Socket, generation: number): void {
    if (!this.running || generation !== this.generation) {
      socket.destroy();
      return;
    }
    this.usefulLink = false;
    const link = serveViccLink(socket, this.endpoint, {
      ...(this.options.maxPayload !== undefined ? { maxPayload: this.options.maxPayload } : {}),
      onReadingPaused: (unsentBytes) => this.emit({ kind: 'reading-paused', unsentBytes }),
    });
    this.link = link;
    this.emit({ kind: 'connected' });
    for (const w of this.waiters.splice(0)) w();
    void link.closed.then((reason) => {
      if (this.link === link) this.link = undefined;
      // A link that carried traffic resets the backoff; one that was turned away grows it.
      if (this.usefulLink) this.failures = 0;
      const retryInMs =
        this.running && generation === this.generation ? this.nextDelay() : undefined;
      this.emit({ kind: 'disconnected', reason, retryInMs });
      if (retryInMs !== undefined) this.schedule(retryInMs);
    });
  }

  private nextDelay(): number {
    return backoffDelay(this.backoff, this.failures++);
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.attempt();
    }, ms);
  }
}

export interface VpcdSlotSpec {
  readonly host: string;
  readonly port: number;
  readonly slot: ReaderSlot;
}

/** Several cards on several reader slots from one process (one port per card). */
export function startViccClients(
  specs: readonly VpcdSlotSpec[],
  common: Omit<ViccClientOptions, 'host' | 'port' | 'slot'> = {},
): ViccClient[] {
  return specs.map((s) => {
    const client = new ViccClient({ ...common, host: s.host, port: s.port, slot: s.slot });
    client.start();
    return client;
  });
}
