/**
 * The card side of the vpcd protocol for one card (the "vicc" role, vpcd/README.md §3),
 * without sockets: one decoded frame in, at most one reply out.
 *
 * | payload from the reader  | meaning   | the card                                               |
 * |--------------------------|-----------|--------------------------------------------------------|
 * | `00`                     | power off | field off: the card loses every volatile state         |
 * | `01`                     | power on  | field on: power-on reset, new activation (new random UID) |
 * | `02`                     | reset     | `Card.reset` (every volatile state lost), new activation |
 * | `04`                     | get ATR   | replies with the personality's ATR (also the presence poll) |
 * | 2 bytes or more          | C-APDU    | replies with the R-APDU                                |
 *
 * The transport never parses APDUs except the reader pseudo-APDUs `FF CA 00/01 00 Le`, which the
 * virtual reader answers itself (reader-pseudo-apdu.ts). Every other APDU goes through the reader
 * slot (reader-slot.ts: power, faults) to `Card.transmit`, and the card's answer goes back
 * unchanged: the transport makes up no status word. An answer that the vpcd framing cannot carry
 * (more than 65 535 bytes, or less than SW1 SW2 after a `corrupt-response` fault) is lost like
 * the answer of a card pulled out: the link is closed. Any other 1-byte code and empty frames are
 * ignored (reported as events): the stream stays in step and nothing reaches the card.
 */
import { answerReaderPseudoApdu } from '../transport/reader-pseudo-apdu.ts';
import { VPCD_MAX_PAYLOAD } from './framing.ts';
import type { ReaderSlot } from './reader-slot.ts';

export const VPCD_POWER_OFF = 0x00;
export const VPCD_POWER_ON = 0x01;
export const VPCD_RESET = 0x02;
export const VPCD_GET_ATR = 0x04;

export type ViccEndpointEvent =
  | { readonly kind: 'power'; readonly action: 'off' | 'on' | 'reset' }
  | { readonly kind: 'reader-apdu'; readonly command: Uint8Array; readonly response: Uint8Array }
  | { readonly kind: 'removed'; readonly reason: string }
  | { readonly kind: 'ignored'; readonly reason: string };

/** What to do after a frame: send `payload`, send nothing, or drop the link (card removed). */
export type ViccReply =
  | { readonly kind: 'reply'; readonly payload: Uint8Array }
  | { readonly kind: 'none' }
  | { readonly kind: 'remove'; readonly reason: string };

export interface ViccEndpointOptions {
  readonly slot: ReaderSlot;
  /** Answer `FF CA 00/01 00` like a contactless reader (default true). */
  readonly readerPseudoApdus?: boolean;
  readonly onEvent?: (event: ViccEndpointEvent) => void;
}

const NONE: ViccReply = { kind: 'none' };

export class ViccEndpoint {
  readonly slot: ReaderSlot;
  private readonly pseudo: boolean;
  private readonly emit: (event: ViccEndpointEvent) => void;

  constructor(o: ViccEndpointOptions) {
    this.slot = o.slot;
    this.pseudo = o.readerPseudoApdus ?? true;
    this.emit = o.onEvent ?? ((): void => undefined);
  }

  async handle(payload: Uint8Array): Promise<ViccReply> {
    if (payload.length === 0) {
      this.emit({ kind: 'ignored', reason: 'empty frame from the reader' });
      return NONE;
    }
    if (payload.length === 1) return this.control(payload[0] as number);
    return this.apdu(payload);
  }

  /** The link is gone (card removed from the reader): the card loses power. */
  disconnect(): void {
    this.slot.powerOff();
  }

  private control(code: number): ViccReply {
    switch (code) {
      case VPCD_POWER_OFF:
        this.slot.powerOff();
        this.emit({ kind: 'power', action: 'off' });
        return NONE;
      case VPCD_POWER_ON:
        this.slot.powerOn();
        this.emit({ kind: 'power', action: 'on' });
        return NONE;
      case VPCD_RESET:
        this.slot.reset();
        this.emit({ kind: 'power', action: 'reset' });
        return NONE;
      case VPCD_GET_ATR:
        return { kind: 'reply', payload: this.slot.card.atr };
      default:
        this.emit({
          kind: 'ignored',
          reason: `unknown control code ${code.toString(16).padStart(2, '0')}`,
        });
        return NONE;
    }
  }

  private async apdu(command: Uint8Array): Promise<ViccReply> {
    if (!this.slot.powered) {
      // pcscd always powers first; a relay that does not gets an implicit power-on.
      this.slot.powerOn();
      this.emit({ kind: 'power', action: 'on' });
    }
    const identity = this.slot.identity;
    if (this.pseudo && identity) {
      const answer = answerReaderPseudoApdu(command, identity);
      if (answer) {
        this.emit({ kind: 'reader-apdu', command, response: answer });
        return { kind: 'reply', payload: answer };
      }
    }
    const result = await this.slot.transmit(command);
    if (result.kind === 'removed') return this.remove(result.reason);
    const n = result.response.length;
    // A 65 536-byte answer cannot be framed (the length field has 16 bits); a 0- or 1-byte frame
    // would not read as an answer. Either way the answer is lost, as when the card is pulled.
    if (n > VPCD_MAX_PAYLOAD) return this.remove(`answer of ${n} bytes cannot be framed by vpcd`);
    if (n < 2) return this.remove(`answer of ${n} byte(s) is not a response APDU`);
    return { kind: 'reply', payload: result.response };
  }

  private remove(reason: string): ViccReply {
    this.slot.powerOff();
    this.emit({ kind: 'removed', reason });
    return { kind: 'remove', reason };
  }
}
