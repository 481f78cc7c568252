/**
 * The IAS secure-messaging session ends on every command the card does not take as part of it —
 * including commands refused before secure-messaging processing (ICAO 9303-11 §9.8: SM is aborted
 * on an SM error or a plain APDU; the card answers these in plain, so the session cannot go on).
 * Each hostile command is sent raw after DH + DAPP + VERIFY PIN, bypassing the terminal, so the
 * terminal's counter still matches the card's: had the card kept the session, the signature
 * that follows would succeed.
 */
import { cardState } from '../../../emulator/src/card/card-os.ts';
import { describe, expect, it } from 'vitest';
import { commandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { rig, toPinVerified } from './testing.ts';

const hex = (sw: number): string => sw.toString(16).toUpperCase().padStart(4, '0');

/** Commands refused before SM processing, with the status word each gets (in plain). */
const HOSTILE: ReadonlyArray<{ what: string; bytes: string; sw: string }> = [
  {
    what: 'protected GET CHALLENGE on logical channel 1 (CLA 0D)',
    bytes: '0D8400000D9701088E08000000000000000000',
    sw: '6881',
  },
  { what: 'plain command with an invalid INS (60)', bytes: '00600000', sw: '6D00' },
  { what: 'malformed SELECT (Lc 00 then a stray byte)', bytes: '00A4040C0000', sw: '6700' },
  { what: 'proprietary class the IAS refuses (80)', bytes: '8084000008', sw: '6E00' },
  { what: 'a 3-byte fragment', bytes: '00A404', sw: '6700' },
];

describe('IAS: a command refused before SM processing ends the session and the verified PIN', () => {
  for (const h of HOSTILE) {
    it(`${h.what} → ${h.sw} in plain; then no signature with key 81`, async () => {
      const r = rig({ seed: 'sm-abort' });
      await toPinVerified(r);
      await r.channel.transmit(fromHex(h.bytes));
      expect(r.channel.lastSw).toBe(h.sw);
      // MSE SET AT key 81 + INTERNAL AUTHENTICATE, wrapped with the counter the card had.
      await r.terminal.link
        .protected(
          commandApdu({ cla: 0, ins: 0x22, p1: 0x41, p2: 0xa4, data: fromHex('800102840181') }),
        )
        .catch(() => undefined);
      expect(r.channel.lastSw).toBe('6988');
      const sign = await r.terminal.link
        .protected(
          commandApdu({
            cla: 0,
            ins: 0x88,
            p1: 0,
            p2: 0,
            data: new Uint8Array(35).fill(7),
            ne: 256,
          }),
        )
        .then((reply) => hex(reply.sw))
        .catch((e: Error) => e.message);
      expect(sign).not.toBe('9000');
      expect(cardState(r.cie.card).sm).toBeUndefined();
      expect(cardState(r.cie.card).security.list()).toEqual([]);
    });
  }

  it('control: a correct protected command in between keeps the session (the signature works)', async () => {
    const r = rig({ seed: 'sm-abort' });
    await toPinVerified(r);
    const mse = await r.terminal.link.protected(
      commandApdu({ cla: 0, ins: 0x22, p1: 0x41, p2: 0xa4, data: fromHex('800102840181') }),
    );
    expect(hex(mse.sw)).toBe('9000');
    const sign = await r.terminal.link.protected(
      commandApdu({ cla: 0, ins: 0x88, p1: 0, p2: 0, data: new Uint8Array(35).fill(7), ne: 256 }),
    );
    expect(hex(sign.sw)).toBe('9000');
    expect(sign.data.length).toBe(256);
  });
});
