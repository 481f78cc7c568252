import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes } from '../bytes/bytes.ts';
import { fromHex } from '../bytes/hex.ts';
import { decodeCla } from './cla.ts';
import {
  ApduFormatError,
  commandApdu,
  encodeCommandApdu,
  parseCommandApdu,
  type CommandApdu,
} from './command-apdu.ts';
import { insName, isInvalidIns } from './ins.ts';
import { encodeResponseApdu, parseResponseApdu } from './response-apdu.ts';
import {
  allStatusWords,
  describeSw,
  retriesOf63C,
  sw61,
  sw63C,
  sw6C,
  swAllowsData,
  swHex,
  SW_6982_SECURITY_STATUS_NOT_SATISFIED,
  SW_9000_OK,
} from './status-words.ts';

const byte = fc.integer({ min: 0, max: 255 });
const apduArb: fc.Arbitrary<CommandApdu> = fc
  .record({
    cla: byte,
    ins: byte,
    p1: byte,
    p2: byte,
    data: fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ minLength: 250, maxLength: 700 }),
    ),
    ne: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 1, max: 256 }),
      fc.integer({ min: 1, max: 65536 }),
    ),
    extended: fc.boolean(),
  })
  .map(({ extended, ...r }) => {
    const fitsShort = r.data.length <= 255 && r.ne <= 256;
    return commandApdu({ ...r, form: extended || !fitsShort ? 'extended' : 'short' });
  });

describe('command APDU codec properties (ISO/IEC 7816-3 §12.1.3)', () => {
  it('parse(encode(a)) = a for every case and form', () => {
    fc.assert(
      fc.property(apduArb, (a) => {
        const b = parseCommandApdu(encodeCommandApdu(a));
        return (
          b.cla === a.cla &&
          b.ins === a.ins &&
          b.p1 === a.p1 &&
          b.p2 === a.p2 &&
          b.ne === a.ne &&
          b.form === a.form &&
          b.case === a.case &&
          equalBytes(b.data, a.data)
        );
      }),
    );
  });
  it('encode(parse(bytes)) = bytes whenever arbitrary bytes parse, and only ApduFormatError otherwise', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          return equalBytes(encodeCommandApdu(parseCommandApdu(bytes)), bytes);
        } catch (e) {
          return e instanceof ApduFormatError;
        }
      }),
      { numRuns: 2000 },
    );
  });
  it('the builder picks the extended form only when needed', () => {
    expect(commandApdu({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 256 }).form).toBe('short');
    expect(commandApdu({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 257 }).form).toBe('extended');
    expect(commandApdu({ cla: 0, ins: 0xd6, p1: 0, p2: 0, data: new Uint8Array(256) }).form).toBe(
      'extended',
    );
    expect(commandApdu({ cla: 0, ins: 0xa4, p1: 0, p2: 0, form: 'extended' }).form).toBe('short');
    expect(() => commandApdu({ cla: 0, ins: 0xa4, p1: 0, p2: 0, ne: 300, form: 'short' })).toThrow(
      RangeError,
    );
  });
  it('response APDUs split into data and status word', () => {
    const r = parseResponseApdu(fromHex('0102 9000'));
    expect(r.sw).toBe(SW_9000_OK);
    expect(equalBytes(encodeResponseApdu(r), fromHex('01029000'))).toBe(true);
    expect(() => parseResponseApdu(fromHex('90'))).toThrow(RangeError);
  });
});

describe('status-word table (ISO/IEC 7816-4:2020 §5.6)', () => {
  it('every constant carries its hex value in its name, once', () => {
    const seen = new Set<number>();
    for (const info of allStatusWords()) {
      expect(info.name).toContain(swHex(info.sw));
      expect(info.ref.length).toBeGreaterThan(0);
      expect(seen.has(info.sw)).toBe(false);
      seen.add(info.sw);
    }
  });
  it('builds the parametric families and describes them', () => {
    expect(swHex(sw61(0x23))).toBe('6123');
    expect(swHex(sw61(300))).toBe('6100');
    expect(swHex(sw6C(256))).toBe('6C00');
    expect(swHex(sw63C(2))).toBe('63C2');
    expect(() => sw6C(0)).toThrow(RangeError);
    expect(() => sw63C(16)).toThrow(RangeError);
    expect(describeSw(0x63c1).text).toContain('1 retries');
    expect([0x63c0, 0x63c2, 0x63cf].map(retriesOf63C)).toEqual([0, 2, 15]);
    expect([0x6300, 0x6983, 0x9000, 0x63d1].map(retriesOf63C)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(describeSw(SW_6982_SECURITY_STATUS_NOT_SATISFIED).name).toBe(
      'SW_6982_SECURITY_STATUS_NOT_SATISFIED',
    );
  });
  it('allows response data only with SW1 61, 62, 63 and 9x (DESIGN.md §3)', () => {
    expect([0x9000, 0x6100, 0x6282, 0x63c1, 0x9110].every(swAllowsData)).toBe(true);
    expect([0x6982, 0x6a82, 0x6700, 0x6f00].some(swAllowsData)).toBe(false);
  });
});

describe('CLA and INS (ISO/IEC 7816-4:2020 §5.4)', () => {
  it('decodes chaining, SM and channel bits', () => {
    expect(decodeCla(0x00)).toMatchObject({
      kind: 'interindustry',
      chaining: false,
      sm: 'none',
      channel: 0,
    });
    expect(decodeCla(0x1c)).toMatchObject({ chaining: true, sm: 'header-authenticated' });
    expect(decodeCla(0x08).sm).toBe('header-not-authenticated');
    expect(decodeCla(0x03).channel).toBe(3);
    expect(decodeCla(0x45).channel).toBe(9);
    expect(decodeCla(0x80).kind).toBe('proprietary');
    expect(decodeCla(0xff).kind).toBe('invalid');
    expect(decodeCla(0x20).kind).toBe('invalid');
  });
  it('marks 6x and 9x instructions invalid and names known ones', () => {
    expect(isInvalidIns(0x60)).toBe(true);
    expect(isInvalidIns(0x9f)).toBe(true);
    expect(isInvalidIns(0xa4)).toBe(false);
    expect(insName(0xa4)).toBe('SELECT');
    expect(insName(0x12)).toBe('INS 12');
  });
});
