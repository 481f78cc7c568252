/**
 * The reference eMRTD inspection system (ICAO Doc 9303-11 §4–§7, the "standard inspection
 * procedure" plus EAC): over any ApduChannel it reads EF.CardAccess, runs PACE (or BAC), Chip and
 * Terminal Authentication, reads the data groups and runs Passive Authentication, reporting every
 * step (name, APDUs, timings, verdict, precise error). The building blocks are exported for the
 * conformance suite and scenarios: `readCardAccess`, `pace`, `bac`, `selectApplication`,
 * `chipAuthentication`, `terminalAuthentication`, `readDataGroup`, `passiveAuthentication`.
 */
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import { systemRng, type Rng } from '../../../emulator/src/crypto/rng.ts';
import {
  paceInfos as paceInfosIn,
  parseSecurityInfos,
  type PaceInfo,
} from '../../../emulator/src/protocols/security-infos.ts';
import type { ApduChannel } from '../../channel/apdu-channel.ts';
import { StepRecorder, TerminalError, type StepReport } from '../common/step-report.ts';
import { bac, pace, readCardAccess, selectApplication, type Password } from './access-control.ts';
import { chipAuthentication, terminalAuthentication, type TerminalCredentials } from './eac.ts';
import { EmrtdLink } from './emrtd-link.ts';
import { readLdsFile } from './file-reader.ts';
import {
  DEFAULT_READ_OPTIONS,
  type InspectionSession,
  type ReadOptions,
} from './inspection-session.ts';
import { dataGroup, EF_COM, EF_CVCA, EF_SOD, parseEfCom, type LdsFileId } from './lds.ts';
import { passiveAuthentication, type PassiveAuthResult } from './passive-auth.ts';

export {
  bac,
  pace,
  readCardAccess,
  selectApplication,
  chipAuthentication,
  terminalAuthentication,
  passiveAuthentication,
};
export type { Password, TerminalCredentials };

export type AccessChoice =
  | {
      readonly kind: 'pace';
      readonly password: Password;
      readonly paceInfo?: (infos: readonly PaceInfo[]) => PaceInfo | undefined;
      readonly sendParameterId?: boolean;
    }
  | { readonly kind: 'bac'; readonly mrzInformation: string }
  /** What an inspection system does on its own (9303-11 §4.2): PACE when EF.CardAccess offers it, BAC otherwise. */
  | { readonly kind: 'auto'; readonly can?: string; readonly mrzInformation?: string };

export interface InspectionOptions {
  readonly access: AccessChoice;
  /** Run Chip Authentication when DG14 announces it (default true). */
  readonly chipAuthentication?: boolean;
  /** Run Terminal Authentication with these credentials (needed for DG3). */
  readonly terminal?: TerminalCredentials;
  /** Data groups to read (default: every one listed in EF.COM; DG3/DG4 only after TA). */
  readonly dataGroups?: readonly number[];
  /** Trusted CSCA certificates (DER) for Passive Authentication; none → PA is skipped. */
  readonly cscas?: readonly Uint8Array[];
  readonly read?: Partial<ReadOptions>;
  readonly rng?: Rng;
  /** Power the card up first (ApduChannel.connect); default true. */
  readonly connect?: boolean;
  readonly showSecrets?: boolean;
}

export interface InspectionReport {
  readonly channel: string;
  readonly atr?: string;
  readonly verdict: 'pass' | 'fail';
  readonly access?: string;
  readonly steps: readonly StepReport[];
  readonly dataGroupsRead: readonly number[];
  readonly dataGroupsSkipped: readonly { readonly dg: number; readonly reason: string }[];
  readonly passiveAuthentication?: PassiveAuthResult;
  readonly error?: { readonly code: string; readonly message: string };
  /** Failed steps that do not fail the inspection (the EF.CardAccess probe before BAC). */
  readonly toleratedFailures?: readonly string[];
}

export interface InspectionResult {
  readonly report: InspectionReport;
  /** Every file read, by name (`EF.CardAccess`, `EF.COM`, `DG1`, …, `EF.SOD`). */
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly session: InspectionSession;
}

function paceInfosOf(cardAccess: Uint8Array): PaceInfo[] {
  return paceInfosIn(parseSecurityInfos(cardAccess));
}

/** Reads one data group (a step of its own). */
export async function readDataGroup(s: InspectionSession, n: number): Promise<Uint8Array> {
  return readFileStep(s, dataGroup(n));
}

export async function readFileStep(s: InspectionSession, file: LdsFileId): Promise<Uint8Array> {
  return s.recorder.step(
    `read ${file.name}`,
    () => readLdsFile(s, file),
    (b) => `${b.length} bytes`,
  );
}

export function newSession(
  channel: ApduChannel,
  options: { rng?: Rng; read?: Partial<ReadOptions>; showSecrets?: boolean } = {},
): InspectionSession {
  const recorder = new StepRecorder();
  return {
    link: new EmrtdLink(channel, recorder, options.showSecrets ?? false),
    recorder,
    rng: options.rng ?? systemRng,
    read: { ...DEFAULT_READ_OPTIONS, ...options.read },
    access: undefined,
    paceCars: [],
    caCompPkPcd: undefined,
    tolerated: [],
  };
}

