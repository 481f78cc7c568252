/**
 * Splitting a source trace for replay: which exchanges can be resent as they are, which belong to
 * a session establishment (their bytes depend on fresh randoms, so the protocol must be run again
 * by a reference terminal), and which are protected by secure messaging (resent from their plain
 * form under the new session). Establishment starts are recognised by this table:
 *
 * | protocol | first command                                   | last command                       |
 * |----------|-------------------------------------------------|------------------------------------|
 * | pace     | MSE SET AT `22 C1 A4` with a PACE OID in DO 80  | GENERAL AUTHENTICATE with CLA 00   |
 * | bac      | GET CHALLENGE followed by MUTUAL AUTH (40 bytes)| MUTUAL AUTHENTICATE                |
 * | ias      | MSE SET KAT `22 41 A6`                          | GET DATA `A6 91`, or, when DAPP follows (protected MSE SET DST `22 81 B6`), its INTERNAL AUTHENTICATE `88` |
 * | test-e0  | `00 E0 00 00` of the trace test card (traces/testing, a fixture) | the same        |
 *
 * References: ICAO 9303-11 §4.4 (PACE), §9.7.2 (BAC); ias/README.md §4.1 and §5.3 (IAS DH + DAPP).
 */
import { decodeCla } from '../../emulator/src/apdu/cla.ts';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import { tryParseCommand } from '../annotate/sm-keys.ts';
import type { TraceExchange } from '../format/schema.ts';

export type SessionProtocol = 'pace' | 'bac' | 'ias' | 'test-e0';

/** `transport`: a GET RESPONSE after `61xx`, which the replay re-issues as the target card needs. */
export type SegmentKind = 'plain' | 'establish' | 'protected' | 'transport';

export interface ClassifiedExchange {
  readonly exchange: TraceExchange;
  readonly kind: SegmentKind;
  /** For `establish`: the protocol, and whether this exchange closes the block. */
  readonly protocol?: SessionProtocol;
  readonly last?: boolean;
}

/** id-PACE = 0.4.0.127.0.7.2.2.4 (BSI TR-03110-3 A.1.1.1), DER content bytes. */
const PACE_OID_PREFIX = '04007F0007020204';

function isSm(hex: string): boolean {
  const a = tryParseCommand(fromHex(hex));
  return a !== undefined && decodeCla(a.cla).sm !== 'none';
}

function startOf(x: TraceExchange, next: TraceExchange | undefined): SessionProtocol | undefined {
  const c = x.command;
  if (c.startsWith('0022C1A4') && c.includes(PACE_OID_PREFIX)) return 'pace';
  // The MSE SET KAT carries a 256-byte key: clients chain it, so its first segment has CLA 10 (§3 row 10).
  if (/^[01]02241A6/.test(c)) return 'ias';
  if (c === '00E00000') return 'test-e0';
  if (c.startsWith('00840000') && next?.command.startsWith('0082000028')) return 'bac';
  return undefined;
}

function endsBlock(protocol: SessionProtocol, x: TraceExchange): boolean {
  if (protocol === 'pace') return /^0086/.test(x.command);
  if (protocol === 'bac') return x.command.startsWith('0082');
  if (protocol === 'test-e0') return true;
  return x.command.startsWith('00CB') && x.command.includes('A60291');
}

/** INS and P1P2 of a command, readable in the clear even when it is protected. */
function header(hex: string): { ins: number; p1p2: number } | undefined {
  const a = tryParseCommand(fromHex(hex));
  return a && { ins: a.ins, p1p2: (a.p1 << 8) | a.p2 };
}

/** DAPP (ias/README.md §5.3): protected MSE (22), PSO (2A), GET CHALLENGE (84), EXTERNAL (82), INTERNAL AUTHENTICATE (88). */
const DAPP_INS = new Set([0x22, 0x2a, 0x84, 0x82, 0x88]);

/**
 * Length of the DAPP run starting at `from` (right after the IAS key exchange): protected DAPP
 * commands from MSE SET DST up to the first INTERNAL AUTHENTICATE; 0 when no DAPP follows.
 */
function dappLength(exchanges: readonly TraceExchange[], from: number): number {
  const first = exchanges[from];
  if (!first || !isSm(first.command) || header(first.command)?.p1p2 !== 0x81b6) return 0;
  for (let i = from; i < exchanges.length; i++) {
    const x = exchanges[i] as TraceExchange;
    const h = header(x.command);
    if (!isSm(x.command) || !h || !DAPP_INS.has(h.ins)) return 0;
    if (h.ins === 0x88) return i - from + 1;
  }
  return 0;
}

/**
 * GET RESPONSE (any CLA: the desktop middleware sends `0C C0 00 00 00` inside SM, ias/README.md §3
 * row 26) right after a `61xx` answer: transport-level, not a command of the flow.
 */
function isGetResponseAfter61(x: TraceExchange, prev: TraceExchange | undefined): boolean {
  return (
    header(x.command)?.ins === 0xc0 &&
    prev !== undefined &&
    prev.response.length >= 4 &&
    prev.response.slice(-4, -2) === '61'
  );
}

export function classify(exchanges: readonly TraceExchange[]): ClassifiedExchange[] {
  const out: ClassifiedExchange[] = [];
  let open: SessionProtocol | undefined;
  let dappLeft = 0;
  exchanges.forEach((x, i) => {
    if (isGetResponseAfter61(x, exchanges[i - 1])) {
      out.push({ exchange: x, kind: 'transport' });
      return;
    }
    if (dappLeft > 0) {
      dappLeft--;
      out.push({ exchange: x, kind: 'establish', protocol: 'ias', last: dappLeft === 0 });
      return;
    }
    if (open === undefined && !isSm(x.command)) open = startOf(x, exchanges[i + 1]);
    if (open !== undefined) {
      let last =
        endsBlock(open, x) ||
        exchanges[i + 1] === undefined ||
        isSm(exchanges[i + 1]?.command ?? '');
      if (last && open === 'ias') {
        dappLeft = dappLength(exchanges, i + 1);
        last = dappLeft === 0;
      }
      out.push({ exchange: x, kind: 'establish', protocol: open, last });
      if (dappLeft > 0 || last) open = undefined;
      return;
    }
    out.push({ exchange: x, kind: isSm(x.command) ? 'protected' : 'plain' });
  });
  return out;
}
