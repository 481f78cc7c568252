import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import type { Card } from '../../emulator/src/card/card.ts';
import { NullCard } from '../../emulator/src/card/null-card.ts';
import { createDefaultCard } from '../cards/card-registry.ts';
import { ChannelError } from '../channel/apdu-channel.ts';
import { SCARD_PROTOCOL_T0 } from './pcsc-binding.ts';
import { PcscChannel } from './pcsc-channel.ts';
import { mapPcscError } from './pcsc-errors.ts';
import { fakeBinding, slot } from './testing/fake-binding.ts';
import { transmitT0 } from './t0.ts';

const SELECT_MF = fromHex('00A4000C023F00');

async function twin(): Promise<Card> {
  const { card } = await createDefaultCard();
  card.powerOn();
  return card;
}

describe('PcscChannel (smartcard binding, scripted)', () => {
  it('connects SHARED to the named reader and returns the ATR; APDUs reach the card untouched', async () => {
    const { card } = await createDefaultCard();
    const s = slot('CIE Bench Virtual Reader 00 00', card);
    const ch = new PcscChannel({
      reader: 'CIE Bench Virtual Reader 00 00',
      binding: fakeBinding([slot('Other 00 00', undefined), s]),
    });
    expect(await ch.connect()).toEqual(card.atr);
    expect(ch.description).toBe('pcsc: CIE Bench Virtual Reader 00 00');
    expect(await ch.transmit(SELECT_MF)).toEqual((await twin()).transmit(SELECT_MF));
    expect(s.log).toEqual([toHex(SELECT_MF)]);
    expect(s.recvLengths).toEqual([65_538]);
    await ch.close();
  });

  it('picks a reader by unique substring, or the only reader with a card', async () => {
    const b = fakeBinding([
      slot('Virtual PCD 00 00', undefined),
      slot('Virtual PCD 00 01', new NullCard()),
    ]);
    const byPart = new PcscChannel({ reader: '00 01', binding: b });
    await byPart.connect();
    expect(byPart.reader).toBe('Virtual PCD 00 01');
    const auto = new PcscChannel({ binding: b });
    await auto.connect();
    expect(auto.reader).toBe('Virtual PCD 00 01');
  });

  it('names the readers when the wanted one is missing or ambiguous', async () => {
    const b = fakeBinding([
      slot('Virtual PCD 00 00', undefined),
      slot('Virtual PCD 00 01', undefined),
    ]);
    await expect(new PcscChannel({ reader: 'ACR122', binding: b }).connect()).rejects.toMatchObject(
      { code: 'READER_NOT_FOUND', message: expect.stringContaining("'Virtual PCD 00 00'") },
    );
    await expect(
      new PcscChannel({ reader: 'Virtual', binding: b }).connect(),
    ).rejects.toMatchObject({
      code: 'READER_NOT_FOUND',
      message: expect.stringContaining('several'),
    });
    await expect(
      new PcscChannel({ reader: 'Virtual PCD 00 00', binding: b }).connect(),
    ).rejects.toMatchObject({ code: 'CARD_REMOVED' });
  });

  it('waits for a card when asked to', async () => {
    const s = slot('R 00 00', undefined);
    const ch = new PcscChannel({
      reader: 'R 00 00',
      waitForCardMs: 2000,
      binding: fakeBinding([s]),
    });
    setTimeout(() => (s.card = new NullCard()), 120);
    expect(await ch.connect()).toEqual(new NullCard().atr);
  });

  it('reports a removal as CARD_REMOVED, also when pcsc-lite first says "Transaction failed"', async () => {
    const s = slot('R 00 00', new NullCard());
    const ch = new PcscChannel({
      reader: 'R 00 00',
      removalProbeMs: 300,
      binding: fakeBinding([s]),
    });
    await ch.connect();
    s.failNext = 'Transaction failed';
    s.removeOnNext = true;
    await expect(ch.transmit(SELECT_MF)).rejects.toMatchObject({
      code: 'CARD_REMOVED',
      message: expect.stringContaining('SCARD_E_NOT_TRANSACTED'),
    });
    await expect(ch.transmit(SELECT_MF)).rejects.toMatchObject({ code: 'CARD_REMOVED' });
  });

  it('never returns the empty "successful" answer of a vanished card (Debian vpcd)', async () => {
    const s = slot('R 00 00', new NullCard());
    const ch = new PcscChannel({
      reader: 'R 00 00',
      removalProbeMs: 300,
      binding: fakeBinding([s]),
    });
    await ch.connect();
    s.emptyNext = true;
    s.removeOnNext = true;
    await expect(ch.transmit(SELECT_MF)).rejects.toMatchObject({ code: 'CARD_REMOVED' });
    const s2 = slot('R 00 00', new NullCard());
    const ch2 = new PcscChannel({
      reader: 'R 00 00',
      removalProbeMs: 100,
      binding: fakeBinding([s2]),
    });
    await ch2.connect();
    s2.emptyNext = true;
    await expect(ch2.transmit(SELECT_MF)).rejects.toMatchObject({ code: 'TRANSMIT_FAILED' });
  });

  it('maps a "Transaction failed" without removal to TRANSMIT_FAILED', async () => {
    const s = slot('R 00 00', new NullCard());
    const ch = new PcscChannel({
      reader: 'R 00 00',
      removalProbeMs: 100,
      binding: fakeBinding([s]),
    });
    await ch.connect();
    s.failNext = 'Transaction failed';
    await expect(ch.transmit(SELECT_MF)).rejects.toMatchObject({ code: 'TRANSMIT_FAILED' });
    expect(await ch.transmit(SELECT_MF)).toEqual(fromHex('9000'));
  });

  it('reset reconnects with SCARD_RESET_CARD: the card loses its state', async () => {
    const card = new NullCard();
    let resets = 0;
    const counted = Object.assign(card, { reset: () => (resets++, card.atr) });
    const ch = new PcscChannel({ reader: 'R', binding: fakeBinding([slot('R 00 00', counted)]) });
    await ch.connect();
    expect(await ch.reset()).toEqual(card.atr);
    expect(resets).toBe(1);
  });

  it('refuses transmit before connect', async () => {
    await expect(
      new PcscChannel({ binding: fakeBinding([]) }).transmit(SELECT_MF),
    ).rejects.toBeInstanceOf(ChannelError);
  });

  it('over T=0 resolves 61xx with GET RESPONSE', async () => {
    const card61: Card = Object.assign(new NullCard(), {
      transmit: (c: Uint8Array) =>
        c[1] === 0xc0 ? fromHex(c[4] === 3 ? 'AABBCC 9000' : '6F00') : fromHex('6103'),
    });
    const s = slot('R 00 00', card61, { protocol: SCARD_PROTOCOL_T0 });
    const ch = new PcscChannel({ reader: 'R', binding: fakeBinding([s]) });
    await ch.connect();
    expect(ch.protocol).toBe(0);
    expect(toHex(await ch.transmit(fromHex('80CA000000')))).toBe('AABBCC9000');
    expect(s.log).toEqual(['80CA000000', '00C0000003']);
  });
});

