/**
 * Core pipeline benchmark: plain READ BINARY of 231 bytes in-process, next to the null
 * card measured in the same run. Targets: ≥ 100 000 APDU/s, and at most 3× the null card's time
 * per APDU.
 */
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { NullCard } from '../../../emulator/src/card/null-card.ts';
import { createIsoTestCard } from '../../../emulator/src/profiles/iso-test-card.ts';
import { InProcessChannel } from '../../channel/in-process-channel.ts';
import { measureRate, type BenchSuite } from '../bench-kit.ts';

const READ_231 = fromHex('00B00000E7');

export const suite: BenchSuite = {
  name: 'core pipeline, in-process',
  async run() {
    const nullChannel = new InProcessChannel(new NullCard());
    await nullChannel.connect();
    const card = createIsoTestCard();
    const channel = new InProcessChannel(card);
    await channel.connect();
    await channel.transmit(fromHex('00A4000C020101'));
    const check = await channel.transmit(READ_231);
    if (check.length !== 233 || check[231] !== 0x90)
      throw new Error('benchmark setup: READ BINARY did not return 231 bytes + 9000');
    const nullRate = await measureRate(() => nullChannel.transmit(READ_231));
    const cardRate = await measureRate(() => channel.transmit(READ_231));
    return [
      { name: 'null card (9000 to everything), APDU/s', value: nullRate, unit: 'APDU/s' },
      {
        name: 'READ BINARY 231 bytes (plain), APDU/s',
        value: cardRate,
        unit: 'APDU/s',
        target: { op: '>=', value: 100_000 },
      },
      {
        name: 'time per APDU relative to the null card',
        value: nullRate / cardRate,
        unit: '×',
        target: { op: '<=', value: 3 },
        detail: 'emulator µs / null-card µs',
      },
    ];
  },
};
