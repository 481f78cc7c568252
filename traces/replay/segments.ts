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
 * | ias      | MSE SET KAT `22 41 A6`                          | GET DATA `A6 91` (then DAPP, in SM)|
 * | test-e0  | `00 E0 00 00` of the trace test card (traces/testing, a fixture) | the same        |
 *
 * References: ICAO 9303-11 §4.4 (PACE), §9.7.2 (BAC); cie-ias.md §4.1 and §5.3 (IAS DH + DAPP).
 */
import { decodeCla } from '../../emulator/src/apdu/cla.ts';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import { tryParseCommand } from '../annotate/sm-keys.ts';
import type { TraceExchange } from '../format/schema.ts';

export type SessionProtocol = 'pace' | 'bac' | 'ias' | 'test-e0';

export type SegmentKind = 'plain' | 'establish' | 'protected';

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
  if (c.startsWith('002241A6')) return 'ias';
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

export function classify(exchanges: readonly TraceExchange[]): ClassifiedExchange[] {
  const out: ClassifiedExchange[] = [];
  let open: SessionProtocol | undefined;
  exchanges.forEach((x, i) => {
    if (open === undefined && !isSm(x.command)) open = startOf(x, exchanges[i + 1]);
    if (open !== undefined) {
      const last = endsBlock(open, x) || exchanges[i + 1] === undefined || isSm(exchanges[i + 1]?.command ?? '');
      out.push({ exchange: x, kind: 'establish', protocol: open, last });
      if (last) open = undefined;
      return;
    }
    out.push({ exchange: x, kind: isSm(x.command) ? 'protected' : 'plain' });
  });
  return out;
}
