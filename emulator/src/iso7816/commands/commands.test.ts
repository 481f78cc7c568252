/**
 * Every SELECT and READ form of the generic layer on the tiny test card (ISO/IEC 7816-4:2020 §7.1, §7.2).
 * Test names cite the ISO/IEC 7816-4:2020 clause they check.
 */
import { cardState } from '../../card/card-os.ts';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../bytes/hex.ts';
import { parseTlvTree, findTlv } from '../../bytes/ber-tlv.ts';
import type { CardOptions } from '../../card/card-options.ts';
import { seededRng } from '../../crypto/rng.ts';
import {
  createIsoTestCard,
  ISO_TEST_LONG,
  ISO_TEST_RECORDS,
  ISO_TEST_SHORT,
} from '../../profiles/iso-test-card.ts';

function card(options: Partial<CardOptions> = {}) {
  const c = createIsoTestCard({ strict: true, options, rng: seededRng('commands-test') });
  c.powerOn();
  const tx = (hex: string): string => toHex(c.transmit(fromHex(hex)));
  return { c, tx };
}
const sw = (r: string): string => r.slice(-4);
const data = (r: string): string => r.slice(0, -4);
const LONG = toHex(ISO_TEST_LONG);
const SHORT = toHex(ISO_TEST_SHORT);
const AID = 'A0000000990102';

describe('SELECT (ISO/IEC 7816-4:2020 §7.1.1)', () => {
  it('P1=00 with empty data or 3F00 selects the MF; P2=0C returns no data', () => {
    const { tx } = card();
    expect(tx('00A4000C')).toBe('9000');
    expect(tx('00A4000C023F00')).toBe('9000');
  });
  it('P2=00 returns an FCI (6F) and P2=04 an FCP (62) whose first DO is the size (80)', () => {
    const { tx } = card();
    const fci = tx('00A40000020101');
    expect(sw(fci)).toBe('9000');
    expect(data(fci).slice(0, 2)).toBe('6F');
    const fcp = tx('00A40004020101');
    const [t] = parseTlvTree(fromHex(data(fcp)));
    expect(t?.tag).toBe(0x62);
    expect(toHex(t!.children![0]!.raw)).toBe('80020258');
    expect(toHex(findTlv(t!.children, 0x83)!.value)).toBe('0101');
    expect(toHex(findTlv(t!.children, 0x88)!.value)).toBe('08');
  });
  it('P2=08 returns the FMD (64) with the DF name of an application', () => {
    const { tx } = card();
    expect(tx(`00A40408 07${AID}`)).toBe(`6409 8407${AID} 9000`.replace(/ /g, ''));
  });
  it('P1=00 finds children, the parent and siblings of the current DF', () => {
    const { tx } = card();
    expect(tx('00A4000C025000')).toBe('9000'); // child DF
    expect(tx('00A4000C025001')).toBe('9000'); // EF in it
    expect(tx('00A4000C020101')).toBe('9000'); // EF in the parent (MF)
    expect(tx('00B0000002')).toBe('00019000');
  });
  it('P1=01 selects a child DF only; P1=02 an EF only (6A82 otherwise)', () => {
    const { tx } = card();
    expect(tx('00A4010C025000')).toBe('9000');
    expect(tx('00A4000C023F00')).toBe('9000');
    expect(tx('00A4010C020101')).toBe('6A82');
    expect(tx('00A4020C025000')).toBe('6A82');
    expect(tx('00A4020C020101')).toBe('9000');
  });
  it('P1=03 selects the parent DF; the MF has none (6A82)', () => {
    const { tx } = card();
    expect(tx('00A4030C')).toBe('6A82');
    expect(tx(`00A4040C07${AID}`)).toBe('9000');
    expect(tx('00A4030C')).toBe('9000');
    expect(tx('00A4020C020101')).toBe('9000'); // back in the MF
  });
  it('P1=04 selects by full or right-truncated DF name; unknown names give 6A82, next occurrence of a unique name 6A82', () => {
    const { tx } = card();
    expect(tx(`00A4040C07${AID}`)).toBe('9000');
    expect(tx('00A4040C05A000000099')).toBe('9000');
    expect(tx(`00A4040E07${AID}`)).toBe('6A82');
    expect(tx('00A4040C05A000000098')).toBe('6A82');
  });
  it('P1=08 selects by path from the MF (with or without a leading 3F00), P1=09 from the current DF', () => {
    const { tx } = card();
    expect(tx('00A4080C0450005001')).toBe('9000');
    expect(tx('00B0000002')).toBe(`${SHORT.slice(0, 4)}9000`);
    expect(tx('00A4080C063F0050005001')).toBe('9000');
    expect(tx('00A4080C0450005009')).toBe('6A82');
    expect(tx('00A4000C025000')).toBe('9000');
    expect(tx('00A4090C025001')).toBe('9000');
  });
  it('inconsistent Lc gives 6A87, unsupported P1/P2 give 6A86', () => {
    const { tx } = card();
    expect(tx('00A4020C0101')).toBe('6A87');
    expect(tx('00A4080C03500050')).toBe('6A87');
    expect(tx('00A4040C')).toBe('6A87');
    expect(tx('00A4030C023F00')).toBe('6A87');
    expect(tx('00A4050C023F00')).toBe('6A86');
    expect(tx('00A4000D023F00')).toBe('6A86'); // last occurrence
    expect(tx('00A4001C023F00')).toBe('6A86');
  });
  it('a failed SELECT leaves the selection unchanged', () => {
    const { tx } = card();
    expect(tx('00A4080C0450005001')).toBe('9000');
    expect(tx('00A4020C029999')).toBe('6A82');
    expect(tx('00B0000002')).toBe(`${SHORT.slice(0, 4)}9000`);
  });
  it('§5.3.3.2: selecting a deactivated file succeeds with 6283; reading it gives 6985', () => {
    const { tx } = card();
    expect(tx('00A4080C0450005003')).toBe('6283');
    expect(tx('00B0000002')).toBe('6985');
  });
});