describe('T=0 APDU transport (ISO/IEC 7816-3:2006 §12.2)', () => {
  it('re-sends with the exact Le after 6Cxx (case 2) and chains 61xx', async () => {
    const sent: string[] = [];
    const script: Record<string, string> = {
      '00B0000000': '6C05',
      '00B0000005': '0102 6103',
      '00C0000003': '030405 9000',
    };
    const send = async (c: Uint8Array): Promise<Uint8Array> => {
      sent.push(toHex(c));
      return fromHex(script[toHex(c)] ?? '6F00');
    };
    expect(toHex(await transmitT0(send, fromHex('00B0000000')))).toBe('0102030405' + '9000');
    expect(sent).toEqual(['00B0000000', '00B0000005', '00C0000003']);
  });

  it('keeps the logical channel bits in GET RESPONSE and leaves other answers alone', async () => {
    const sent: string[] = [];
    const send = async (c: Uint8Array): Promise<Uint8Array> => (
      sent.push(toHex(c)),
      fromHex(c[1] === 0xc0 ? '9000' : '6100')
    );
    await transmitT0(send, fromHex('0384000008'));
    expect(sent[1]).toBe('03C0000000');
    expect(toHex(await transmitT0(async () => fromHex('6A82'), fromHex('00A4000C023F00')))).toBe(
      '6A82',
    );
    expect(toHex(await transmitT0(async () => fromHex('6C10'), fromHex('00A4000C023F00')))).toBe(
      '6C10',
    );
  });
});

describe('PC/SC error texts', () => {
  it('maps the binding texts to channel codes with the SCARD name', () => {
    expect(mapPcscError(new Error('Card was removed'), 'transmit').error).toMatchObject({
      code: 'CARD_REMOVED',
      message: expect.stringContaining('SCARD_W_REMOVED_CARD'),
    });
    expect(
      mapPcscError(new Error('PC/SC service not running'), 'list readers').error,
    ).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: expect.stringContaining('pcscd is not running'),
    });
    expect(mapPcscError(new Error('Card was reset'), 'transmit').error).toMatchObject({
      code: 'CARD_RESET',
      message: expect.stringContaining('SCARD_W_RESET_CARD'),
    });
    expect(mapPcscError(new Error('Operation timed out'), 'x').error.code).toBe('TIMEOUT');
    expect(mapPcscError(new Error('Transaction failed'), 'x').ambiguous).toBe(true);
    expect(mapPcscError(new Error('something new'), 'x').error).toMatchObject({
      code: 'TRANSMIT_FAILED',
      message: 'x: PC/SC error: something new',
    });
  });
});
