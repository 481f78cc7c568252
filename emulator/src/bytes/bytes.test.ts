import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocBytes,
  bigIntToBytes,
  bytesToBigInt,
  concatBytes,
  equalBytes,
  xorBytes,
} from './bytes.ts';
import { ByteReader, ByteUnderflowError } from './byte-reader.ts';
import { ByteWriter } from './byte-writer.ts';
import { encodeTag, parseSingleTlv, parseTlvs, parseTlvTree, tlv, type Tlv } from './ber-tlv.ts';
import { fromHex, HexFormatError, hexBytes, toHex } from './hex.ts';
import { padIso9797M2, PaddingError, unpadIso9797M2 } from './padding.ts';

describe('hex', () => {
  it('accepts the separators used by pcsc_scan, OpenSC logs and the READMEs', () => {
    expect(toHex(fromHex('3B:8F 80-01,80\n31'))).toBe('3B8F80018031');
    expect(toHex(hexBytes`00 A4 04 0C`, ' ')).toBe('00 A4 04 0C');
  });
  it('rejects odd lengths and non-hex characters', () => {
    expect(() => fromHex('ABC')).toThrow(HexFormatError);
    expect(() => fromHex('GG')).toThrow(HexFormatError);
  });
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => equalBytes(fromHex(toHex(b, ' ')), b)),
    );
  });
});

describe('byte helpers', () => {
  it('concatenates, compares and xors', () => {
    expect(toHex(concatBytes(fromHex('01'), new Uint8Array(0), fromHex('0203')))).toBe('010203');
    expect(equalBytes(fromHex('0102'), fromHex('0102'))).toBe(true);
    expect(equalBytes(fromHex('0102'), fromHex('0103'))).toBe(false);
    expect(equalBytes(fromHex('0102'), fromHex('01'))).toBe(false);
    expect(toHex(xorBytes(fromHex('F0F0'), fromHex('0FF0')))).toBe('FF00');
  });
  it('converts big integers with a fixed width and refuses overflow', () => {
    expect(toHex(bigIntToBytes(0x0102n, 4))).toBe('00000102');
    expect(bytesToBigInt(fromHex('00000102'))).toBe(0x102n);
    expect(() => bigIntToBytes(0x10000n, 2)).toThrow(RangeError);
    expect(() => bigIntToBytes(-1n, 2)).toThrow(RangeError);
    expect(bigIntToBytes(0n, 0)).toEqual(new Uint8Array(0));
    expect(bytesToBigInt(new Uint8Array(0))).toBe(0n);
  });
  it('big integers agree with the byte-by-byte definition (big-endian, fixed width)', () => {
    const slowValue = (b: Uint8Array): bigint => b.reduce((v, x) => (v << 8n) | BigInt(x), 0n);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 4 }), (b, extra) => {
        const v = slowValue(b);
        expect(bytesToBigInt(b)).toBe(v);
        // A view into a larger buffer (as allocBytes and subarray give) reads only its own bytes.
        const host = new Uint8Array(b.length + 6).fill(0xa5);
        host.set(b, 3);
        expect(bytesToBigInt(host.subarray(3, 3 + b.length))).toBe(v);
        // Any width from the value's own length (leading zeros dropped) up: zeros on the left.
        const firstNonZero = b.findIndex((x) => x !== 0);
        const minimal = firstNonZero < 0 ? 0 : b.length - firstNonZero;
        const width = minimal + extra;
        const out = bigIntToBytes(v, width);
        expect(out).toBeInstanceOf(Uint8Array);
        expect(out.constructor).toBe(Uint8Array);
        expect(slowValue(out)).toBe(v);
        expect(out.length).toBe(width);
        if (width > 0 && v >= 1n << BigInt(8 * (width - 1)))
          expect(() => bigIntToBytes(v, width - 1)).toThrow(RangeError);
      }),
    );
  });
  it('allocBytes hands out distinct, non-overlapping arrays of the requested size', () => {
    const arrays = Array.from({ length: 2000 }, (_, i) => allocBytes(65 + (i % 300)));
    arrays.forEach((a, i) => a.fill(i & 0xff));
    arrays.forEach((a, i) => expect(a.every((b) => b === (i & 0xff))).toBe(true));
  });
});

