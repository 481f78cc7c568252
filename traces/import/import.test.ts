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
      '18:TRUNCATED_EXCHANGE',
    ]);
    expect(r.ignored.map((i) => `${i.line}:${i.kind}`)).toEqual([
      '1:comment',
      '2:comment',
      '3:comment',
      '4:comment',
      '19:gap marker',
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

describe('import: gaps and unreadable responses are never paired (real CNS pcscd log, OpenSC#3804)', () => {
  const r = importLogFile(fixture('real-opensc-3804_CNS_Actalis2025_pcscd.log'));

  it('a redacted (XX) response leaves its command incomplete with a warning', () => {
    const ex = exchanges(r);
    const redacted = ex.filter((e) => e.incomplete === true && e.response === '');
    expect(redacted.map((e) => e.command)).toEqual(['00B0000000', '00B0000208', '00B0000000']);
    expect(codesAt(r).filter((c) => c.endsWith('UNPARSABLE_RESPONSE'))).toEqual([
      '12:UNPARSABLE_RESPONSE',
      '19:UNPARSABLE_RESPONSE',
      '23:UNPARSABLE_RESPONSE',
    ]);
  });

  it('a response after a gap marker is reported without a command; no exchange spans a gap or joins timings', () => {
    expect(codesAt(r).filter((c) => c.endsWith('RESPONSE_WITHOUT_COMMAND'))).toEqual([
      '15:RESPONSE_WITHOUT_COMMAND',
      '27:RESPONSE_WITHOUT_COMMAND',
    ]);
    for (const e of exchanges(r)) {
      const lines = (e.notes?.[0] ?? '').match(/\d+/g)?.map(Number) ?? [];
      expect(lines.at(-1)! - lines[0]!, e.notes?.[0]).toBeLessThanOrEqual(1);
      if (e.incomplete && e.response === '') expect(e.tEnd).toBe(e.tStart);
    }
    expect(r.ignored.filter((i) => i.kind === 'gap marker').map((i) => i.line)).toEqual([
      6, 13, 14, 24, 25, 26, 30,
    ]);
  });

  it('a gap between a command and its SW line marks the command incomplete (GAP)', () => {
    const text = [
      '# hand-made from the pcscd format',
      '00000000 APDU: 00 B0 00 00 04',
      '[... gap of unknown size ...]',
      '00000010 SW: 01 02 03 04 90 00',
    ].join('\n');
    const g = importLog(text);
    expect(pairs(g)).toEqual([['00B0000004', '', 'incomplete']]);
    expect(codesAt(g)).toEqual(['3:GAP', '4:RESPONSE_WITHOUT_COMMAND']);
  });
});

describe('import: `#` lines are comments in every format', () => {
  const header = '# Source: a public log (header line)';
  const logs: ReadonlyArray<readonly [string, string]> = [
    ['pcscd', '00000000 APDU: 00 A4 00 0C\n00000100 SW: 90 00'],
    ['hex', 'C: 00A4000C\nR: 9000'],
    ['cie-sdk', 'APDU:00-A4-00-0C\nResponse:90-00'],
    ['pn532', 'Command (success): 0x00 0xA4 0x00 0x0C'],
    [
      'opensc',
      'P:1; T:1 10:00:00.000 [x] apdu.c:1:f: \nOutgoing APDU (4 bytes):\n00 A4 00 0C ....\nP:1; T:1 10:00:00.001 [x] apdu.c:1:f: \nIncoming APDU (2 bytes):\n90 00 ..',
    ],
    ['pcsc-spy', readFileSync(fixture('pcsc-spy.log'), 'utf8').split('\n').slice(0, 28).join('\n')],
  ];
  it.each(logs)('%s', (format, body) => {
    const r = importLog(`${header}\n${body}\n`);
    expect(r.format).toBe(format);
    expect(r.ignored[0]).toEqual({ line: 1, kind: 'comment' });
    expect(r.diagnostics.filter((d) => d.line === 1)).toEqual([]);
  });
});

describe('import: the PN532 serial log of italia/cie-PN532 (issues 3 and 5)', () => {
  const REAL = (n: string): string => new URL(`../golden/real-card/${n}`, import.meta.url).pathname;

  it('italia/cie-PN532#3: success lines are 9000 with the response data unknown; failures without a status word are transport failures', () => {
    const r = importLogFile(REAL('cie-PN532-3_CIE3_NIS_reader_2018.txt'));
    expect(r.format).toBe('pn532');
    expect(r.exchanges).toBe(23);
    expect(r.incomplete).toBe(5);
    const first = exchanges(r)[0] as TraceExchange;
    expect(first.command).toBe('00A4040C0DA0000000308000000009816001');
    expect([first.response, first.responseDataUnknown]).toEqual(['9000', true]);
    expect(codesAt(r)).toEqual([
      '22:TRANSMIT_FAILED',
      '27:TRANSMIT_FAILED',
      '31:TRUNCATED_HEX',
      '31:TRANSMIT_FAILED',
      '53:TRANSMIT_FAILED',
      '58:TRUNCATED_HEX',
    ]);
    const kinds = new Set(r.ignored.map((i) => i.kind));
    expect([...kinds].sort()).toEqual([
      'comment',
      'gap marker',
      'sketch message',
      'status message',
    ]);
    expect(r.trace.records.filter((x) => x.type === 'event' && x.kind === 'power-on')).toHaveLength(
      2,
    );
  });

  it('italia/cie-PN532#5: the status message before a failure gives its status word (6A82)', () => {
    const r = importLogFile(REAL('cie-PN532-5_CIE_selectIAS_6A82_2019.txt'));
    expect(pairs(r)).toEqual([
      ['00A4040C0DA0000000308000000009816001', '6A82', 'complete'],
      ['00A4040C0DA0000000308000000009816001', '6A82', 'complete'],
      ['00A4040C0D', '6A82', 'incomplete'],
    ]);
  });

  it('is detected from its Command lines', () => {
    expect(detectFormat(['Tag number: 1', 'Command (success): 0x00 0xA4 0x00 0x0C'])).toBe('pn532');
  });
});
