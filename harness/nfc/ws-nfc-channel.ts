/**
 * The NFC endpoint as an {@link ApduChannel} (`kind: 'ws-nfc'`), so conformance suites, scenarios
 * and the reference terminals also run over the contactless path, faults included. `connect` and
 * `reset` resolve to the ATR a PC/SC reader would report for the card; a lost tag is
 * `TAG_LOST`, a transceive timeout `TIMEOUT`.
 */
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import { ChannelError, type ApduChannel } from '../channel/apdu-channel.ts';
import { IsoDepClient, NfcClientError, type IsoDepClientOptions } from './ws-client.ts';

function channelError(e: unknown, during: string): unknown {
  if (!(e instanceof NfcClientError)) return e;
  const code =
    e.code === 'NFC_TAG_LOST'
      ? 'TAG_LOST'
      : e.code === 'NFC_TIMEOUT'
        ? 'TIMEOUT'
        : e.code === 'NFC_CONNECTION_CLOSED'
          ? 'CHANNEL_CLOSED'
          : 'TRANSMIT_FAILED';
  return new ChannelError(code, `${during}: ${e.message}`);
}

export class WsNfcChannel implements ApduChannel {
  readonly kind = 'ws-nfc';
  readonly description: string;
  private readonly url: string;
  private readonly options: IsoDepClientOptions;
  private client: IsoDepClient | undefined;

  constructor(url: string, options: IsoDepClientOptions = {}) {
    this.url = url;
    this.options = options;
    this.description = `ws-nfc: ${url}`;
  }

  /** The IsoDep-like client, for tests that want UID, WTX counts or faults. */
  get isoDep(): IsoDepClient | undefined {
    return this.client;
  }

  async connect(): Promise<Uint8Array> {
    await this.close();
    try {
      this.client = await IsoDepClient.connect(this.url, this.options);
    } catch (e) {
      throw channelError(e, 'connect');
    }
    return fromHex(this.client.activation.atr);
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    if (!this.client) throw new ChannelError('CHANNEL_NOT_CONNECTED', 'transmit before connect');
    try {
      return await this.client.transceive(command);
    } catch (e) {
      throw channelError(e, 'transmit');
    }
  }

  /** A new tap (field off and on): the card loses its volatile state. */
  async reset(): Promise<Uint8Array> {
    if (!this.client) throw new ChannelError('CHANNEL_NOT_CONNECTED', 'reset before connect');
    try {
      await this.client.reconnect();
    } catch (e) {
      throw channelError(e, 'reset');
    }
    return fromHex(this.client.activation.atr);
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.close();
  }
}
