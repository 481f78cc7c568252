/**
 * Shared pieces of the eMRTD suite (ICAO Part 3 v3.2 ids, TR-03105 Part 3.2 for TA): the
 * reference inspection system (harness/terminals/emrtd) driven over the case's logging channel,
 * and the ICAO preconditions ("LDS application selected", "basic access granted", PACE done, CA,
 * TA), each run once per case:
 *
 * ```
 * emrtd_selected ─► bac_done ─────────────► bac_ca_done ─► bac_ta_done
 * card_access_read ─► pace_only ─► pace_done ─► ca_done ─► ta_done
 *                     pace_mrz_done
 * ```
 */
import { TerminalError } from '../../../harness/terminals/common/step-report.ts';
import {
  bac,
  chipAuthentication,
  newSession,
  pace,
  readCardAccess,
  readFileStep,
  selectApplication,
  terminalAuthentication,
  type TerminalCredentials,
} from '../../../harness/terminals/emrtd/inspection-system.ts';
import type { InspectionSession } from '../../../harness/terminals/emrtd/inspection-session.ts';
import { dataGroup, EF_CVCA, type LdsFileId } from '../../../harness/terminals/emrtd/lds.ts';
import { readLdsFile } from '../../../harness/terminals/emrtd/file-reader.ts';
import type { PaceInfo } from '../../../emulator/src/protocols/security-infos.ts';
import { EMRTD_AID } from '../../../emulator/src/personalise/emrtd/personalise-emrtd.ts';
import { PreconditionError, type CaseContext, type Placeholder } from '../../lib/case-context.ts';
import type { ConformanceCase, Reference } from '../../lib/model.ts';
import type { Precondition } from '../../lib/preconditions.ts';

const SESSION = 'emrtd.session';
const DONE = 'emrtd.done';
const MERGED = 'emrtd.merged';

export function can(ctx: CaseContext): string {
  const v = ctx.ics.secrets?.can;
  if (!v)
    throw new PreconditionError(
      'the CAN of the card under test is not known (ICS secrets or --can)',
    );
  return v;
}

export function mrz(ctx: CaseContext): string {
  const v = ctx.ics.secrets?.mrz;
  if (!v)
    throw new PreconditionError(
      'the MRZ information of the card under test is not known (ICS secrets or --mrz)',
    );
  return v;
}

/** The case's inspection session (created once; reads whole files in 0xE0 chunks by SFI). */
export function session(ctx: CaseContext): InspectionSession {
  let s = ctx.vars.get(SESSION) as InspectionSession | undefined;
  if (!s) {
    s = newSession(ctx.channelView(), { rng: ctx.rng });
    ctx.vars.set(SESSION, s);
    ctx.vars.set(MERGED, 0);
  }
  return s;
}

function syncLog(ctx: CaseContext, s: InspectionSession): void {
  s.recorder.flushLoose();
  const all = s.recorder.reports.flatMap((r) => r.apdus);
  const merged = (ctx.vars.get(MERGED) as number | undefined) ?? 0;
  ctx.mergePlainForms(all.slice(merged));
  ctx.vars.set(MERGED, all.length);
}

/** Runs inspection-system work with the case's SM session; terminal errors become precondition failures. */
export async function withSession<T>(
  ctx: CaseContext,
  fn: (s: InspectionSession) => Promise<T>,
  asPrecondition = true,
): Promise<T> {
  const s = session(ctx);
  s.link.session = ctx.sm;
  try {
    return await fn(s);
  } catch (e) {
    if (asPrecondition && e instanceof TerminalError)
      throw new PreconditionError(`eMRTD inspection system: [${e.code}] ${e.message}`);
    throw e;
  } finally {
    ctx.sm = s.link.session;
    syncLog(ctx, s);
  }
}

/** Reads an LDS file under the current session (SFI first read, then 0xE0 chunks; emrtd/README.md §1.6). */
export async function readFile(ctx: CaseContext, file: LdsFileId): Promise<Uint8Array> {
  return withSession(ctx, (s) => readLdsFile(s, file), false);
}

export const readDg = (ctx: CaseContext, n: number): Promise<Uint8Array> =>
  readFile(ctx, dataGroup(n));

function credentials(ctx: CaseContext, name = 'emrtd.credentials'): TerminalCredentials {
  return ctx.service<TerminalCredentials>(name);
}

type Stage =
  | 'emrtd_selected'
  | 'card_access_read'
  | 'pace_only'
  | 'pace_done'
  | 'pace_mrz_done'
  | 'bac_done'
  | 'ca_done'
  | 'ta_done'
  | 'bac_ca_done'
  | 'bac_ta_done';

async function runPace(
  ctx: CaseContext,
  s: InspectionSession,
  password: 'can' | 'mrz',
): Promise<void> {
  const infos = ctx.vars.get('emrtd.paceInfos') as PaceInfo[] | undefined;
  const info = infos?.[0];
  if (!info) throw new PreconditionError('EF.CardAccess lists no PACEInfo');
  await pace(
    s,
    info,
    password === 'can' ? { kind: 'can', can: can(ctx) } : { kind: 'mrz', mrzInformation: mrz(ctx) },
    { sendParameterId: (infos?.length ?? 0) > 1 },
  );
}

