import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import { createIsoTestCard } from '../../emulator/src/profiles/iso-test-card.ts';
import { ChannelError } from './apdu-channel.ts';
import { InProcessChannel } from './in-process-channel.ts';

describe('InProcessChannel', () => {
  it('connect powers the card and returns its ATR; transmit passes bytes; close powers off', async () => {
    const card = createIsoTestCard({ strict: true });
    const ch = new InProcessChannel(card, 'iso test');
    expect(ch.description).toBe('in-process: iso test');
    expect(toHex(await ch.connect())).toBe('3B80800101');
    expect(toHex(await ch.transmit(fromHex('00A4000C023F00')))).toBe('9000');
    await ch.close();
    expect(card.powered).toBe(false);
  });
  it('refuses to transmit before connect with a coded error', async () => {
    const ch = new InProcessChannel(createIsoTestCard());
    await expect(ch.transmit(fromHex('00A4000C'))).rejects.toMatchObject({
      code: 'CHANNEL_NOT_CONNECTED',
    });
    await expect(ch.reset()).rejects.toBeInstanceOf(ChannelError);
  });
  it('reset is a warm reset: selection is lost', async () => {
    const ch = new InProcessChannel(createIsoTestCard({ strict: true }));
    await ch.connect();
    await ch.transmit(fromHex('00A4000C020101'));
    expect(toHex(await ch.reset())).toBe('3B80800101');
    expect(toHex(await ch.transmit(fromHex('00B0000001')))).toBe('6986');
  });
});
