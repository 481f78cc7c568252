/**
 * PC/SC failures as {@link ChannelError}s with clear messages. The `smartcard` binding reports
 * errors as bare text (its `GetPCSCErrorString`), so the mapping is by text; the SCARD_* name is
 * kept in the message for people searching the pcsc-lite documentation.
 *
 * Removal needs a second look: pcsc-lite answers an APDU interrupted by a removal with "Transaction
 * failed" (SCARD_E_NOT_TRANSACTED), and Debian's vpcd even with an empty successful response
 * (nfc/README.md §1, vpcd/README.md §7 item 7); "Card was removed" comes only after pcscd's next presence
 * poll (400 ms). Those cases are `ambiguous`: the channel then watches the reader to tell a
 * removal from a plain transmission failure.
 */
import { ChannelError, type ChannelErrorCode } from '../channel/apdu-channel.ts';

interface Mapping {
  readonly code: ChannelErrorCode;
  readonly scard: string;
  readonly text: string;
  /** Could be a removal that pcscd has not noticed yet. */
  readonly ambiguous?: boolean;
}

const BY_MESSAGE: ReadonlyMap<string, Mapping> = new Map([
  [
    'Card was removed',
    {
      code: 'CARD_REMOVED',
      scard: 'SCARD_W_REMOVED_CARD',
      text: 'the card was removed from the reader',
    },
  ],
  [
    'No smart card present',
    { code: 'CARD_REMOVED', scard: 'SCARD_E_NO_SMARTCARD', text: 'there is no card in the reader' },
  ],
  [
    'Transaction failed',
    {
      code: 'TRANSMIT_FAILED',
      scard: 'SCARD_E_NOT_TRANSACTED',
      text: 'the reader could not exchange the APDU',
      ambiguous: true,
    },
  ],
  [
    'Communication error',
    {
      code: 'TRANSMIT_FAILED',
      scard: 'SCARD_F_COMM_ERROR',
      text: 'communication error with the reader',
      ambiguous: true,
    },
  ],
  [
    'Card is unresponsive',
    {
      code: 'TRANSMIT_FAILED',
      scard: 'SCARD_W_UNRESPONSIVE_CARD',
      text: 'the card does not answer',
      ambiguous: true,
    },
  ],
  [
    'Card is unpowered',
    {
      code: 'TRANSMIT_FAILED',
      scard: 'SCARD_W_UNPOWERED_CARD',
      text: 'the card is not powered',
      ambiguous: true,
    },
  ],
  [
    'Card was reset',
    {
      code: 'CARD_RESET',
      scard: 'SCARD_W_RESET_CARD',
      text: 'another application reset the card: its state (selection, PIN, secure messaging) is lost',
    },
  ],
  [
    'Sharing violation',
    {
      code: 'TRANSMIT_FAILED',
      scard: 'SCARD_E_SHARING_VIOLATION',
      text: 'another application holds the card exclusively',
    },
  ],
  [
    'Insufficient buffer',
    {
      code: 'TRANSMIT_FAILED',
      scard: 'SCARD_E_INSUFFICIENT_BUFFER',
      text: 'the response is longer than maxRecvLength',
    },
  ],
  ['Operation timed out', { code: 'TIMEOUT', scard: 'SCARD_E_TIMEOUT', text: 'timed out' }],
  [
    'Unknown reader',
    { code: 'READER_NOT_FOUND', scard: 'SCARD_E_UNKNOWN_READER', text: 'no such reader' },
  ],
  [
    'Reader unavailable',
    { code: 'READER_NOT_FOUND', scard: 'SCARD_E_READER_UNAVAILABLE', text: 'the reader went away' },
  ],
  [
    'No readers available',
    {
      code: 'READER_NOT_FOUND',
      scard: 'SCARD_E_NO_READERS_AVAILABLE',
      text: 'no PC/SC reader is connected',
    },
  ],
  [
    'PC/SC service not running',
    {
      code: 'SERVICE_UNAVAILABLE',
      scard: 'SCARD_E_NO_SERVICE',
      text: 'pcscd is not running (start it: `pcscd` or `systemctl start pcscd.socket`)',
    },
  ],
  [
    'PC/SC service stopped',
    { code: 'SERVICE_UNAVAILABLE', scard: 'SCARD_E_SERVICE_STOPPED', text: 'pcscd stopped' },
  ],
]);

export interface MappedPcscError {
  readonly error: ChannelError;
  readonly ambiguous: boolean;
}

/** Maps a binding error; `during` names the operation ("transmit", "connect to X"). */
export function mapPcscError(e: unknown, during: string): MappedPcscError {
  const message = e instanceof Error ? e.message : String(e);
  const m = BY_MESSAGE.get(message);
  if (!m)
    return {
      error: new ChannelError('TRANSMIT_FAILED', `${during}: PC/SC error: ${message}`),
      ambiguous: false,
    };
  return {
    error: new ChannelError(m.code, `${during}: ${m.text} (${m.scard})`),
    ambiguous: m.ambiguous ?? false,
  };
}

export function cardRemovedError(during: string, detail: string): ChannelError {
  return new ChannelError(
    'CARD_REMOVED',
    `${during}: the card was removed from the reader (${detail})`,
  );
}
