/**
 * One vpcd connection: binds a socket to a {@link ViccEndpoint}. Frames are decoded from the byte
 * stream, handled strictly one after another (vpcd waits for each answer, README.md §3) and each answer
 * leaves in a single write on a TCP_NODELAY socket. A framing error or a fault-plan removal closes
 * this connection only; the card loses power when the link goes (removal = power loss).
 *
 * Backpressure: the reader waits for each answer, so the link stops reading while a frame is being
 * handled or while its answers wait in the socket buffer (above {@link VICC_HIGH_WATER_BYTES}),
 * and reads on once both are done. A peer that writes commands without reading the answers
 * stalls on its own TCP window; nothing accumulates here.
 */
import type { Socket } from 'node:net';
import { encodeVpcdFrame, VpcdFrameDecoder, VpcdProtocolError } from './framing.ts';
import type { ViccEndpoint, ViccReply } from './vicc-endpoint.ts';

export type LinkCloseReason =
  | { readonly kind: 'peer-closed' }
  | { readonly kind: 'removed'; readonly reason: string }
  | { readonly kind: 'protocol-error'; readonly code: string; readonly message: string }
  | { readonly kind: 'socket-error'; readonly message: string }
  | { readonly kind: 'local-close' };

/** Unsent answer bytes above which the link stops reading from the reader. */
export const VICC_HIGH_WATER_BYTES = 64 * 1024;

export interface ViccLinkOptions {
  readonly maxPayload?: number;
  /** The reader does not read its answers: the link stopped reading from it. */
  readonly onReadingPaused?: (unsentBytes: number) => void;
}

/** Serves `endpoint` on `socket` until the connection ends; resolves with why it ended. */
export function serveViccLink(
  socket: Socket,
  endpoint: ViccEndpoint,
  options: ViccLinkOptions = {},
): ViccLink {
  return new ViccLink(socket, endpoint, options);
}

export class ViccLink {
  readonly closed: Promise<LinkCloseReason>;
  private readonly socket: Socket;
  private readonly endpoint: ViccEndpoint;
  private readonly decoder: VpcdFrameDecoder;
  /** Decoded frames not handled yet (at most those of one socket read). */
  private readonly frames: Uint8Array[] = [];
  private busy = false;
  private stalled = false;
  private readonly onReadingPaused: (unsentBytes: number) => void;
  private inFlight: Promise<void> = Promise.resolve();
  private reason: LinkCloseReason | undefined;
  private finish: (r: LinkCloseReason) => void = () => undefined;

  constructor(socket: Socket, endpoint: ViccEndpoint, options: ViccLinkOptions) {
    this.socket = socket;
    this.endpoint = endpoint;
    this.decoder = new VpcdFrameDecoder(
      options.maxPayload !== undefined ? { maxPayload: options.maxPayload } : {},
    );
    this.onReadingPaused = options.onReadingPaused ?? ((): void => undefined);
    this.closed = new Promise((resolve) => {
      this.finish = resolve;
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.pump());
    socket.on('error', (e: Error) => this.end({ kind: 'socket-error', message: e.message }));
    socket.on('close', () => this.onClose());
  }

  /** Removes the card: closes the connection (vpcd reports the card as removed). */
  close(): void {
    this.end({ kind: 'local-close' });
  }

  private onData(chunk: Buffer): void {
    if (this.reason) return;
    try {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
      for (const frame of this.decoder.push(bytes)) this.frames.push(frame);
    } catch (e) {
      if (!(e instanceof VpcdProtocolError)) throw e;
      this.end({ kind: 'protocol-error', code: e.code, message: e.message });
      return;
    }
    this.pump();
  }

  /** Handles the queued frames one by one, reading from the socket only when there is room. */
  private pump(): void {
    if (this.reason || this.busy) return;
    const full = this.socket.writableLength > VICC_HIGH_WATER_BYTES;
    const frame = full ? undefined : this.frames.shift();
    if (frame === undefined) {
      if (full) {
        this.socket.pause();
        if (!this.stalled) this.onReadingPaused(this.socket.writableLength);
      } else this.socket.resume();
      this.stalled = full;
      return;
    }
    this.socket.pause();
    this.busy = true;
    this.inFlight = this.handle(frame).finally(() => {
      this.busy = false;
      this.pump();
    });
  }

  private async handle(frame: Uint8Array): Promise<void> {
    let reply: ViccReply;
    try {
      reply = await this.endpoint.handle(frame);
    } catch (e) {
      this.end({
        kind: 'protocol-error',
        code: 'VICC_HANDLER_FAILED',
        message: (e as Error).message,
      });
      return;
    }
    if (this.reason) return;
    if (reply.kind === 'reply') this.socket.write(encodeVpcdFrame(reply.payload));
    else if (reply.kind === 'remove') this.end({ kind: 'removed', reason: reply.reason });
  }

  private end(reason: LinkCloseReason): void {
    if (this.reason) return;
    this.reason = reason;
    this.frames.length = 0;
    this.socket.destroy();
  }

  /** The link is over once the command in flight (if any) has finished; then the card loses power. */
  private onClose(): void {
    this.reason ??= { kind: 'peer-closed' };
    const reason = this.reason;
    void this.inFlight.then(() => {
      this.endpoint.disconnect();
      this.finish(reason);
    });
  }
}
