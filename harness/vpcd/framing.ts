/**
 * The vpcd wire framing (vpcd/README.md §2; frankmorgner/vsmartcard `vpcd.c` and
 * `VirtualSmartcard.py`, read for the protocol only): in both directions every message is
 *
 * ```
 * length (2 bytes, big-endian) ‖ payload (length bytes)       0 ≤ length ≤ 0xFFFF
 * ```
 * TCP is a byte stream, so frames arrive split or several per segment: the decoder is an explicit
 * state loop over whatever bytes come (the ws `receiver.js` pattern) and never assumes that one
 * `data` event is one frame. The encoder builds length and payload into one buffer so a frame
 * leaves in one write (the two-write Nagle stall of vpcd 0.8 is the warning, README.md §6).
 */
import { HostError } from '../../emulator/src/host-error.ts';

export const VPCD_MAX_PAYLOAD = 0xffff;

export type VpcdErrorCode = 'VPCD_FRAME_TOO_LONG' | 'VPCD_PAYLOAD_TOO_LONG' | 'VPCD_DECODER_FAILED';

/** Host-side vpcd protocol error (DESIGN.md §3). */
export class VpcdProtocolError extends HostError {
  readonly code: VpcdErrorCode;
  constructor(code: VpcdErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** One frame in one buffer; throws `VPCD_PAYLOAD_TOO_LONG` above 65 535 bytes. */
export function encodeVpcdFrame(payload: Uint8Array): Uint8Array {
  if (payload.length > VPCD_MAX_PAYLOAD) {
    throw new VpcdProtocolError(
      'VPCD_PAYLOAD_TOO_LONG',
      `a vpcd frame carries at most ${VPCD_MAX_PAYLOAD} bytes, not ${payload.length}`,
    );
  }
  const frame = new Uint8Array(payload.length + 2);
  frame[0] = payload.length >> 8;
  frame[1] = payload.length & 0xff;
  frame.set(payload, 2);
  return frame;
}

type DecoderState =
  | { readonly kind: 'length'; readonly high: number | undefined }
  | { readonly kind: 'payload'; readonly buffer: Uint8Array; readonly filled: number }
  | { readonly kind: 'failed' };

export interface VpcdDecoderOptions {
  /** Largest payload accepted (default 65 535, the most the length field can say). */
  readonly maxPayload?: number;
}

/**
 * Incremental decoder. `push` returns every frame completed by the chunk, in order. A length above
 * `maxPayload` throws `VPCD_FRAME_TOO_LONG` and leaves the decoder failed: the stream cannot be
 * resynchronised, so the connection must be closed.
 */
export class VpcdFrameDecoder {
  private state: DecoderState = { kind: 'length', high: undefined };
  private readonly maxPayload: number;

  constructor(options: VpcdDecoderOptions = {}) {
    this.maxPayload = Math.min(options.maxPayload ?? VPCD_MAX_PAYLOAD, VPCD_MAX_PAYLOAD);
  }

  /** Bytes held for an incomplete frame. */
  get pending(): number {
    const s = this.state;
    if (s.kind === 'length') return s.high === undefined ? 0 : 1;
    return s.kind === 'payload' ? 2 + s.filled : 0;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.state.kind === 'failed')
      throw new VpcdProtocolError('VPCD_DECODER_FAILED', 'decoder used after a framing error');
    const frames: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      const s: DecoderState = this.state;
      if (s.kind === 'length') {
        const byte = chunk[i++] as number;
        if (s.high === undefined) {
          this.state = { kind: 'length', high: byte };
          continue;
        }
        const length: number = (s.high << 8) | byte;
        if (length > this.maxPayload) {
          this.state = { kind: 'failed' };
          throw new VpcdProtocolError(
            'VPCD_FRAME_TOO_LONG',
            `frame announces ${length} bytes, the limit is ${this.maxPayload}`,
          );
        }
        if (length === 0) {
          frames.push(new Uint8Array(0));
          this.state = { kind: 'length', high: undefined };
        } else this.state = { kind: 'payload', buffer: new Uint8Array(length), filled: 0 };
      } else if (s.kind === 'payload') {
        const take = Math.min(s.buffer.length - s.filled, chunk.length - i);
        s.buffer.set(chunk.subarray(i, i + take), s.filled);
        i += take;
        const filled: number = s.filled + take;
        if (filled === s.buffer.length) {
          frames.push(s.buffer);
          this.state = { kind: 'length', high: undefined };
        } else this.state = { kind: 'payload', buffer: s.buffer, filled };
      } else break;
    }
    return frames;
  }
}
