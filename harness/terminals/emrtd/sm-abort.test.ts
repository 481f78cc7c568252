/**
 * The eMRTD secure-messaging session ends on every command the card does not take as part of it,
 * including commands refused before SM processing (ICAO 9303-11 §9.8: SM is aborted on an SM error
 * or a plain APDU). Sent raw after PACE, so the terminal's counter still matches the card's: had
 * the card kept the session, the protected read that follows would succeed.
 */
import { cardState } from '../../../emulator/src/card/card-os.ts';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { pacedSession, testCard } from './test-support.ts';

const HOSTILE: ReadonlyArray<{ what: string; bytes: string; sw: string }> = [
  {
    what: 'protected GET CHALLENGE on logical channel 1 (CLA 0D)',
    bytes: '0D8400000D9701088E08000000000000000000',
    sw: '6881',
  },
  { what: 'plain command with an invalid INS (60)', bytes: '00600000', sw: '6D00' },
  { what: 'malformed SELECT (Lc 00 then a stray byte)', bytes: '00A4040C0000', sw: '6700' },
  { what: 'proprietary class (80)', bytes: '8084000008', sw: '6E00' },
  { what: 'a 3-byte fragment', bytes: '00A404', sw: '6700' },
];

describe('eMRTD: a command refused before SM processing ends the PACE session and its rights', () => {
  for (const h of HOSTILE) {
    it(`${h.what} → ${h.sw} in plain; DG1 is no longer readable under the old keys`, async () => {
      const t = testCard();
      const s = await pacedSession(t);
      expect((await s.link.protected({ ins: 0xb0, p1: 0x81, p2: 0, ne: 4 })).sw).toBe(0x9000);
      expect(toHex(t.card.transmit(fromHex(h.bytes)))).toBe(h.sw);
      expect(cardState(t.card).sm).toBeUndefined();
      expect(cardState(t.card).security.list()).toEqual([]);
      const after = await s.link
        .protected({ ins: 0xb0, p1: 0x81, p2: 0, ne: 4 })
        .then((r) => r.sw)
        .catch(() => 'refused');
      expect(after).not.toBe(0x9000);
    });
  }
});
