import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import { AtrFormatError, contactlessAtr, historicalBytesOf, parseAtr } from './atr.ts';
import { CIEBENCH_READER, DEBIAN_VPCD, isVirtualReader, readerName } from './endpoints.ts';
import { answerReaderPseudoApdu } from './reader-pseudo-apdu.ts';

describe('ATR (ISO/IEC 7816-3:2006 §8.2)', () => {
  it('finds no historical bytes in the ISO test card ATR 3B 80 80 01 01 (T=0 and T=1, TCK)', () => {
    const p = parseAtr(fromHex('3B80800101'));
    expect(p.historicalBytes).toEqual(new Uint8Array(0));
    expect(p.protocols).toEqual([0, 1]);
    expect(p.tck).toBe(0x01);
  });

  it('reads the historical bytes of the vpcd test card ATR 3B 89 80 01 "NodeVCard" 4A (nfc/README.md §2)', () => {
    const p = parseAtr(fromHex('3B898001 4E6F646556436172 64 4A'));
    expect(new TextDecoder().decode(p.historicalBytes)).toBe('NodeVCard');
  });

  it('handles TA1/TB1/TC1 and a T=0-only ATR without TCK', () => {
    expect(toHex(parseAtr(fromHex('3B F2 11 00 00 00 AA BB')).historicalBytes)).toBe('AABB');
    expect(parseAtr(fromHex('3B 00')).tck).toBeUndefined();
  });

  it('rejects truncated or overlong ATRs; historicalBytesOf falls back to none', () => {
    expect(() => parseAtr(fromHex('3B 85 80 01 AA'))).toThrow(AtrFormatError);
    expect(() => parseAtr(fromHex('3B 00 00'))).toThrow(AtrFormatError);
    expect(() => parseAtr(fromHex('12 00'))).toThrow(AtrFormatError);
    expect(historicalBytesOf(fromHex('3B'))).toEqual(new Uint8Array(0));
  });

  it('builds the PC/SC part 3 contactless ATR and round-trips its historical bytes', () => {
    const atr = contactlessAtr(new TextEncoder().encode('NodeVCard'));
    expect(toHex(atr)).toBe('3B8980014E6F64655643617264' + '4A');
    expect(new TextDecoder().decode(parseAtr(atr).historicalBytes)).toBe('NodeVCard');
    expect(toHex(contactlessAtr(new Uint8Array(0)))).toBe('3B80800101');
  });
});

describe('reader pseudo-APDUs (PC/SC part 3 §3.2.2.1.3)', () => {
  const id = { uid: fromHex('08112233'), historicalBytes: fromHex('80318065') };
  const cases: Array<[string, string | undefined]> = [
    ['FFCA000000', '08112233 9000'],
    ['FFCA000004', '08112233 9000'],
    ['FFCA000008', '08112233 6282'],
    ['FFCA000002', '6C04'],
    ['FFCA010000', '80318065 9000'],
    ['FFCA020000', '6A81'],
    ['FFCA000100', '6A81'],
    ['FFCA0000', '6700'],
    ['FFCA00000100', '6700'],
    ['00CA000000', undefined],
    ['FFB0000000', undefined],
  ];
  for (const [command, answer] of cases) {
    it(`${command} → ${answer ?? "not the reader's (goes to the card)"}`, () => {
      const r = answerReaderPseudoApdu(fromHex(command), id);
      expect(r === undefined ? undefined : toHex(r)).toBe(
        answer === undefined ? undefined : toHex(fromHex(answer)),
      );
    });
  }
});

describe('endpoints', () => {
  it('names readers as pcscd does (FRIENDLYNAME + " RR SS")', () => {
    expect(readerName(CIEBENCH_READER, 1)).toBe('CIE Bench Virtual Reader 00 01');
    expect(readerName(DEBIAN_VPCD)).toBe('Virtual PCD 00 00');
    expect(isVirtualReader('Virtual PCD 00 01')).toBe(true);
    expect(isVirtualReader('ACS ACR122U PICC Interface 00 00')).toBe(false);
  });
});
