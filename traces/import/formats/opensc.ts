/**
 * OpenSC debug logs (`debug = 3` in opensc.conf, or `OPENSC_DEBUG=9`). Each message starts with a
 * header (`P:<pid>; T:<thread> <hh:mm:ss.mmm> [<app>] <file>:<line>:<func>: `, or the older
 * `0x<thread> <hh:mm:ss.mmm> [<app>] …` and `[<app>] …` forms) and may continue on further
 * lines. The reader layer dumps every APDU as
 *
 * ```
 * Outgoing APDU (12 bytes):          (0.2x)     Outgoing APDU data [   12 bytes] ====   (0.1x)
 * 00 A4 04 0C 07 A0 00 00 02 47 10 01 ...........G..
 * Incoming APDU (2 bytes):
 * 90 00 ..
 * ```
 * with 16 bytes per line followed by their ASCII form. The byte count in the label says how many
 * hex tokens to take from each line, so the ASCII column is never read as hex, and a dump that
 * stops early is detected as truncated.
 */
import type { ExchangeAssembler } from '../assembler.ts';
import { stripAnsi } from '../hex-tokens.ts';
import type { LogFormat } from './format.ts';

const HEADER =
  /^(?:P:\d+;\s*T:\S+\s+)?(?:0x[0-9a-fA-F]+\s+)?(?:\d{4}-\d{2}-\d{2}\s+)?(?:(\d{2}):(\d{2}):(\d{2})\.(\d{3})\s+)?\[[^\]]*\]\s+(.*)$/;
const LABEL = /(Outgoing|Incoming) APDU(?: data)?\s*(?:\((\d+) bytes?\):?|\[\s*(\d+) bytes?\])/;
const RULE = /^=+\s*$/;

type DumpDirection = 'Outgoing' | 'Incoming';

interface Dump {
  readonly direction: DumpDirection;
  readonly expected: number;
  readonly line: number;
  readonly t: number;
  readonly bytes: number[];
}

export const openscFormat: LogFormat = {
  id: 'opensc',
  title: 'OpenSC debug log',
  detect(lines) {
    return lines.filter((l) => LABEL.test(l)).length;
  },
  parse(lines, asm) {
    new OpenscParser(asm).run(lines);
  },
};

class OpenscParser {
  private dump: Dump | undefined;
  private inMessage = false;
  private t0: number | undefined;
  private t = 0;
  private readonly asm: ExchangeAssembler;

  constructor(asm: ExchangeAssembler) {
    this.asm = asm;
  }

  run(lines: readonly string[]): void {
    lines.forEach((raw, i) => this.line(stripAnsi(raw).replace(/\s+$/, ''), i + 1));
    this.endDump(lines.length);
  }

  private line(text: string, line: number): void {
    const label = LABEL.exec(text);
    const header = HEADER.exec(text);
    if (header) {
      this.endDump(line);
      this.inMessage = true;
      this.clock(header);
      if (!label) this.asm.ignore(line, 'opensc message');
    }
    if (label) return this.startDump(label, line);
    if (header) return;
    if (this.dump) return this.dumpLine(text, line);
    if (text.trim() === '' || RULE.test(text)) return;
    if (this.inMessage) this.asm.ignore(line, 'opensc message continuation');
    else this.asm.unknown(line, text, 'not an OpenSC log line');
  }

  private clock(m: RegExpExecArray): void {
    if (m[1] === undefined) return;
    const ms = ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]);
    this.t0 ??= ms;
    // A log that runs past midnight: keep time monotonic.
    const rel = ms - this.t0;
    this.t = Math.max(this.t, (rel < 0 ? rel + 86_400_000 : rel) * 1000);
  }

  private startDump(m: RegExpExecArray, line: number): void {
    this.endDump(line);
    const expected = Number(m[2] ?? m[3]);
    this.dump = { direction: m[1] as DumpDirection, expected, line, t: this.t, bytes: [] };
    if (expected === 0) this.endDump(line);
  }

  private dumpLine(text: string, line: number): void {
    const d = this.dump as Dump;
    if (RULE.test(text)) return this.endDump(line);
    const want = Math.min(16, d.expected - d.bytes.length);
    const tokens = /^((?:[0-9A-Fa-f]{2} ?)+)/.exec(text.trimStart());
    const got = (tokens?.[1] ?? '')
      .trim()
      .split(/ +/)
      .filter((x) => x !== '')
      .slice(0, want);
    if (got.length === 0) {
      this.endDump(line);
      this.asm.unknown(line, text, 'APDU dump interrupted');
      return;
    }
    for (const g of got) d.bytes.push(parseInt(g, 16));
    if (d.bytes.length >= d.expected) this.endDump(line);
  }

  private endDump(line: number): void {
    const d = this.dump;
    if (d === undefined) return;
    this.dump = undefined;
    const bytes = Uint8Array.from(d.bytes);
    const cut = bytes.length < d.expected;
    if (cut)
      this.asm.diagnose(
        line,
        'warning',
        'TRUNCATED_HEX',
        `${d.direction} APDU dump of ${d.expected} bytes stops after ${bytes.length}`,
      );
    if (d.direction === 'Outgoing') this.asm.command(bytes, d.line, d.t, cut);
    else this.asm.response(bytes, d.line, this.t, cut);
  }
}
