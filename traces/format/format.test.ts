/**
 * The trace format: versioned JSON Lines validated with zod, written once per exchange,
 * read back with line-numbered errors, secrets masked by default.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import {
  MASK_BYTE,
  maskBytes,
  maskSecretsInText,
  secretRanges,
} from '../../emulator/src/apdu/secret-masking.ts';
import { parseTrace, TraceFormatError } from './read.ts';
import { MemorySink, serializeTrace, TraceWriter } from './write.ts';
import type { TraceHeader } from './schema.ts';

const header: TraceHeader = {
  type: 'header',
  format: 'ciebench-trace',
  version: 1,
  profile: 'iso-test',
  transport: 'in-process',
  tool: 'ciebench 0.0.0',
  startedAt: '2026-01-01T00:00:00.000Z',
  recordedBy: 'card',
  secrets: 'masked',
};

describe('trace writer and reader', () => {
  it('writes a header then numbered records that read back identically', () => {
    const sink = new MemorySink();
    const w = new TraceWriter(sink.write);
    w.header(header);
    w.event({ t: 0, kind: 'power-on', atr: '3B80800101' });
    w.exchange({ tStart: 5, tEnd: 9, command: '00A4000C023F00', response: '9000' });
    const trace = parseTrace(sink.text());
    expect(trace.header).toEqual(header);
    expect(trace.records.map((r) => r.seq)).toEqual([1, 2]);
    expect(serializeTrace(trace)).toBe(sink.text());
  });
  it('refuses invalid records before they reach the sink', () => {
    const w = new TraceWriter(() => undefined);
    expect(() => w.exchange({ tStart: 0, tEnd: 1, command: '00', response: '9000' })).toThrow(
      /before the header/,
    );
    w.header(header);
    expect(() => w.exchange({ tStart: 0, tEnd: 1, command: '00a4', response: '9000' })).toThrow();
    expect(() => w.exchange({ tStart: 5, tEnd: 1, command: '00A4', response: '9000' })).toThrow();
    expect(() => w.exchange({ tStart: 0, tEnd: 1, command: '00A4', response: '' })).toThrow();
    expect(() => w.header(header)).toThrow(/twice/);
  });
  it('reports the line of the first invalid record', () => {
    const good = `${JSON.stringify(header)}\n${JSON.stringify({ type: 'event', seq: 1, t: 0, kind: 'power-on' })}\n`;
    expect(() => parseTrace(`${good}{not json}\n`)).toThrow(TraceFormatError);
    try {
      parseTrace(
        `${good}\n${JSON.stringify({ type: 'exchange', seq: 2, tStart: 0, tEnd: 0, command: 'XYZ', response: '9000' })}\n`,
      );
      expect.unreachable();
    } catch (e) {
      expect((e as TraceFormatError).line).toBe(4);
    }
    expect(() =>
      parseTrace(`${good}${JSON.stringify({ type: 'event', seq: 1, t: 1, kind: 'reset' })}\n`),
    ).toThrow(/sequence number/);
    expect(() => parseTrace('')).toThrow(/no header/);
    expect(() => parseTrace(JSON.stringify({ ...header, version: 2 }))).toThrow(/invalid header/);
  });
});

describe('masking (PIN/PUK never in a trace unless opted in)', () => {
  it('finds the data field of plain VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER', () => {
    expect(secretRanges(fromHex('002000810831323334353637 38'))).toEqual([
      { offset: 5, length: 8, reason: 'VERIFY reference data (PIN/PUK)' },
    ]);
    expect(secretRanges(fromHex('0024008110' + '31'.repeat(16)))[0]?.length).toBe(16);
    expect(secretRanges(fromHex('002C028108' + '31'.repeat(8)))[0]?.offset).toBe(5);
    expect(secretRanges(fromHex('0020008100000831323334353637 38'))[0]?.offset).toBe(7); // extended Lc
  });
  it('leaves protected commands (cryptograms only) and other commands alone', () => {
    expect(
      secretRanges(
        fromHex('0C20008115871101' + '00'.repeat(16) + '8E0800000000000000000000'.slice(0, 20)),
      ),
    ).toEqual([]);
    expect(secretRanges(fromHex('00A4000C023F00'))).toEqual([]);
    expect(secretRanges(fromHex('0020'))).toEqual([]);
  });
  it('replaces the bytes with 2A and masks digits in free text', () => {
    const cmd = fromHex('00200081083132333435363738');
    expect(toHex(maskBytes(cmd, secretRanges(cmd)))).toBe(`0020008108${'2A'.repeat(8)}`);
    expect(MASK_BYTE).toBe(0x2a);
    expect(maskSecretsInText('login with pin=12345678 and CAN: 123456, --puk 87654321')).toBe(
      'login with pin=******** and CAN: ******, --puk ********',
    );
  });
});