describe('READ BINARY B0 (ISO/IEC 7816-4:2020 §7.2.3)', () => {
  it('without a current EF: 6986', () => {
    const { tx } = card();
    expect(tx('00B0000004')).toBe('6986');
    expect(tx('00A4000C025000')).toBe('9000');
    expect(tx('00B0000004')).toBe('6986');
  });
  it('15-bit offset in P1-P2', () => {
    const { tx } = card();
    tx('00A4000C020101');
    expect(tx('00B0020010')).toBe(`${LONG.slice(512 * 2, 528 * 2)}9000`);
  });
  it('SFI in P1 (100sssss) with the offset in P2, and the EF becomes current', () => {
    const { tx } = card();
    expect(tx('00B0810004')).toBe(`${LONG.slice(0, 8)}9000`);
    expect(tx('00B0000402')).toBe(`${LONG.slice(8, 12)}9000`);
  });
  it('unknown SFI 6A82, malformed SFI byte 6A86, data field 6700', () => {
    const { tx } = card();
    expect(tx('00B0850000')).toBe('6A82');
    expect(tx('00B0A10000')).toBe('6A86');
    expect(tx('00B0800000')).toBe('6A86');
    tx('00A4000C020101');
    expect(tx('00B000000101 00')).toBe('6700');
  });
  it('offset at or beyond the end of the EF: 6B00', () => {
    const { tx } = card();
    tx('00A4080C0450005001');
    expect(tx('00B0001401')).toBe('6B00');
    expect(tx('00B07FFF01')).toBe('6B00');
  });
  it('fewer bytes left than Ne: data + 6282 by default', () => {
    const { tx } = card();
    tx('00A4080C0450005001');
    expect(tx('00B0001000')).toBe(`${SHORT.slice(32)}6282`);
  });
  it('fewer bytes left than Ne: data + 9000 on a readBeyondEof=9000 personality (ICAO Part 3 ISO7816_E_4)', () => {
    const { tx } = card({ readBeyondEof: '9000' });
    tx('00A4080C0450005001');
    expect(tx('00B0001000')).toBe(`${SHORT.slice(32)}9000`);
  });
  it('fewer bytes left than Ne: 6Cxx with the exact count on a readBeyondEof=6Cxx personality', () => {
    const { tx } = card({ readBeyondEof: '6Cxx' });
    tx('00A4080C0450005001');
    expect(tx('00B0001000')).toBe('6C04');
    expect(tx('00B0001004')).toBe(`${SHORT.slice(32)}9000`);
  });
  it('the personality cap (231 on the CIE) limits one response with 9000', () => {
    const { tx } = card({ readBinaryMax: 231 });
    tx('00A4000C020101');
    expect(tx('00B0000000')).toBe(`${LONG.slice(0, 462)}9000`);
  });
  it('extended Le 0000 returns the whole file', () => {
    const { tx } = card();
    tx('00A4000C020101');
    expect(tx('00B00000000000')).toBe(`${LONG}6282`);
    expect(tx('00B00000000258')).toBe(`${LONG}9000`);
  });
  it('on a record EF: 6981; on a never-readable EF: 6982', () => {
    const { tx } = card();
    expect(tx('00A4080C0450005002')).toBe('9000');
    expect(tx('00B0000004')).toBe('6981');
    expect(tx('00A4000C020102')).toBe('9000');
    expect(tx('00B0000004')).toBe('6982');
  });
});

