/**
 * Building blocks for procedure steps (several exchanges behind one check): SELECT and whole-file
 * reads in plain or under SM, all through the case context so every byte is logged. A failed
 * expectation inside a procedure throws {@link CheckFailure}; {@link procedure} turns it into the
 * step's failure message.
 */
import { commandApdu, type CommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { concatBytes } from '../../emulator/src/bytes/bytes.ts';
import type { CaseContext } from './case-context.ts';
import type { ProcedureStep, Protection, StepResponse } from './model.ts';
import { swLabel } from './sw-match.ts';
import {
  SW_6282_END_OF_FILE,
  SW_6B00_WRONG_P1P2,
  SW_9000_OK,
} from '../../emulator/src/apdu/status-words.ts';

export class CheckFailure extends Error {
  readonly code = 'CHECK_FAILED';
}

export function fail(message: string): never {
  throw new CheckFailure(message);
}

/** A procedure step whose body throws {@link CheckFailure} (or returns a message) on a mismatch. */
export function procedure(
  title: string,
  expected: string,
  body: (ctx: CaseContext) => Promise<string | undefined | void>,
): ProcedureStep {
  return {
    title,
    expected,
    procedure: async (ctx) => {
      try {
        return (await body(ctx)) ?? undefined;
      } catch (e) {
        if (e instanceof CheckFailure) return e.message;
        throw e;
      }
    },
  };
}

export function apdu(
  cla: number,
  ins: number,
  p1: number,
  p2: number,
  data?: Uint8Array,
  ne = 0,
): CommandApdu {
  return commandApdu({ cla, ins, p1, p2, ...(data ? { data } : {}), ne });
}

/** Sends and insists on one status word (default 9000); returns the observation. */
export async function must(
  ctx: CaseContext,
  cmd: CommandApdu,
  protection: Protection = 'plain',
  sws: readonly number[] = [SW_9000_OK],
  what = 'command',
): Promise<StepResponse> {
  const r = await ctx.send(cmd, protection);
  if (r.smError) fail(`${what}: response failed SM verification (${r.smError})`);
  if (!sws.includes(r.sw))
    fail(
      `${what}: ${swLabel(r.sw)}, expected ${sws.map((s) => s.toString(16).toUpperCase()).join('|')}`,
    );
  return r;
}

export async function selectFid(
  ctx: CaseContext,
  fid: number,
  protection: Protection = 'plain',
  p2 = 0x0c,
): Promise<void> {
  await must(
    ctx,
    apdu(0, 0xa4, 0x02, p2, Uint8Array.of(fid >> 8, fid & 0xff), p2 === 0x0c ? 0 : 256),
    protection,
    [SW_9000_OK],
    `SELECT ${fid.toString(16).toUpperCase().padStart(4, '0')}`,
  );
}

export async function selectAid(
  ctx: CaseContext,
  aid: Uint8Array,
  protection: Protection = 'plain',
): Promise<void> {
  await must(ctx, apdu(0, 0xa4, 0x04, 0x0c, aid), protection, [SW_9000_OK], 'SELECT by AID');
}

/**
 * Reads the current EF from offset 0 until 6282, 6B00 or a short answer (the client loop of
 * ias/README.md §3 row 6 / the ICAO 9303 readers), `le` bytes at a time.
 */
export async function readCurrent(
  ctx: CaseContext,
  protection: Protection = 'plain',
  le = 0xe7,
  max = 0x7fff,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let offset = 0;
  while (offset <= max) {
    const r = await ctx.send(apdu(0, 0xb0, offset >> 8, offset & 0xff, undefined, le), protection);
    if (r.smError) fail(`READ BINARY at ${offset}: ${r.smError}`);
    if (r.sw === SW_6B00_WRONG_P1P2 && offset > 0) break;
    if (r.sw !== SW_9000_OK && r.sw !== SW_6282_END_OF_FILE)
      fail(`READ BINARY at ${offset}: ${swLabel(r.sw)}`);
    parts.push(r.data);
    offset += r.data.length;
    if (r.sw === SW_6282_END_OF_FILE || r.data.length === 0) break;
  }
  return concatBytes(...parts);
}

export async function readFid(
  ctx: CaseContext,
  fid: number,
  protection: Protection = 'plain',
  le = 0xe7,
): Promise<Uint8Array> {
  await selectFid(ctx, fid, protection);
  return readCurrent(ctx, protection, le);
}
