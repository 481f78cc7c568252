/**
 * The PC/SC ApduChannel against real pcscd, through this project's driver and through Debian's
 * vpcd: same answers as the card in-process, reset as a power cycle, reader pseudo-APDUs, extended
 * APDUs, and a card pulled mid-flow reported as CARD_REMOVED.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import { createDefaultCard } from '../cards/card-registry.ts';
import { CIEBENCH_READER, DEBIAN_VPCD, readerName } from '../transport/endpoints.ts';
import { PcscChannel } from './pcsc-channel.ts';
import { EchoCard } from '../cards/echo-card.ts';
import {
  insertCard,
  integrationGate,
  reportGate,
  waitReader,
  type InsertedCard,
} from './testing/integration.ts';
import type { FaultInput } from '../nfc/faults.ts';
import type { CardSpec } from '../vpcd/worker/vicc-worker.ts';

const PROBES = ['00A4000C023F00', '00A4000C02ABCD', '00B0000004', '00FF000000'].map(fromHex);

for (const kind of [CIEBENCH_READER, DEBIAN_VPCD]) {
  const reader = readerName(kind);
  const gate = await integrationGate({ readers: [reader] });
  reportGate(`pcsc-channel (${kind.readerPrefix})`, gate);

  describe.skipIf(!gate.ok)(`PcscChannel through pcscd + ${kind.readerPrefix}`, () => {
    const binding = gate.binding!;
    const open: Array<{ close(): Promise<void> } | InsertedCard> = [];
    afterEach(async () => {
      for (const o of open.splice(0).reverse()) await ('remove' in o ? o.remove() : o.close());
    });

    async function channelFor(
      spec: CardSpec,
      o: { faults?: FaultInput[] } = {},
    ): Promise<{ ch: PcscChannel; inserted: InsertedCard }> {
      const inserted = await insertCard(binding, kind, spec, o);
      open.push(inserted);
      const ch = new PcscChannel({ reader, binding });
      open.push(ch);
      return { ch, inserted };
    }

    it('connects to the personality ATR and answers exactly as the card in-process', async () => {
      const { card: twin } = await createDefaultCard();
      twin.powerOn();
      const { ch } = await channelFor({ kind: 'default' });
      expect(await ch.connect()).toEqual(twin.atr);
      expect(ch.description).toBe(`pcsc: ${reader}`);
      for (const p of PROBES) expect(toHex(await ch.transmit(p))).toBe(toHex(twin.transmit(p)));
    });

    it('reset is a power cycle of the card (Card.reset: selection and secure messaging lost)', async () => {
      const { ch, inserted } = await channelFor({ kind: 'default' });
      await ch.connect();
      const before = inserted.worker.events.length;
      expect(await ch.reset()).toEqual(inserted.atr);
      await inserted.worker.waitFor(
        (m) =>
          m.type === 'power' && m.kind === 'reset' && inserted.worker.events.indexOf(m) >= before,
        5000,
        'reset at the card',
      );
    });

    it('answers FF CA 00 00 00 with the UID of the current activation (virtual reader, not the card)', async () => {
      const { ch, inserted } = await channelFor({ kind: 'default' });
      await ch.connect();
      const uid = await ch.transmit(fromHex('FFCA000000'));
      expect(toHex(uid)).toBe(`${inserted.worker.uid ?? '?'}9000`);
      expect(toHex(uid)).toMatch(/^08[0-9A-F]{6}9000$/);
      await ch.transmit(fromHex('00A4000C023F00'));
      await inserted.worker.waitFor(
        (m) => m.type === 'exchange' && m.command === '00A4000C023F00',
        5000,
        'SELECT at the card',
      );
      expect(
        inserted.worker.events.some((m) => m.type === 'exchange' && m.command.startsWith('FFCA')),
      ).toBe(false);
    });

    it('carries extended APDUs at the PC/SC level', async () => {
      const { ch } = await channelFor({ kind: 'echo' });
      await ch.connect();
      const data = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
      expect(
        await ch.transmit(Uint8Array.from([0x80, 0xee, 0, 0, 0, 0x0b, 0xb8, ...data, 0, 0])),
      ).toEqual(Uint8Array.from([...data, 0x90, 0x00]));
    });

    it('reports a card pulled mid-flow as CARD_REMOVED, and works again after re-insertion', async () => {
      const { ch } = await channelFor(
        { kind: 'echo' },
        { faults: [{ kind: 'field-off-mid-command', atApdu: 3 }] },
      );
      await ch.connect();
      expect(await ch.transmit(fromHex('80EE000001AA'))).toEqual(fromHex('AA9000'));
      expect(await ch.transmit(fromHex('80EE000001BB'))).toEqual(fromHex('BB9000'));
      await expect(ch.transmit(fromHex('80EE000001CC'))).rejects.toMatchObject({
        code: 'CARD_REMOVED',
      });
      await ch.close();
      await waitReader(binding, reader, true);
      expect(await ch.connect()).toEqual(new EchoCard().atr);
      expect(await ch.transmit(fromHex('80EE000001DD'))).toEqual(fromHex('DD9000'));
    });
  });
}
