/**
 * One vpcd connection: binds a socket to a {@link ViccEndpoint}. Frames are decoded from the byte
 * stream, handled strictly one after another (vpcd waits for each answer, README.md §3) and each answer
 * leaves in a single write on a TCP_NODELAY socket. A framing error or a fault-plan removal closes
 * this connection only; the card loses power when the link goes (removal = power loss).
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

export interface ViccLinkOptions {
  readonly maxPayload?: number;
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
  private queue: Promise<void> = Promise.resolve();
  private reason: LinkCloseReason | undefined;
  private finish: (r: LinkCloseReason) => void = () => undefined;

  constructor(socket: Socket, endpoint: ViccEndpoint, options: ViccLinkOptions) {
    this.socket = socket;
    this.endpoint = endpoint;
    this.decoder = new VpcdFrameDecoder(
      options.maxPayload !== undefined ? { maxPayload: options.maxPayload } : {},
    );
    this.closed = new Promise((resolve) => {
      this.finish = resolve;
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: Error) => this.end({ kind: 'socket-error', message: e.message }));
    socket.on('close', () => this.onClose());
  }

  /** Removes the card: closes the connection (vpcd reports the card as removed). */
  close(): void {
    this.end({ kind: 'local-close' });
  }

  private onData(chunk: Buffer): void {
    if (this.reason) return;
    let frames: Uint8Array[];
    try {
      frames = this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    } catch (e) {
      if (!(e instanceof VpcdProtocolError)) throw e;
      this.end({ kind: 'protocol-error', code: e.code, message: e.message });
      return;
    }
    for (const frame of frames) this.queue = this.queue.then(() => this.handle(frame));
  }

  private async handle(frame: Uint8Array): Promise<void> {
    if (this.reason) return;
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
    this.socket.destroy();
  }

  private onClose(): void {
    this.reason ??= { kind: 'peer-closed' };
    this.endpoint.disconnect();
    this.finish(this.reason);
  }
}
