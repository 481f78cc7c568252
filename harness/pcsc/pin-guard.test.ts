import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import type { ApduChannel } from '../channel/apdu-channel.ts';
import { PinGuardChannel, PinGuardError, triesFromSw } from './pin-guard.ts';

/**
 * A scripted card with one PIN (reference 81, value 12345678) and the ISO/IEC 7816-4 §7.5.6
 * VERIFY behaviour: no data → 63Cx (or 9000 once verified), wrong value → 63Cx with one try less,
 * 6983 when blocked. `sm` makes protected VERIFYs (CLA 0C) answer with the outer SW 9000 and the
 * real SW in DO'99', as cards with smOuterSw 'ok' do.
 */
class PinCard implements ApduChannel {
  readonly kind = 'scripted';
  readonly description = 'scripted PIN card';
  tries: number;
  verified = false;
  readonly log: string[] = [];
  constructor(tries: number) {
    this.tries = tries;
  }
  async connect(): Promise<Uint8Array> {
    return fromHex('3B00');
  }
  async reset(): Promise<Uint8Array> {
    this.verified = false;
    return fromHex('3B00');
  }
  async close(): Promise<void> {}
  async transmit(c: Uint8Array): Promise<Uint8Array> {
    this.log.push(toHex(c));
    const sw = this.verify(c);
    if ((c[0] as number & 0x0c) === 0x0c) return fromHex(`9902${sw} 8E08 0000000000000000 9000`);
    return fromHex(sw);
  }
  private verify(c: Uint8Array): string {
    if (c[1] !== 0x20 || c[3] !== 0x81) return '6A88';
    if (this.tries === 0) return '6983';
    const protectedCmd = ((c[0] as number) & 0x0c) === 0x0c;
    const data = protectedCmd ? c.subarray(5, 13) : c.subarray(5);
    if (c.length === 4) return this.verified ? '9000' : `63C${this.tries.toString(16)}`;
    if (toHex(data) === '3132333435363738') {
      this.verified = true;
      return '9000';
    }
    this.tries--;
    return this.tries === 0 ? '6983' : `63C${this.tries.toString(16)}`;
  }
}

const GOOD = fromHex('0020008108 3132333435363738');
const WRONG = fromHex('0020008108 3030303030303030');
const SM_WRONG = fromHex('0C20008112 3030303030303030 8E08AAAAAAAAAAAAAAAA');

describe('PIN guard (ISO/IEC 7816-4:2020 §7.5.6)', () => {
  it('reads tries from status words', () => {
    expect(triesFromSw(0x63c2)).toBe(2);
    expect(triesFromSw(0x6983)).toBe(0);
    expect(triesFromSw(0x9000)).toBe(Infinity);
    expect(triesFromSw(0x6a88)).toBeUndefined();
  });

  it('probes first and lets a VERIFY through while 2 or more tries are left', async () => {
    const card = new PinCard(3);
    const ch = new PinGuardChannel(card);
    await ch.connect();
    expect(toHex(await ch.transmit(WRONG))).toBe('63C2');
    expect(toHex(await ch.transmit(GOOD))).toBe('9000');
    expect(card.log).toEqual(['00200081', toHex(WRONG), '00200081', toHex(GOOD)]);
  });

  it('refuses the VERIFY that could use the last try, without sending it', async () => {
    const card = new PinCard(1);
    const ch = new PinGuardChannel(card);
    await expect(ch.transmit(WRONG)).rejects.toMatchObject({
      code: 'PIN_GUARD_LAST_TRY',
      message: expect.stringContaining('--allow-last-try'),
    });
    expect(card.log).toEqual(['00200081']);
    expect(card.tries).toBe(1);
  });

  it('sends it anyway with allowLastTry', async () => {
    const card = new PinCard(1);
    const ch = new PinGuardChannel(card, { allowLastTry: true });
    expect(toHex(await ch.transmit(WRONG))).toBe('6983');
    expect(card.tries).toBe(0);
  });

  it('refuses on a blocked PIN and on a card that does not report tries', async () => {
    await expect(new PinGuardChannel(new PinCard(0)).transmit(WRONG)).rejects.toMatchObject({
      code: 'PIN_GUARD_BLOCKED',
    });
    const silent: ApduChannel = Object.assign(new PinCard(3), {
      transmit: async () => fromHex('6D00'),
    });
    await expect(new PinGuardChannel(silent).transmit(WRONG)).rejects.toBeInstanceOf(PinGuardError);
  });

  it('guards CHANGE REFERENCE DATA with the old value (P1 = 00) too', async () => {
    const card = new PinCard(1);
    await expect(
      new PinGuardChannel(card).transmit(fromHex('0024008110 3030303030303030 3131313131313131')),
    ).rejects.toMatchObject({ code: 'PIN_GUARD_LAST_TRY' });
  });

  it('never probes in clear before a protected VERIFY: unknown tries are refused', async () => {
    const card = new PinCard(3);
    const ch = new PinGuardChannel(card);
    await expect(ch.transmit(SM_WRONG)).rejects.toMatchObject({ code: 'PIN_GUARD_UNKNOWN_TRIES' });
    expect(card.log).toEqual([]);
  });

  it('uses counts learned on the channel, including DO99 of protected answers', async () => {
    const card = new PinCard(3);
    const ch = new PinGuardChannel(card);
    expect(toHex(await ch.transmit(fromHex('00200081')))).toBe('63C3');
    expect(toHex(await ch.transmit(SM_WRONG))).toContain('990263C2');
    expect(toHex(await ch.transmit(SM_WRONG))).toContain('990263C1');
    await expect(ch.transmit(SM_WRONG)).rejects.toMatchObject({ code: 'PIN_GUARD_LAST_TRY' });
    expect(card.tries).toBe(1);
  });

  it('forgets learned counts on reset', async () => {
    const card = new PinCard(3);
    const ch = new PinGuardChannel(card);
    await ch.transmit(fromHex('00200081'));
    await ch.reset();
    await expect(ch.transmit(SM_WRONG)).rejects.toMatchObject({ code: 'PIN_GUARD_UNKNOWN_TRIES' });
  });
});
