/**
 * The debug output of the IPZS CIE .NET SDK (`CIE.MRTD.SDK`), the format of the real-card
 * fragment `traces/golden/real-card/real-trace-pace-2018.txt` (italia/cie-mrtd-dotnet-sdk#8):
 *
 * ```
 * APDU:00-A4-02-0C-02-01-1C
 * Response:90-00
 * ```
 * Bytes are dash-separated. `APDU:` may follow other text on the same line (the SDK writes
 * without newlines between its own messages: `…readersLen:1APDU:00-A4-…`); that text is reported.
 * Every other line (debugger output, the SDK's own messages) is reported as unknown. A last
 * group with one hex digit (`…-8E-0`) is a command cut mid-byte: incomplete exchange.
 */
import type { ExchangeAssembler } from '../assembler.ts';
import { parseLogHex } from '../hex-tokens.ts';
import type { LogFormat } from './format.ts';

const APDU = /APDU:\s*([0-9A-Fa-f]{1,2}(?:-[0-9A-Fa-f]{0,2})*)\s*$/;
const RESPONSE = /^\s*Response:\s*([0-9A-Fa-f]{1,2}(?:-[0-9A-Fa-f]{0,2})*)\s*$/;
const COMMENT = /^\s*#/;

export const cieSdkFormat: LogFormat = {
  id: 'cie-sdk',
  title: 'IPZS CIE SDK debug output (APDU:/Response:, dash-separated)',
  detect(lines) {
    return lines.filter((l) => APDU.test(l) || RESPONSE.test(l)).length;
  },
  parse(lines, asm) {
    lines.forEach((text, i) => parseLine(text, i + 1, asm));
  },
};

function parseLine(text: string, line: number, asm: ExchangeAssembler): void {
  if (text.trim() === '') return;
  if (COMMENT.test(text)) return asm.ignore(line, 'comment');
  const apdu = APDU.exec(text);
  if (apdu) {
    const before = text.slice(0, apdu.index).trim();
    if (before !== '') asm.unknown(line, before, "text before 'APDU:' on the same line");
    const hex = parseLogHex(apdu[1] ?? '');
    if (hex === undefined) return asm.unknown(line, text, 'APDU line without hex');
    return asm.command(hex.bytes, line, undefined, hex.truncated);
  }
  const rsp = RESPONSE.exec(text);
  if (rsp) {
    const hex = parseLogHex(rsp[1] ?? '');
    if (hex === undefined)
      return asm.unparsableResponse(line, text, 'Response line whose bytes cannot be read');
    return asm.response(hex.bytes, line, undefined, hex.truncated);
  }
  asm.unknown(line, text);
}
