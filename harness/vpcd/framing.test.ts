import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import {
  encodeVpcdFrame,
  VPCD_MAX_PAYLOAD,
  VpcdFrameDecoder,
  VpcdProtocolError,
} from './framing.ts';

/** A realistic reader → card stream: reset + GET ATR coalesced (vsmartcard issue #253), an APDU, power off. */
const PAYLOADS = [
  fromHex('02'),
  fromHex('04'),
  fromHex('00A4040C07A0000002471001'),
  fromHex('00B0000000'),
  fromHex('00'),
];
const STREAM = Uint8Array.from(PAYLOADS.flatMap((p) => [...encodeVpcdFrame(p)]));

function decodeInChunks(stream: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const d = new VpcdFrameDecoder();
  const out: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    out.push(...d.push(stream.subarray(from, cut)));
    from = cut;
  }
  expect(d.pending).toBe(0);
  return out;
}

describe('vpcd framing (vpcd/README.md §2)', () => {
  it('encodes length big-endian then payload, in one buffer', () => {
    expect(toHex(encodeVpcdFrame(fromHex('04')))).toBe('000104');
    expect(toHex(encodeVpcdFrame(new Uint8Array(0)))).toBe('0000');
    expect(encodeVpcdFrame(new Uint8Array(300)).subarray(0, 2)).toEqual(Uint8Array.of(0x01, 0x2c));
  });

  it('refuses to encode more than 65 535 bytes (VPCD_PAYLOAD_TOO_LONG)', () => {
    expect(encodeVpcdFrame(new Uint8Array(VPCD_MAX_PAYLOAD)).length).toBe(VPCD_MAX_PAYLOAD + 2);
    expect(() => encodeVpcdFrame(new Uint8Array(VPCD_MAX_PAYLOAD + 1))).toThrow(
      expect.objectContaining({ code: 'VPCD_PAYLOAD_TOO_LONG' }),
    );
  });

  it('decodes several frames from one segment', () => {
    expect(decodeInChunks(STREAM, []).map((f) => toHex(f))).toEqual(PAYLOADS.map((p) => toHex(p)));
  });

  it('decodes the same frames whatever single offset the stream is split at', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      expect(
        decodeInChunks(STREAM, [cut]).map((f) => toHex(f)),
        `split at ${cut}`,
      ).toEqual(PAYLOADS.map((p) => toHex(p)));
    }
  });

  it('decodes the stream fed one byte at a time', () => {
    const cuts = Array.from({ length: STREAM.length - 1 }, (_, i) => i + 1);
    expect(decodeInChunks(STREAM, cuts).map((f) => toHex(f))).toEqual(
      PAYLOADS.map((p) => toHex(p)),
    );
  });

  it('decodes any chunking of any frame sequence (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (payloads, rawCuts) => {
          const stream = Uint8Array.from(payloads.flatMap((p) => [...encodeVpcdFrame(p)]));
          const cuts = [...new Set(rawCuts.map((c) => c % (stream.length + 1)))].sort(
            (a, b) => a - b,
          );
          expect(decodeInChunks(stream, cuts).map((f) => toHex(f))).toEqual(
            payloads.map((p) => toHex(p)),
          );
        },
      ),
    );
  });

  it('returns an empty frame for a zero length (the card-removed answer)', () => {
    expect(new VpcdFrameDecoder().push(fromHex('0000 0001 04'))).toEqual([
      new Uint8Array(0),
      fromHex('04'),
    ]);
  });

  it('carries a 65 535-byte frame split in many pieces', () => {
    const payload = Uint8Array.from({ length: VPCD_MAX_PAYLOAD }, (_, i) => i & 0xff);
    const frame = encodeVpcdFrame(payload);
    const cuts = Array.from({ length: 40 }, (_, i) => Math.floor(((i + 1) * frame.length) / 41));
    const [decoded] = decodeInChunks(frame, cuts);
    expect(decoded).toEqual(payload);
  });

  it('rejects a frame longer than the configured maximum and stays failed (VPCD_FRAME_TOO_LONG)', () => {
    const d = new VpcdFrameDecoder({ maxPayload: 261 });
    expect(d.push(encodeVpcdFrame(new Uint8Array(261)))).toHaveLength(1);
    expect(() => d.push(fromHex('0106'))).toThrow(
      expect.objectContaining({ code: 'VPCD_FRAME_TOO_LONG' }),
    );
    expect(() => d.push(fromHex('0001'))).toThrow(VpcdProtocolError);
    expect(() => d.push(fromHex('0001'))).toThrow(
      expect.objectContaining({ code: 'VPCD_DECODER_FAILED' }),
    );
  });

  it('keeps an incomplete frame pending across pushes', () => {
    const d = new VpcdFrameDecoder();
    expect(d.push(fromHex('00'))).toEqual([]);
    expect(d.pending).toBe(1);
    expect(d.push(fromHex('05 00A4'))).toEqual([]);
    expect(d.pending).toBe(4);
    expect(d.push(fromHex('000C00 0001'))).toEqual([fromHex('00A4000C00')]);
    expect(d.pending).toBe(2);
  });
});
