/**
 * SELECT (ISO/IEC 7816-4:2020 §7.1.1, Tables 39–40).
 *
 * ```
 * P1 00 MF, DF or EF by FID (empty data or 3F00: MF)   P2 b4-b3  00 FCI (6F)   04 FCP (62)
 *    01 child DF by FID                                          08 FMD (64)   0C no data
 *    02 EF under the current DF                          P2 b2-b1  00 first or only occurrence
 *    03 parent DF (empty data)                                     10 next occurrence (by DF name)
 *    04 by DF name (AID, first/next occurrence, right-truncated names match)
 *    08 path from the MF (without 3F00)   09 path from the current DF
 * ```
 * A failed SELECT leaves the selection unchanged. Selecting a deactivated file answers `6283`,
 * a terminated one `6285`, both with the selection made (ISO/IEC 7816-4:2020 §5.3.3.2).
 */
import type { CommandApdu } from '../../apdu/command-apdu.ts';
import { responseApdu, type ResponseApdu } from '../../apdu/response-apdu.ts';
import {
  SW_6283_FILE_DEACTIVATED,
  SW_6285_FILE_TERMINATED,
  SW_6A82_FILE_NOT_FOUND,
  SW_6A86_INCORRECT_P1P2,
  SW_6A87_NC_INCONSISTENT_WITH_P1P2,
  SW_9000_OK,
} from '../../apdu/status-words.ts';
import type { CommandContext } from '../../card/application.ts';
import { CardError } from '../../card/card-error.ts';
import { FID_3F00_MF } from '../fs/file-system.ts';
import { buildFci, buildFcp, buildFmd } from '../fs/fcp.ts';
import { isDf, type FsNode } from '../fs/nodes.ts';

const notFound = (what: string): CardError =>
  new CardError(SW_6A82_FILE_NOT_FOUND, `${what} not found`);
const badLc = (what: string): CardError => new CardError(SW_6A87_NC_INCONSISTENT_WITH_P1P2, what);

function fidOf(data: Uint8Array): number {
  if (data.length !== 2) throw badLc(`FID of ${data.length} bytes`);
  return ((data[0] as number) << 8) | (data[1] as number);
}

function fidsOf(data: Uint8Array): number[] {
  if (data.length === 0 || data.length % 2 !== 0) throw badLc(`path of ${data.length} bytes`);
  const out: number[] = [];
  for (let i = 0; i < data.length; i += 2)
    out.push(((data[i] as number) << 8) | (data[i + 1] as number));
  return out;
}

function resolveTarget(ctx: CommandContext, apdu: CommandApdu, occurrence: number): FsNode {
  const { fs, currentDf } = ctx;
  const data = apdu.data;
  switch (apdu.p1) {
    case 0x00: {
      if (data.length === 0) return fs.mf;
      const node = fs.selectableFromDf(currentDf, fidOf(data));
      if (!node) throw notFound('file');
      return node;
    }
    case 0x01: {
      const node = fs.child(currentDf, fidOf(data));
      if (!node || !isDf(node)) throw notFound('child DF');
      return node;
    }
    case 0x02: {
      const node = fs.child(currentDf, fidOf(data));
      if (!node || isDf(node)) throw notFound('EF');
      return node;
    }
    case 0x03: {
      if (data.length !== 0) throw badLc('SELECT parent with data');
      if (!currentDf.parent) throw notFound('parent of the MF');
      return currentDf.parent;
    }
    case 0x04: {
      if (data.length === 0 || data.length > 16) throw badLc(`DF name of ${data.length} bytes`);
      const matches = fs.dfsByName(data);
      const here = matches.indexOf(currentDf);
      const node = occurrence === 0x02 ? matches[here + 1] : matches[0];
      if (!node) throw notFound('DF name');
      return node;
    }
    case 0x08:
    case 0x09: {
      let fids = fidsOf(data);
      // Tolerated: paths that start with the MF's own identifier.
      if (apdu.p1 === 0x08 && fids[0] === FID_3F00_MF) fids = fids.slice(1);
      const node =
        fids.length === 0 ? fs.mf : fs.resolvePath(apdu.p1 === 0x08 ? fs.mf : currentDf, fids);
      if (!node) throw notFound('path');
      return node;
    }
    default:
      throw new CardError(SW_6A86_INCORRECT_P1P2, `SELECT P1 ${apdu.p1.toString(16)}`);
  }
}

const RESPONSE_BUILDERS: Readonly<Record<number, ((n: FsNode) => Uint8Array) | undefined>> = {
  0x00: buildFci,
  0x04: buildFcp,
  0x08: buildFmd,
  0x0c: undefined,
};

export function selectHandler(ctx: CommandContext, apdu: CommandApdu): ResponseApdu {
  const p2 = apdu.p2;
  const occurrence = p2 & 0x03;
  if ((p2 & 0xf0) !== 0 || occurrence === 0x01 || occurrence === 0x03) {
    throw new CardError(SW_6A86_INCORRECT_P1P2, `SELECT P2 ${p2.toString(16)}`);
  }
  const node = resolveTarget(ctx, apdu, occurrence);
  ctx.select(node);
  const build = RESPONSE_BUILDERS[p2 & 0x0c];
  const data = build ? build(node) : new Uint8Array(0);
  const sw =
    node.lifeCycle === 'terminated'
      ? SW_6285_FILE_TERMINATED
      : node.lifeCycle === 'deactivated'
        ? SW_6283_FILE_DEACTIVATED
        : SW_9000_OK;
  return responseApdu(sw, data);
}