describe('READ BINARY B1 with offset DO 54 and data DO 53 (ISO/IEC 7816-4:2020 §7.2.3)', () => {
  it('SFI in P2, 231-byte responses as the CIE clients read EF.SOD (ias/README.md §3 row 8)', () => {
    const { tx } = card({ readBinaryMax: 231 });
    const off = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
    const bytes = (from: number, to: number): string => LONG.slice(from * 2, to * 2);
    // 600 bytes = 228 + 228 + 144: two full 231-byte responses (53 81 E4 + 228), then the rest with 6282.
    expect(tx(`00B1000104 5402${off(0)} E7`.replace(/ /g, ''))).toBe(`5381E4${bytes(0, 228)}9000`);
    expect(tx(`00B1000104 5402${off(228)} E7`.replace(/ /g, ''))).toBe(
      `5381E4${bytes(228, 456)}9000`,
    );
    expect(tx(`00B1000104 5402${off(456)} E7`.replace(/ /g, ''))).toBe(
      `538190${bytes(456, 600)}6282`,
    );
    expect(tx(`00B1000104 5402${off(600)} E7`.replace(/ /g, ''))).toBe('6B00');
  });
  it('P1-P2 = FID, P1-P2 = 0000 uses the current EF', () => {
    const { tx } = card();
    expect(tx('00B101010354010004')).toBe(`5302${LONG.slice(0, 4)}9000`);
    expect(tx('00B100000354010204')).toBe(`5302${LONG.slice(4, 8)}9000`);
  });
  it('missing or malformed offset DO: 6A80; unknown EF: 6A82', () => {
    const { tx } = card();
    expect(tx('00B101010353010004')).toBe('6A80');
    expect(tx('00B10101025400 04'.replace(/ /g, ''))).toBe('6A80');
    expect(tx('00B1099903540100 04'.replace(/ /g, ''))).toBe('6A82');
  });
});

describe('READ RECORD B2 (ISO/IEC 7816-4:2020 §7.3.3)', () => {
  it('record P1 of the EF with SFI in P2 (sssss100)', () => {
    const { tx } = card();
    tx('00A4000C025000');
    expect(tx('00B2021C08')).toBe(`${toHex(ISO_TEST_RECORDS[1]!)}9000`);
    expect(tx('00B2011C00')).toBe(`${toHex(ISO_TEST_RECORDS[0]!)}6282`);
    expect(tx('00B2030402')).toBe(`${toHex(ISO_TEST_RECORDS[2]!).slice(0, 4)}9000`); // current EF
  });
  it('unknown record 6A83, unsupported modes 6A86, transparent EF 6981', () => {
    const { tx } = card();
    tx('00A4000C025000');
    expect(tx('00B2041C00')).toBe('6A83');
    expect(tx('00B2011D00')).toBe('6A86');
    expect(tx('00B2001C00')).toBe('6A86');
    expect(tx('00B2011400')).toBe('6981');
  });
});

describe('GET CHALLENGE (ISO/IEC 7816-4:2020 §7.5.3)', () => {
  it('returns Ne fresh bytes; needs Le; P1-P2 0000', () => {
    const { tx, c } = card();
    const a = tx('0084000008');
    const b = tx('0084000008');
    expect(sw(a)).toBe('9000');
    expect(data(a)).toHaveLength(16);
    expect(data(a)).not.toBe(data(b));
    expect(toHex(cardState(c).challenge!)).toBe(data(b));
    expect(tx('00840000')).toBe('6700');
    expect(tx('0084010008')).toBe('6A86');
  });
});

describe('MANAGE SECURITY ENVIRONMENT (ISO/IEC 7816-4:2020 §7.5.11)', () => {
  it('SET stores the CRT; unknown CRT tag 6A86; malformed data 6A80', () => {
    const { tx, c } = card();
    expect(tx('002241A406800101840102')).toBe('9000');
    expect(toHex(cardState(c).se.value(0xa4, 0x84)!)).toBe('02');
    expect(tx('00224199038001FF')).toBe('6A86');
    expect(tx('002241A4038005FF')).toBe('6A80');
  });
});