async function readDg14AndCa(s: InspectionSession): Promise<void> {
  const dg14 = await readFileStep(s, dataGroup(14));
  await chipAuthentication(s, dg14);
}

const STAGES: Readonly<
  Record<
    Stage,
    {
      after?: Stage;
      description: string;
      run: (ctx: CaseContext, s: InspectionSession) => Promise<void>;
    }
  >
> = {
  emrtd_selected: {
    description:
      'SELECT eMRTD application A0 00 00 02 47 10 01 in plain (ICAO Part 3 "LDS application selected")',
    run: async (_c, s) =>
      void (await s.link.expect(
        { ins: 0xa4, p1: 0x04, p2: 0x0c, data: EMRTD_AID },
        'SELECT_AID',
        'SELECT eMRTD AID',
      )),
  },
  card_access_read: {
    description: 'EF.CardAccess read from the MF (emrtd/README.md §1.3)',
    run: async (ctx, s) => {
      const r = await readCardAccess(s);
      ctx.vars.set('emrtd.paceInfos', r.paceInfos);
      ctx.vars.set('emrtd.cardAccess', r.bytes);
    },
  },
  pace_only: {
    after: 'card_access_read',
    description: 'PACE with the CAN (first PACEInfo), SM active, application not yet selected',
    run: (ctx, s) => runPace(ctx, s, 'can'),
  },
  pace_done: {
    after: 'pace_only',
    description:
      'PACE-CAN, then the protected SELECT of the eMRTD application (ICAO Part 3 PACE profile)',
    run: async (_c, s) => selectApplication(s),
  },
  pace_mrz_done: {
    after: 'card_access_read',
    description: 'PACE with the MRZ password, then the protected SELECT of the application',
    run: async (ctx, s) => {
      await runPace(ctx, s, 'mrz');
      await selectApplication(s);
    },
  },
  bac_done: {
    description: 'BAC with the MRZ (ICAO Part 3 "basic access granted"), application selected',
    run: async (ctx, s) => bac(s, mrz(ctx)),
  },
  ca_done: {
    after: 'pace_done',
    description: 'Chip Authentication v1 from DG14 (session re-keyed)',
    run: async (_c, s) => readDg14AndCa(s),
  },
  bac_ca_done: {
    after: 'bac_done',
    description: 'BAC, then Chip Authentication v1',
    run: async (_c, s) => readDg14AndCa(s),
  },
  ta_done: {
    after: 'ca_done',
    description: 'Terminal Authentication v1 with the test IS certificate (TR-03105-3.2 J)',
    run: async (ctx, s) => {
      await readFileStep(s, EF_CVCA);
      await terminalAuthentication(s, credentials(ctx));
    },
  },
  bac_ta_done: {
    after: 'bac_ca_done',
    description: 'BAC, CA, then Terminal Authentication v1',
    run: async (ctx, s) => {
      await readFileStep(s, EF_CVCA);
      await terminalAuthentication(s, credentials(ctx));
    },
  },
};

export async function ensure(ctx: CaseContext, stage: Stage): Promise<void> {
  const done = (ctx.vars.get(DONE) as Set<Stage> | undefined) ?? new Set<Stage>();
  ctx.vars.set(DONE, done);
  if (done.has(stage)) return;
  const st = STAGES[stage];
  if (st.after) await ensure(ctx, st.after);
  await withSession(ctx, (s) => st.run(ctx, s));
  done.add(stage);
}

export const EMRTD_PRECONDITIONS: readonly Precondition[] = (Object.keys(STAGES) as Stage[]).map(
  (name) => ({
    name,
    description: STAGES[name].description,
    run: (ctx: CaseContext) => ensure(ctx, name),
  }),
);

export const EMRTD_PLACEHOLDERS: ReadonlyMap<string, Placeholder> = new Map<string, Placeholder>([
  ['EMRTD_AID_LV', () => Uint8Array.of(EMRTD_AID.length, ...EMRTD_AID)],
]);

/** Case factory: ICAO Part 3 / TR-03105 ids (or `CIE_EMRTD_<n>` for ours), category from the id. */
export function emrtdCase(
  id: string,
  title: string,
  refs: readonly Reference[],
  rest: Omit<ConformanceCase, 'id' | 'title' | 'suite' | 'category' | 'refs'>,
  category?: string,
): ConformanceCase {
  const cat = category ?? id.replace(/_\d+$/, '');
  return {
    id,
    title,
    suite: 'emrtd',
    category: cat,
    refs,
    ...rest,
    applies: ['EMRTD', ...(rest.applies ?? [])],
  };
}

/** The LDS1 files of ICAO Part 3 categories B/D/E/O, with their token and first tag. */
export interface LdsEntry {
  readonly name: string;
  readonly fid: number;
  readonly sfi: number;
  readonly tag: number;
  readonly token?: string;
}

const DG_TAGS = [
  0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70,
];

export const LDS_FILES: readonly LdsEntry[] = [
  { name: 'EF.COM', fid: 0x011e, sfi: 0x1e, tag: 0x60 },
  { name: 'EF.SOD', fid: 0x011d, sfi: 0x1d, tag: 0x77 },
  ...DG_TAGS.map((tag, i) => ({
    name: `DG${i + 1}`,
    fid: 0x0101 + i,
    sfi: i + 1,
    tag,
    token: `DG${i + 1}`,
  })),
];

export const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');
export const fidHex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
