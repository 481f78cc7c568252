/** The in-process channel: a {@link Card} object reached through the {@link ApduChannel} contract. */
import type { Card } from '../../emulator/src/card/card.ts';
import { ChannelError, type ApduChannel } from './apdu-channel.ts';

export class InProcessChannel implements ApduChannel {
  readonly kind = 'in-process';
  readonly description: string;
  private readonly card: Card;
  private connected = false;

  constructor(card: Card, description = 'in-process card') {
    this.card = card;
    this.description = `in-process: ${description}`;
  }

  async connect(): Promise<Uint8Array> {
    this.connected = true;
    return this.card.powerOn();
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    if (!this.connected) throw new ChannelError('CHANNEL_NOT_CONNECTED', 'transmit before connect');
    return this.card.transmit(command);
  }

  async reset(): Promise<Uint8Array> {
    if (!this.connected) throw new ChannelError('CHANNEL_NOT_CONNECTED', 'reset before connect');
    return this.card.reset();
  }

  async close(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    this.card.powerOff();
  }
}