describe('ByteReader / ByteWriter', () => {
  it('reads what the writer wrote and reports underflow with a typed error', () => {
    const w = new ByteWriter(2).u8(1).u16(0x0203).bytes(fromHex('0405'));
    const r = new ByteReader(w.toBytes());
    expect([r.u8(), r.u16(), toHex(r.bytes(2))]).toEqual([1, 0x0203, '0405']);
    expect(r.atEnd).toBe(true);
    expect(() => r.u8()).toThrow(ByteUnderflowError);
  });
  it('rejects out-of-range writes', () => {
    expect(() => new ByteWriter().u8(256)).toThrow(RangeError);
    expect(() => new ByteWriter().u16(-1)).toThrow(RangeError);
  });
});

describe('ISO/IEC 9797-1 padding method 2', () => {
  it('always adds 80, a full block when aligned', () => {
    expect(toHex(padIso9797M2(fromHex('01'), 8))).toBe('0180000000000000');
    expect(toHex(padIso9797M2(fromHex('0102030405060708'), 8))).toBe(
      '01020304050607088000000000000000',
    );
  });
  it('rejects bad padding', () => {
    expect(() => unpadIso9797M2(fromHex('0100000000000000'), 8)).toThrow(PaddingError);
    expect(() => unpadIso9797M2(fromHex('01800000'), 8)).toThrow(PaddingError);
    // The marker must be inside the last block.
    expect(() => unpadIso9797M2(fromHex('0180000000000000 0000000000000000'), 8)).toThrow(
      PaddingError,
    );
  });
  it('round-trips any data for block sizes 8 and 16', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.constantFrom(8, 16), (d, bs) =>
        equalBytes(unpadIso9797M2(padIso9797M2(d, bs), bs), d),
      ),
    );
  });
});

/** Random valid tags of 1 to 3 bytes (X.690 §8.1.2). */
const tagArb = fc
  .oneof(
    fc.integer({ min: 1, max: 0xfe }).filter((t) => (t & 0x1f) !== 0x1f),
    fc
      .tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0x1f, max: 0x7f }))
      .map(([cls, b]) => ((cls << 5) | 0x1f) * 256 + b),
    fc
      .tuple(
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0x81, max: 0xff }),
        fc.integer({ min: 0, max: 0x7f }),
      )
      .map(([cls, b1, b2]) => (((cls << 5) | 0x1f) * 256 + b1) * 256 + b2),
  )
  .filter((t) => encodeTag(t)[0] !== 0xff && encodeTag(t)[0] !== 0x00);

describe('BER-TLV properties', () => {
  it('encode then parse returns the same tag and value', () => {
    fc.assert(
      fc.property(tagArb, fc.uint8Array({ maxLength: 600 }), (tag, value) => {
        const parsed = parseSingleTlv(tlv(tag, value), false);
        return parsed.tag === tag && equalBytes(parsed.value, value);
      }),
    );
  });
  it('a random tree encodes and parses back to the same tree', () => {
    const leaf = fc.record({
      tag: tagArb.filter((t) => (encodeTag(t)[0]! & 0x20) === 0),
      value: fc.uint8Array({ maxLength: 40 }),
    });
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.record({
          tag: tagArb.filter((t) => (encodeTag(t)[0]! & 0x20) !== 0),
          kids: fc.array(tie('tree'), { maxLength: 4 }),
        }),
      ),
    }));
    type Gen = { tag: number; value: Uint8Array } | { tag: number; kids: Gen[] };
    const enc = (g: Gen): Uint8Array =>
      'kids' in g ? tlv(g.tag, concatBytes(...g.kids.map(enc))) : tlv(g.tag, g.value);
    const same = (g: Gen, t: Tlv): boolean =>
      g.tag === t.tag &&
      ('kids' in g
        ? t.children !== undefined &&
          g.kids.length === t.children.length &&
          g.kids.every((k, i) => same(k, t.children![i]!))
        : equalBytes(g.value, t.value));
    fc.assert(fc.property(tree as fc.Arbitrary<Gen>, (g) => same(g, parseSingleTlv(enc(g)))));
  });
  it('parsing arbitrary bytes either succeeds or throws TlvFormatError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          parseTlvTree(b);
        } catch (e) {
          return (e as { code?: string }).code === 'TLV_FORMAT';
        }
        return true;
      }),
    );
  });
  it('keeps the raw encoding of each object', () => {
    const [a, b] = parseTlvs(fromHex('8101AA 820100'));
    expect(toHex(a!.raw)).toBe('8101AA');
    expect(toHex(b!.raw)).toBe('820100');
  });
});
