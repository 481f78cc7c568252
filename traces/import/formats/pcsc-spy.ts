/**
 * `pcsc-spy` output (pcsc-lite `src/spy/pcsc-spy`): each PC/SC call is a function-name line, then
 * ` i …` (in) and ` o …` (out) parameter lines, then ` => <text> (<SCARD_…> [0x…])  [s.µs]`.
 * For `SCardTransmit` the buffers are hex dumps, one line per 16 bytes:
 *
 * ```
 * SCardTransmit
 *  i hCard: 0x…
 *  i bSendLength 0x0005 (5)
 *  i bSendBuffer
 *  i  0000 00 A4 04 00 00                                  .....
 *  o bRecvLength 0x0002 (2)
 *  o bRecvBuffer
 *  o  0000 90 00                                            ..
 *  => Command successful. (SCARD_S_SUCCESS [0x00000000])  [0.000123]
 * ```
 * At most 16 hex tokens are read per line and a double space ends them (the hex column is
 * padded), so ASCII text that looks like hex is never read as bytes. A failed transmit (rv ≠ SCARD_S_SUCCESS) is an incomplete exchange;
 * `SCardStatus`'s `bAtr` becomes a power-on event. Thread indentation (`-t`) is accepted.
 */
import type { ExchangeAssembler } from '../assembler.ts';
import { parseLogHex, stripAnsi } from '../hex-tokens.ts';
import type { LogFormat } from './format.ts';

type SpyState = 'idle' | 'transmit' | 'send-buffer' | 'recv-buffer' | 'other-call';

const FUNCTION = /^\s*(SCard[A-Za-z]+|SCarControl)\s*$/;
const PARAM = /^\s*([io]) (\S.*)$/;
const DUMP = /^\s*([io])  ([0-9A-Fa-f]{4}) (.*)$/;
const RESULT = /^\s*=> (.*) \((SCARD_[A-Z_]+) \[(0x[0-9A-Fa-f]+)\]\)\s*\[(\d+)\.(\d+)\]\s*$/;
const LENGTH = /^b(Send|Recv)Length (0x[0-9A-Fa-f]+|\d+)/;

interface Call {
  readonly line: number;
  send: number[];
  recv: number[];
  sendLength: number | undefined;
  recvLength: number | undefined;
  recvLine: number;
}

export const pcscSpyFormat: LogFormat = {
  id: 'pcsc-spy',
  title: 'pcsc-spy output',
  detect(lines) {
    return lines.filter(
      (l) => /^\s*SCardTransmit\s*$/.test(l) || /^\s*[io] b(Send|Recv)Buffer\s*$/.test(l),
    ).length;
  },
  parse(lines, asm) {
    new SpyParser(asm).run(lines);
  },
};

class SpyParser {
  private state: SpyState = 'idle';
  private call: Call | undefined;
  private t = 0;
  private readonly asm: ExchangeAssembler;

  constructor(asm: ExchangeAssembler) {
    this.asm = asm;
  }

  run(lines: readonly string[]): void {
    lines.forEach((raw, i) => this.line(stripAnsi(raw), i + 1));
    if (this.call) this.endTransmit(lines.length, undefined);
  }

  private line(text: string, line: number): void {
    if (text.trim() === '') return;
    const fn = FUNCTION.exec(text);
    if (fn) {
      if (this.call) this.endTransmit(line, undefined);
      const name = fn[1] as string;
      this.state = name === 'SCardTransmit' ? 'transmit' : 'other-call';
      if (this.state === 'transmit')
        this.call = {
          line,
          send: [],
          recv: [],
          sendLength: undefined,
          recvLength: undefined,
          recvLine: line,
        };
      else this.asm.ignore(line, `pcsc-spy ${name}`);
      return;
    }
    const result = RESULT.exec(text);
    if (result) return this.result(result, line);
    const dump = DUMP.exec(text);
    if (dump && (this.state === 'send-buffer' || this.state === 'recv-buffer'))
      return this.dumpLine(dump[3] ?? '', line, text);
    const param = PARAM.exec(text);
    if (param) return this.param(param[2] ?? '', line, text);
    this.asm.unknown(line, text, 'not a pcsc-spy line');
  }

  private param(p: string, line: number, text: string): void {
    if (this.state === 'other-call' || this.state === 'idle') {
      const atr = /^bAtr ((?:[0-9A-Fa-f]{2}\s?)+)$/.exec(p);
      const hex = atr ? parseLogHex(atr[1] ?? '') : undefined;
      if (hex && hex.bytes.length > 1)
        this.asm.event('power-on', line, this.t, hex.bytes, 'ATR from SCardStatus');
      else if (this.state === 'idle')
        this.asm.unknown(line, text, 'parameter line outside a PC/SC call');
      else this.asm.ignore(line, 'pcsc-spy parameter');
      return;
    }
    const call = this.call as Call;
    const len = LENGTH.exec(p);
    if (len) {
      const value = Number(len[2]);
      if (len[1] === 'Send') call.sendLength = value;
      else call.recvLength = value;
    }
    if (/^bSendBuffer\s*$/.test(p)) this.state = 'send-buffer';
    else if (/^bRecvBuffer\s*$/.test(p)) {
      this.state = 'recv-buffer';
      call.recvLine = line;
    } else this.state = 'transmit';
    this.asm.ignore(line, 'pcsc-spy parameter');
  }

  private dumpLine(rest: string, line: number, text: string): void {
    const tokens: string[] = [];
    for (const tok of rest.split(' ')) {
      if (tokens.length === 16 || !/^[0-9A-Fa-f]{2}$/.test(tok)) break;
      tokens.push(tok);
    }
    const hex = tokens.length > 0 ? parseLogHex(tokens.join(' ')) : undefined;
    if (hex === undefined) {
      this.asm.unknown(line, text, 'hex dump line without hex');
      return;
    }
    const call = this.call as Call;
    (this.state === 'send-buffer' ? call.send : call.recv).push(...hex.bytes);
  }

  private result(m: RegExpExecArray, line: number): void {
    const duration = Number(m[4]) * 1e6 + Number((m[5] ?? '0').padEnd(6, '0').slice(0, 6));
    if (this.call) {
      const tStart = this.t;
      this.t += duration;
      this.endTransmit(line, { rv: m[2] as string, tStart });
    } else this.t += duration;
    this.state = 'idle';
  }

  private endTransmit(line: number, result: { rv: string; tStart: number } | undefined): void {
    const call = this.call as Call;
    this.call = undefined;
    this.state = 'idle';
    const send = Uint8Array.from(call.send);
    const sendCut = call.sendLength !== undefined && send.length < call.sendLength;
    this.asm.command(send, call.line, result?.tStart ?? this.t, sendCut);
    if (result === undefined) return; // the log ended or another call began: incomplete
    if (result.rv !== 'SCARD_S_SUCCESS') {
      this.asm.failed(line, result.rv, this.t);
      return;
    }
    const recv = Uint8Array.from(call.recv);
    const recvCut = call.recvLength !== undefined && recv.length < call.recvLength;
    this.asm.response(recv, call.recvLine, this.t, recvCut);
  }
}
