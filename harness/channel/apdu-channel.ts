/**
 * How conformance suites, scenarios, reference terminals and traces reach a card (DESIGN.md
 * §2): bytes in, bytes out, whatever is behind — the in-process emulator, a PC/SC reader
 * (virtual or physical) or the NFC endpoint.
 */
import { HostError, type FailureKind } from '../../emulator/src/host-error.ts';

export interface ApduChannel {
  /** `in-process`, `pcsc`, `ws-nfc`, … */
  readonly kind: string;
  /** Human description for reports (`in-process: CIE (NXP)`, `pcsc: CIE Bench Virtual Reader 00 00`). */
  readonly description: string;
  /** Powers the card / connects; resolves to the ATR. */
  connect(): Promise<Uint8Array>;
  /** Raw command APDU → raw response APDU (data ‖ SW1 SW2). */
  transmit(command: Uint8Array): Promise<Uint8Array>;
  /** Warm reset; resolves to the ATR. */
  reset(): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * A channel that can be told the unprotected form of the exchange it just carried (a recording
 * channel under a terminal that knows its secure-messaging keys): the plain command, and the plain
 * response when it is already known. Calls that do not match the last exchange are ignored.
 */
export interface PlainFormSink {
  notePlain(wireCommand: Uint8Array, plainCommand: Uint8Array, plainResponse?: Uint8Array): void;
}

export function isPlainFormSink(x: unknown): x is PlainFormSink {
  return typeof (x as Partial<PlainFormSink> | undefined)?.notePlain === 'function';
}

export type ChannelErrorCode =
  | 'CHANNEL_NOT_CONNECTED'
  | 'CHANNEL_CLOSED'
  | 'CARD_REMOVED'
  /** Another application reset the card: selection, PIN status and secure messaging are lost. */
  | 'CARD_RESET'
  | 'READER_NOT_FOUND'
  /** The smart-card service (pcscd) is not running or stopped. */
  | 'SERVICE_UNAVAILABLE'
  | 'TRANSMIT_FAILED'
  | 'TIMEOUT'
  | 'TAG_LOST';

/** Host-side channel failure with a stable code (DESIGN.md §3). */
export class ChannelError extends HostError {
  readonly code: ChannelErrorCode;
  constructor(code: ChannelErrorCode, message: string) {
    super(message);
    this.code = code;
  }
  /** A missing reader or smart-card service is the machine's state, not the user's input. */
  override get kind(): FailureKind {
    return this.code === 'READER_NOT_FOUND' || this.code === 'SERVICE_UNAVAILABLE'
      ? 'environment'
      : 'verdict';
  }
}
