/**
 * Import of every supported log format, including malformed and truncated
 * logs. Fixtures are in `fixtures/` (hand-made in each tool's documented output format) plus the
 * real CIE fragment `golden/real-card/real-trace-pace-2018.txt` (italia/cie-mrtd-dotnet-sdk#8).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../format/read.ts';
import { serializeTrace } from '../format/write.ts';
import type { TraceExchange } from '../format/schema.ts';
import {
  detectFormat,
  ImportError,
  importLog,
  importLogFile,
  type ImportResult,
} from './import.ts';

const fixture = (name: string): string => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const REAL_2018 = new URL('../golden/real-card/real-trace-pace-2018.txt', import.meta.url).pathname;

function exchanges(r: ImportResult): TraceExchange[] {
  return r.trace.records.filter((x): x is TraceExchange => x.type === 'exchange');
}

function pairs(r: ImportResult): string[][] {
  return exchanges(r).map((e) => [e.command, e.response, e.incomplete ? 'incomplete' : 'complete']);
}

function codesAt(r: ImportResult): string[] {
  return r.diagnostics.map((d) => `${d.line}:${d.code}`);
}

describe('import: pcscd --debug --apdu logs', () => {
  it('pairs APDU:/SW: lines, keeps the ATR event, masks the VERIFY PIN, counts other pcscd messages', () => {
    const r = importLogFile(fixture('pcscd.log'));
    expect(r.format).toBe('pcscd');
    expect(pairs(r)).toEqual([
      ['00A4040C07A0000002471001', '9000', 'complete'],
      ['00B09E0006', '60165F0104309000', 'complete'],
      ['00200081082A2A2A2A2A2A2A2A', '63C2', 'complete'],
    ]);
    expect(r.trace.header.atr).toBe('3B8F800180318065B085040011120FFF8290008A');
    expect(exchanges(r)[2]?.masked).toEqual([
      { field: 'command', offset: 5, length: 8, reason: 'VERIFY reference data (PIN/PUK)' },
    ]);
    expect(r.diagnostics).toEqual([]);
    expect(r.ignored.map((i) => i.line)).toEqual([1, 2, 3, 11]);
    // Times: cumulative microsecond deltas of the pcscd line prefixes.
    const first = exchanges(r)[0] as TraceExchange;
    expect([first.tStart, first.tEnd]).toEqual([102083 + 30, 102083 + 30 + 1200]);
  });

  it('reveals the PIN only when asked', () => {
    const r = importLogFile(fixture('pcscd.log'), { revealSecrets: true });
    expect(exchanges(r)[2]?.command).toBe('00200081083132333435363738');
  });

  it('colour escapes and thread ids are accepted; a log ending after a command gives an incomplete exchange', () => {
    const r = importLogFile(fixture('pcscd-color-truncated.log'));
    expect(pairs(r)).toEqual([
      ['00A4020C02011C', '9000', 'complete'],
      ['00B0000006', '', 'incomplete'],
    ]);
    expect(codesAt(r)).toEqual(['3:TRUNCATED_EXCHANGE']);
  });

  it('malformed log: unknown line, stray SW and a cut VERIFY are reported with line numbers; the cut PIN stays masked', () => {
    const r = importLogFile(fixture('pcscd-malformed.log'));
    expect(codesAt(r)).toEqual([
      '1:UNKNOWN_LINE',
      '4:LENGTH_MISMATCH',
      '6:RESPONSE_WITHOUT_COMMAND',
      '7:LENGTH_MISMATCH',
      '7:TRUNCATED_EXCHANGE',
    ]);
    expect(pairs(r)).toEqual([
      ['00A4020C02011C', '9000', 'complete'],
      ['00B000001600', '6700', 'complete'],
      ['00200081082A2A2A', '', 'incomplete'],
    ]);
    // Every diagnostic is also a note in the trace, so the evidence travels with it.
    const notes = r.trace.records
      .filter((x) => x.type === 'event' && x.kind === 'note')
      .map((x) => (x.type === 'event' ? x.text : ''));
    expect(notes.some((n) => n?.includes('line 1: UNKNOWN_LINE'))).toBe(true);
  });
});

describe('import: pcsc-spy output', () => {
  it('reads SCardTransmit hex dumps without taking the ASCII column for hex; a failed transmit is incomplete', () => {
    const r = importLogFile(fixture('pcsc-spy.log'));
    expect(r.format).toBe('pcsc-spy');
    expect(pairs(r)).toEqual([
      ['0022C1A40F800A04007F00070202040101830102', '9000', 'complete'],
      ['10860000027C0000', '7C12801041424344454630313233343536373839' + '9000', 'complete'],
      ['0084000008', '', 'incomplete'],
    ]);
    expect(codesAt(r)).toEqual(['54:TRANSMIT_FAILED']);
    const ga = exchanges(r)[1] as TraceExchange;
    expect(ga.tEnd - ga.tStart).toBe(12044);
  });

  it('truncated pcsc-spy log: the send buffer is shorter than bSendLength', () => {
    const r = importLogFile(fixture('pcsc-spy-truncated.log'));
    expect(pairs(r)).toEqual([['0022C1A40F800A04007F000702020401', '', 'incomplete']]);
    expect(codesAt(r)).toEqual(['1:TRUNCATED_HEX', '1:TRUNCATED_EXCHANGE']);
  });
});

describe('import: OpenSC debug logs', () => {
  it('reads Outgoing/Incoming APDU dumps by their byte count (ASCII column ignored), times from the headers', () => {
    const r = importLogFile(fixture('opensc.log'));
    expect(r.format).toBe('opensc');
    expect(pairs(r)).toEqual([
      ['00A4040C07A0000002471001', '9000', 'complete'],
      [
        '00B0810020',
        '615D5F1F5A4944495441434130303030' + '30414134' + '3C3C3C3C3C3C3C3C3C3C3C3C' + '6282',
        'complete',
      ],
    ]);
    const sel = exchanges(r)[0] as TraceExchange;
    expect([sel.tStart, sel.tEnd]).toEqual([105_000, 112_000]);
    expect(r.diagnostics).toEqual([]);
  });

  it('old 0.1x format, truncated incoming dump: reported and incomplete', () => {
    const r = importLogFile(fixture('opensc-old-truncated.log'));
    expect(pairs(r)).toEqual([['0084000008', '11223344', 'incomplete']]);
    expect(codesAt(r)).toEqual(['8:TRUNCATED_HEX', '7:TRUNCATED_HEX']);
  });
});

describe('import: plain hex logs', () => {
  it('C:/R: spaced hex, lower case, continuation lines, comments', () => {
    const r = importLogFile(fixture('hex-spaced.log'));
    expect(r.format).toBe('hex');
    expect(pairs(r)).toEqual([
      ['00A4000C023F00', '9000', 'complete'],
      ['00A4020C020101', '9000', 'complete'],
      ['00B0000010', '000102030405060708090A0B0C0D0E0F9000', 'complete'],
    ]);
    expect(r.diagnostics).toEqual([]);
  });

  it('>>/<< compact hex with an unknown line and a command cut mid-byte', () => {
    const r = importLogFile(fixture('hex-compact.log'));
    expect(pairs(r)).toEqual([
      ['00A4040C07A0000000990102', '9000', 'complete'],
      ['00B2010C00', '010203049000', 'complete'],
      ['00B000', '', 'incomplete'],
    ]);
    expect(codesAt(r)).toEqual(['6:UNKNOWN_LINE', '7:TRUNCATED_HEX', '7:TRUNCATED_EXCHANGE']);
  });
});

describe('import: the real CIE 3.0 fragment (golden/real-card/real-trace-pace-2018.txt)', () => {
  const r = importLogFile(REAL_2018);

  it('is detected as the CIE SDK format and gives the five complete exchanges of the log', () => {
    expect(r.format).toBe('cie-sdk');
    expect(pairs(r).slice(0, 5)).toEqual([
      ['00A4020C02011C', '9000', 'complete'],
      ['00B0000006', '31143012060A9000', 'complete'],
      ['00B0000016', '31143012060A04007F000702020401010201020201029000', 'complete'],
      ['0022C1A40F800A04007F00070202040101830102', '9000', 'complete'],
      ['10860000027C0000', '7C1280107A129D7C6BC52F9B9227686D297924479000', 'complete'],
    ]);
  });

  it('marks the GA step 2 cut mid-byte as incomplete, keeping the 213 whole bytes logged', () => {
    const last = exchanges(r)[5] as TraceExchange;
    expect(last.incomplete).toBe(true);
    expect(last.response).toBe('');
    expect(last.command.startsWith('108600000001087C82010481820100')).toBe(true);
    expect(last.command.endsWith('8E')).toBe(true);
  });

  it('reports every non-APDU line with its line number', () => {
    expect(codesAt(r)).toEqual([
      '5:UNKNOWN_LINE',
      '11:UNKNOWN_LINE',
      '16:UNKNOWN_LINE',
      '17:UNKNOWN_LINE',
      '18:TRUNCATED_HEX',
      '19:UNKNOWN_LINE',
      '18:TRUNCATED_EXCHANGE',
    ]);
    expect(r.ignored.map((i) => `${i.line}:${i.kind}`)).toEqual([
      '1:comment',
      '2:comment',
      '3:comment',
      '4:comment',
    ]);
  });

  it('round-trips through the trace format', () => {
    const again = parseTrace(serializeTrace(r.trace));
    expect(again.records).toEqual(r.trace.records);
    expect(again.header.source).toEqual({ format: 'cie-sdk', file: 'real-trace-pace-2018.txt' });
  });
});

describe('import: detection and refusal', () => {
  it('detects each fixture format', () => {
    const cases: Array<[string, string]> = [
      ['pcscd.log', 'pcscd'],
      ['pcsc-spy.log', 'pcsc-spy'],
      ['opensc.log', 'opensc'],
      ['hex-spaced.log', 'hex'],
      ['hex-compact.log', 'hex'],
    ];
    for (const [f, id] of cases)
      expect(detectFormat(readFileSync(fixture(f), 'utf8').split('\n')), f).toBe(id);
  });

  it('text with no APDU in any known format is refused with a stable code', () => {
    expect(() => importLog('hello\nworld\n')).toThrow(ImportError);
    try {
      importLog('hello\n');
    } catch (e) {
      expect((e as ImportError).code).toBe('IMPORT_UNKNOWN_FORMAT');
    }
  });
});
