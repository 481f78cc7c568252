/**
 * Reversed mode (vpcd/README.md §1, §5): the card listens and the reader connects to
 * it — upstream vpcd with `DEVICENAME host:port`, this project's reader driver with `,connect`,
 * or a phone relay such as the Android "Smart Card Emulator" (ACardEmulator). One reader at a
 * time holds the card; a second connection while one is active is closed at once. The card loses
 * power whenever its reader goes.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { ReaderSlot } from './reader-slot.ts';
import { ViccEndpoint, type ViccEndpointEvent } from './vicc-endpoint.ts';
import { serveViccLink, type LinkCloseReason, type ViccLink } from './vicc-link.ts';

export type ViccServerEvent =
  | { readonly kind: 'listening'; readonly host: string; readonly port: number }
  | { readonly kind: 'reader-connected'; readonly remote: string }
  | { readonly kind: 'reader-refused'; readonly remote: string; readonly reason: string }
  | { readonly kind: 'reader-disconnected'; readonly reason: LinkCloseReason }
  | { readonly kind: 'endpoint'; readonly event: ViccEndpointEvent }
  /** The reader does not read its answers: the card stopped reading from it until it does. */
  | { readonly kind: 'reading-paused'; readonly unsentBytes: number };

export interface ViccServerOptions {
  readonly slot: ReaderSlot;
  /** Default 127.0.0.1: anything that can connect can talk to the card. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly readerPseudoApdus?: boolean;
  readonly maxPayload?: number;
  readonly onEvent?: (event: ViccServerEvent) => void;
}

export class ViccServer {
  private readonly server: Server;
  private readonly endpoint: ViccEndpoint;
  private readonly options: ViccServerOptions;
  private readonly emit: (e: ViccServerEvent) => void;
  private link: ViccLink | undefined;
  private suspended = false;

  constructor(o: ViccServerOptions) {
    this.options = o;
    this.emit = o.onEvent ?? ((): void => undefined);
    this.endpoint = new ViccEndpoint({
      slot: o.slot,
      ...(o.readerPseudoApdus !== undefined ? { readerPseudoApdus: o.readerPseudoApdus } : {}),
      onEvent: (event) => this.emit({ kind: 'endpoint', event }),
    });
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Starts listening; resolves with the bound address. */
  listen(): Promise<{ host: string; port: number }> {
    const host = this.options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        const port = typeof address === 'object' && address ? address.port : this.options.port;
        this.emit({ kind: 'listening', host, port });
        resolve({ host, port });
      });
    });
  }

  get readerConnected(): boolean {
    return this.link !== undefined;
  }

  /** Removes the card from the current reader (it may connect again). */
  dropReader(): void {
    this.link?.close();
  }

  /**
   * The card is elsewhere (e.g. in an NFC session): drop the reader and refuse readers until
   * resume. Resolves once the reader's last command has finished and the card is out.
   */
  async suspend(): Promise<void> {
    this.suspended = true;
    const link = this.link;
    link?.close();
    if (link) await link.closed;
  }

  resume(): void {
    this.suspended = false;
  }

  async close(): Promise<void> {
    const link = this.link;
    link?.close();
    if (link) await link.closed;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (this.link || this.suspended) {
      this.emit({
        kind: 'reader-refused',
        remote,
        reason: this.suspended ? 'the card is in another field' : 'the card is already in a reader',
      });
      socket.destroy();
      return;
    }
    const link = serveViccLink(socket, this.endpoint, {
      ...(this.options.maxPayload !== undefined ? { maxPayload: this.options.maxPayload } : {}),
      onReadingPaused: (unsentBytes) => this.emit({ kind: 'reading-paused', unsentBytes }),
    });
    this.link = link;
    this.emit({ kind: 'reader-connected', remote });
    void link.closed.then((reason) => {
      if (this.link === link) this.link = undefined;
      this.emit({ kind: 'reader-disconnected', reason });
    });
  }
}