async function autoAccess(
  s: InspectionSession,
  files: Map<string, Uint8Array>,
  access: Extract<AccessChoice, { kind: 'auto' }>,
): Promise<string> {
  let offered = false;
  try {
    const ca = await readCardAccess(s);
    files.set('EF.CardAccess', ca.bytes);
    offered = ca.paceInfos.length > 0;
  } catch (e) {
    if (!(e instanceof TerminalError) || access.mrzInformation === undefined) throw e;
    // A chip without PACE has no EF.CardAccess: the failed probe is expected, not a failure.
    s.tolerated.push('read EF.CardAccess');
  }
  if (offered && (access.can !== undefined || access.mrzInformation !== undefined)) {
    const password: Password =
      access.can !== undefined
        ? { kind: 'can', can: access.can }
        : { kind: 'mrz', mrzInformation: access.mrzInformation as string };
    return establishAccess(s, files, { kind: 'pace', password });
  }
  if (access.mrzInformation === undefined)
    throw new TerminalError('NO_ACCESS_METHOD', 'no PACE offered and no MRZ for BAC');
  return establishAccess(s, files, { kind: 'bac', mrzInformation: access.mrzInformation });
}

async function establishAccess(
  s: InspectionSession,
  files: Map<string, Uint8Array>,
  access: AccessChoice,
): Promise<string> {
  if (access.kind === 'auto') return autoAccess(s, files, access);
  if (access.kind === 'bac') {
    await bac(s, access.mrzInformation);
    return 'BAC';
  }
  const ca = files.has('EF.CardAccess')
    ? {
        bytes: files.get('EF.CardAccess') as Uint8Array,
        paceInfos: paceInfosOf(files.get('EF.CardAccess') as Uint8Array),
      }
    : await readCardAccess(s);
  files.set('EF.CardAccess', ca.bytes);
  const info = access.paceInfo ? access.paceInfo(ca.paceInfos) : ca.paceInfos[0];
  if (!info) throw new TerminalError('PACE_UNSUPPORTED', 'no usable PACEInfo in EF.CardAccess');
  await pace(s, info, access.password, {
    sendParameterId: access.sendParameterId ?? ca.paceInfos.length > 1,
  });
  await selectApplication(s);
  return `PACE-${access.password.kind.toUpperCase()} ${info.protocol.agreement}-${info.protocol.mapping}-${info.protocol.cipher} (parameterId ${info.parameterId})`;
}

async function readGroups(
  s: InspectionSession,
  files: Map<string, Uint8Array>,
  wanted: readonly number[],
  taDone: boolean,
): Promise<{ read: number[]; skipped: { dg: number; reason: string }[] }> {
  const read: number[] = [];
  const skipped: { dg: number; reason: string }[] = [];
  for (const n of wanted) {
    if ((n === 3 || n === 4) && !taDone) {
      skipped.push({ dg: n, reason: 'needs Terminal Authentication' });
      continue;
    }
    if (!files.has(`DG${n}`)) files.set(`DG${n}`, await readDataGroup(s, n));
    read.push(n);
  }
  return { read, skipped };
}

/** The whole inspection. Never throws for card-side failures: they end up in the report. */
export async function inspect(
  channel: ApduChannel,
  options: InspectionOptions,
): Promise<InspectionResult> {
  const s = newSession(channel, options);
  const files = new Map<string, Uint8Array>();
  let atr: string | undefined;
  let accessText: string | undefined;
  let groups: { read: number[]; skipped: { dg: number; reason: string }[] } = {
    read: [],
    skipped: [],
  };
  let pa: PassiveAuthResult | undefined;
  let error: { code: string; message: string } | undefined;
  try {
    if (options.connect !== false) atr = toHex(await channel.connect());
    accessText = await establishAccess(s, files, options.access);
    const com = await readFileStep(s, EF_COM);
    files.set('EF.COM', com);
    const listed = parseEfCom(com).dataGroups;
    if (listed.includes(14)) files.set('DG14', await readDataGroup(s, 14));
    const dg14 = files.get('DG14');
    if (dg14 && options.chipAuthentication !== false) await chipAuthentication(s, dg14);
    let taDone = false;
    if (options.terminal && s.caCompPkPcd) {
      files.set('EF.CVCA', await readFileStep(s, EF_CVCA));
      await terminalAuthentication(s, options.terminal);
      taDone = true;
    }
    groups = await readGroups(s, files, options.dataGroups ?? listed, taDone);
    const sod = await readFileStep(s, EF_SOD);
    files.set('EF.SOD', sod);
    if (options.cscas && options.cscas.length > 0) {
      const dgs = new Map(
        [...files].flatMap(([k, v]) =>
          k.startsWith('DG') ? [[Number(k.slice(2)), v] as [number, Uint8Array]] : [],
        ),
      );
      pa = await passiveAuthentication(s, sod, dgs, options.cscas);
    }
  } catch (e) {
    const err = e as Error & { code?: string };
    error = { code: err.code ?? 'INTERNAL', message: err.message };
  }
  s.recorder.flushLoose();
  const steps = s.recorder.reports;
  const verdict =
    !error && steps.every((st) => st.verdict === 'pass' || s.tolerated.includes(st.name))
      ? 'pass'
      : 'fail';
  const report: InspectionReport = {
    channel: channel.description,
    ...(atr ? { atr } : {}),
    verdict,
    ...(accessText ? { access: accessText } : {}),
    steps,
    dataGroupsRead: groups.read,
    dataGroupsSkipped: groups.skipped,
    ...(pa ? { passiveAuthentication: pa } : {}),
    ...(error ? { error } : {}),
    ...(s.tolerated.length > 0 ? { toleratedFailures: [...s.tolerated] } : {}),
  };
  return { report, files, session: s };
}
