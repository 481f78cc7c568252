/**
 * Shared pieces of the ISO/IEC 7816-4 generic suite: the placeholders that turn ICS file
 * declarations into bytes, the navigation preconditions, and small builders. The suite never
 * hard-codes a file of a particular card: every FID, SFI and size comes from the ICS `iso`
 * section, so the same cases run on the generic test card and on the CIE personalities.
 */
import { commandApdu, type CommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { PreconditionError, type CaseContext, type Placeholder } from '../../lib/case-context.ts';
import { eofMode, type Ics, type IcsTransparentEf } from '../../lib/ics.ts';
import type { ConformanceCase, DataCheck, Reference, ApduStep } from '../../lib/model.ts';
import { expectSetup, type Precondition } from '../../lib/preconditions.ts';

export type Location = 'mf' | 'app';

const lv = (b: Uint8Array): Uint8Array => Uint8Array.of(b.length, ...b);

function rec(ics: Ics): NonNullable<Ics['iso']['recordEf']> {
  const r = ics.iso.recordEf;
  if (!r) throw new PreconditionError('ICS declares no record EF');
  return r;
}

function need<T>(what: string, v: T | undefined): T {
  if (v === undefined) throw new PreconditionError(`ICS declares no ${what}`);
  return v;
}

function optionalFid(what: string, v: { fid: string } | undefined): Uint8Array {
  if (!v) throw new PreconditionError(`ICS declares no ${what}`);
  return fromHex(v.fid);
}

export const ISO_PLACEHOLDERS: ReadonlyMap<string, Placeholder> = new Map<string, Placeholder>([
  ['APP_AID_LV', (ctx) => lv(fromHex(ctx.ics.iso.application.aid))],
  [
    'APP_FID',
    (ctx) =>
      optionalFid(
        'application FID',
        ctx.ics.iso.application.fid ? { fid: ctx.ics.iso.application.fid } : undefined,
      ),
  ],
  ['ABSENT_AID_LV', (ctx) => lv(fromHex(ctx.ics.iso.absentAid))],
  ['ABSENT_FID', (ctx) => fromHex(ctx.ics.iso.absentFid)],
  ['LONG_FID', (ctx) => fromHex(ctx.ics.iso.longEf.fid)],
  ['SHORT_FID', (ctx) => fromHex(ctx.ics.iso.shortEf.fid)],
  ['REC_FID', (ctx) => fromHex(rec(ctx.ics).fid)],
  ['PROT_FID', (ctx) => optionalFid('protected EF', ctx.ics.iso.protectedEf)],
  ['DEACT_FID', (ctx) => optionalFid('deactivated EF', ctx.ics.iso.deactivatedEf)],
  ['LONG_SFI_P1', (ctx) => Uint8Array.of(0x80 | sfiOf(ctx.ics.iso.longEf))],
  ['SHORT_SFI_P1', (ctx) => Uint8Array.of(0x80 | sfiOf(ctx.ics.iso.shortEf))],
  ['LONG_SFI', (ctx) => Uint8Array.of(sfiOf(ctx.ics.iso.longEf))],
  ['REC_SFI_P2', (ctx) => Uint8Array.of((rec(ctx.ics).sfi << 3) | 0x04)],
  [
    'SM_FID',
    (ctx) => {
      const ef = ctx.ics.sm?.ef;
      if (!ef) throw new PreconditionError('ICS declares no secure-messaging EF');
      return fromHex(ef.fid);
    },
  ],
]);

export function sfiOf(ef: IcsTransparentEf): number {
  if (ef.sfi === undefined) throw new PreconditionError(`ICS declares no SFI for EF ${ef.fid}`);
  return ef.sfi;
}

/** Makes the DF holding a file current (MF by 3F00, the application by AID). */
export async function selectLocation(ctx: CaseContext, loc: Location): Promise<void> {
  if (loc === 'mf') await expectSetup(ctx, '00A4000C023F00');
  else await expectSetup(ctx, '00A4040C<APP_AID_LV>');
}

function efPrecondition(
  name: string,
  what: string,
  pick: (ics: Ics) => { fid: string; in: Location },
  selectEf: boolean,
): Precondition {
  return {
    name,
    description: `${what}: its DF selected${selectEf ? ', then the EF by FID (P1 02, P2 0C)' : ', no current EF'}`,
    run: async (ctx) => {
      const ef = pick(ctx.ics);
      await selectLocation(ctx, ef.in);
      if (selectEf) await expectSetup(ctx, `00A4020C02${ef.fid}`);
    },
  };
}

export const ISO_PRECONDITIONS: readonly Precondition[] = [
  efPrecondition('long_ef_selected', 'the ICS long EF', (i) => i.iso.longEf, true),
  efPrecondition('short_ef_selected', 'the ICS short EF', (i) => i.iso.shortEf, true),
  efPrecondition('record_ef_selected', 'the ICS record EF', (i) => rec(i), true),
  efPrecondition('long_ef_dir', 'the DF of the ICS long EF', (i) => i.iso.longEf, false),
  efPrecondition('short_ef_dir', 'the DF of the ICS short EF', (i) => i.iso.shortEf, false),
  efPrecondition('record_ef_dir', 'the DF of the ICS record EF', (i) => rec(i), false),
  efPrecondition(
    'protected_ef_dir',
    'the DF of the ICS protected EF',
    (i) => need('protected EF', i.iso.protectedEf),
    false,
  ),
  efPrecondition(
    'deactivated_ef_dir',
    'the DF of the ICS deactivated EF',
    (i) => need('deactivated EF', i.iso.deactivatedEf),
    false,
  ),
];

/** `00 B0` with a 15-bit offset and a short or extended Le. */
export function readBinary(offset: number, ne: number, cla = 0x00): CommandApdu {
  return commandApdu({ cla, ins: 0xb0, p1: (offset >> 8) & 0x7f, p2: offset & 0xff, ne });
}

/** `00 B1` odd READ BINARY with the offset DO `54` (ISO/IEC 7816-4:2020 §7.2.3). */
export function readBinaryOdd(p1p2: number, offset: number, ne: number): CommandApdu {
  const off = offset > 0xff ? Uint8Array.of(offset >> 8, offset & 0xff) : Uint8Array.of(offset);
  return commandApdu({
    cla: 0x00,
    ins: 0xb1,
    p1: p1p2 >> 8,
    p2: p1p2 & 0xff,
    data: Uint8Array.of(0x54, off.length, ...off),
    ne,
  });
}

/** Bytes a READ BINARY returns at `offset` for Ne `ne` (ICS cap applied), ignoring EOF. */
export function expectedReadLength(ics: Ics, size: number, offset: number, ne: number): number {
  return Math.min(ne, ics.behaviour.readBinaryMax, size - offset);
}

/**
 * Status words for a read that hits the end of the file (ICS `readBeyondEof`, or
 * `readBeyondEofOdd` for the odd INS; emrtd/README.md §2.1).
 */
export function eofSws(ctx: CaseContext, odd = false): readonly string[] {
  return [eofMode(ctx.ics, odd)];
}

/** The same for the odd INS `B1`. */
export const oddEofSws = (ctx: CaseContext): readonly string[] => eofSws(ctx, true);

/** Data of an EOF read: the remaining bytes, or nothing for `6Cxx` personalities. */
export function eofData(remaining: number, odd = false): DataCheck {
  return {
    what: `${remaining} remaining bytes (or none with 6Cxx)`,
    check: (d, ctx) => {
      const want = eofMode(ctx.ics, odd) === '6Cxx' ? 0 : remaining;
      return d.length === want ? undefined : `expected ${want} data bytes, got ${d.length}`;
    },
  };
}

/** A step that stores the response data under `name` for later comparison. */
export function capture(name: string): Pick<ApduStep, 'after'> {
  return { after: (ctx, r) => void ctx.vars.set(name, r.data.slice()) };
}

export function equalsVar(name: string, slice?: (b: Uint8Array) => Uint8Array): DataCheck {
  return {
    equals: (ctx) => (slice ? slice(ctx.get<Uint8Array>(name)) : ctx.get<Uint8Array>(name)),
  };
}

/** Case factory for the ISO generic suite. */
export function isoCase(
  n: number,
  category: string,
  title: string,
  refs: readonly Reference[],
  rest: Omit<ConformanceCase, 'id' | 'title' | 'suite' | 'category' | 'refs'>,
): ConformanceCase {
  return {
    id: `ISO7816_GEN_${n}`,
    title,
    suite: 'iso7816',
    category: `ISO7816_GEN_${category}`,
    refs,
    ...rest,
  };
}

export const hex = (b: Uint8Array): string => toHex(b);
