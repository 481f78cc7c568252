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
 * virtual reader answers itself (reader-pseudo-apdu.ts). Every other APDU goes through the ISO-DEP
 * session (faults included) to `Card.transmit`. Any other 1-byte code and empty frames are
 * ignored (reported as events): the stream stays in step and nothing reaches the card.
 */
import { encodeResponseApdu, responseApdu } from '../../emulator/src/apdu/response-apdu.ts';
import {
  SW_6700_WRONG_LENGTH,
  SW_6F00_NO_PRECISE_DIAGNOSIS,
} from '../../emulator/src/apdu/status-words.ts';
import type { IsoDepSession } from '../nfc/iso-dep-session.ts';
import { answerReaderPseudoApdu } from '../transport/reader-pseudo-apdu.ts';
import { VPCD_MAX_PAYLOAD } from './framing.ts';

export const VPCD_POWER_OFF = 0x00;
export const VPCD_POWER_ON = 0x01;
export const VPCD_RESET = 0x02;
export const VPCD_GET_ATR = 0x04;

export type ViccEndpointEvent =
  | { readonly kind: 'power'; readonly action: 'off' | 'on' | 'reset' }
  | { readonly kind: 'reader-apdu'; readonly command: Uint8Array; readonly response: Uint8Array }
  | { readonly kind: 'tag-lost'; readonly reason: string }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'response-replaced'; readonly reason: string };

/** What to do after a frame: send `payload`, send nothing, or drop the link (card removed). */
export type ViccReply =
  | { readonly kind: 'reply'; readonly payload: Uint8Array }
  | { readonly kind: 'none' }
  | { readonly kind: 'remove'; readonly reason: string };

export interface ViccEndpointOptions {
  readonly session: IsoDepSession;
  /** Answer `FF CA 00/01 00` like a contactless reader (default true). */
  readonly readerPseudoApdus?: boolean;
  readonly onEvent?: (event: ViccEndpointEvent) => void;
}

const NONE: ViccReply = { kind: 'none' };
const sw = (s: Parameters<typeof responseApdu>[0]): Uint8Array =>
  encodeResponseApdu(responseApdu(s));

export class ViccEndpoint {
  readonly session: IsoDepSession;
  private readonly pseudo: boolean;
  private readonly emit: (event: ViccEndpointEvent) => void;

  constructor(o: ViccEndpointOptions) {
    this.session = o.session;
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
    this.session.fieldOff();
  }

  private control(code: number): ViccReply {
    switch (code) {
      case VPCD_POWER_OFF:
        this.session.fieldOff();
        this.emit({ kind: 'power', action: 'off' });
        return NONE;
      case VPCD_POWER_ON:
        this.session.fieldOn();
        this.emit({ kind: 'power', action: 'on' });
        return NONE;
      case VPCD_RESET:
        this.session.reset();
        this.emit({ kind: 'power', action: 'reset' });
        return NONE;
      case VPCD_GET_ATR:
        return { kind: 'reply', payload: this.session.card.atr };
      default:
        this.emit({
          kind: 'ignored',
          reason: `unknown control code ${code.toString(16).padStart(2, '0')}`,
        });
        return NONE;
    }
  }

  private async apdu(command: Uint8Array): Promise<ViccReply> {
    if (this.session.state === 'field-off') {
      // pcscd always powers first; a relay that does not gets an implicit power-on.
      this.session.fieldOn();
      this.emit({ kind: 'power', action: 'on' });
    }
    const activation = this.session.activation;
    if (this.pseudo && activation) {
      const answer = answerReaderPseudoApdu(command, activation);
      if (answer) {
        this.emit({ kind: 'reader-apdu', command, response: answer });
        return { kind: 'reply', payload: answer };
      }
    }
    const result = await this.session.transceive(command);
    if (result.kind === 'tag-lost') {
      this.emit({ kind: 'tag-lost', reason: result.reason });
      return { kind: 'remove', reason: result.reason };
    }
    if (result.kind === 'rejected') {
      if (result.code === 'NFC_TAG_LOST') return { kind: 'remove', reason: result.message };
      this.emit({ kind: 'response-replaced', reason: result.message });
      return {
        kind: 'reply',
        payload: sw(
          result.code === 'NFC_TRANSCEIVE_TOO_LONG'
            ? SW_6700_WRONG_LENGTH
            : SW_6F00_NO_PRECISE_DIAGNOSIS,
        ),
      };
    }
    if (result.response.length > VPCD_MAX_PAYLOAD) {
      // README.md §2: a 65 536-byte answer cannot be framed; the card says 6F00 instead of vanishing.
      this.emit({
        kind: 'response-replaced',
        reason: `response of ${result.response.length} bytes cannot be framed`,
      });
      return { kind: 'reply', payload: sw(SW_6F00_NO_PRECISE_DIAGNOSIS) };
    }
    if (result.response.length < 2) {
      // A corrupted (truncated) answer must still not read as a control code or a removal.
      this.emit({
        kind: 'response-replaced',
        reason: `response of ${result.response.length} byte(s) cannot be sent over vpcd`,
      });
      return { kind: 'reply', payload: sw(SW_6F00_NO_PRECISE_DIAGNOSIS) };
    }
    return { kind: 'reply', payload: result.response };
  }
}
