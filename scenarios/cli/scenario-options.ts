/**
 * The options of `ciebench scenario run|evidence`, checked with zod and turned into the runner's
 * actor overrides and external actors. One grammar with the other commands: `--card <card>` (the
 * card registry), `--reader <name>` (PC/SC, a physical card), `--show-secrets`.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { BenchError } from '../../emulator/src/host-error.ts';
import type { ExternalActors } from '../runner/environment.ts';
import type { ActorOverrides } from '../runner/run.ts';

export interface ScenarioFlags {
  card?: string;
  reader?: string;
  app?: string;
  idp?: string;
  idpMetadata?: string;
  idpCa?: string;
  idpPages?: string;
  sp: string[];
  spUrl?: string;
  spMetadata?: string;
  spSessionUrl?: string;
  spCa?: string;
  spPages?: string;
  headed?: boolean;
  report?: string;
  showSecrets?: boolean;
  triesBudget: string;
  readerSlot: string;
  quiet?: boolean;
}

export class ScenarioCliError extends BenchError {
  constructor(message: string) {
    super('SCENARIO_CLI', message, 'input');
  }
}

const APP = z.enum(['agent', 'agent:nfc', 'agent:pcsc', 'agent:in-process', 'external']);
const IDP = z.enum(['reference', 'preprod', 'external']);
export const SP_KINDS = ['reference', 'simplesamlphp', 'shibboleth', 'external'] as const;
const SP = z.enum(SP_KINDS);

function parse<T extends z.ZodType>(schema: T, v: unknown, what: string): z.output<T> {
  const r = schema.safeParse(v);
  if (!r.success)
    throw new ScenarioCliError(
      `${what} '${String(v)}': ${r.error.issues[0]?.message ?? 'invalid'}`,
    );
  return r.data;
}

export interface ParsedFlags {
  /** One override set per `--sp` (the run repeats for each SP). */
  readonly overrides: readonly ActorOverrides[];
  readonly external: ExternalActors;
  readonly triesBudget: number;
  readonly readerSlot: number;
}

function mustExist(file: string | undefined, option: string): void {
  if (file !== undefined && !existsSync(file))
    throw new ScenarioCliError(`${option} ${file}: no such file`);
}

export function parseFlags(f: ScenarioFlags): ParsedFlags {
  for (const [file, option] of [
    [f.idpMetadata, '--idp-metadata'],
    [f.idpCa, '--idp-ca'],
    [f.idpPages, '--idp-pages'],
    [f.spMetadata, '--sp-metadata'],
    [f.spCa, '--sp-ca'],
    [f.spPages, '--sp-pages'],
  ] as const)
    mustExist(file, option);
  const base: { -readonly [K in keyof ActorOverrides]: ActorOverrides[K] } = {};
  if (f.card !== undefined) {
    if (f.reader !== undefined)
      throw new ScenarioCliError('--card and --reader name two different cards: give one');
    base.card = parse(z.string().min(1).max(500), f.card, '--card');
  }
  if (f.app !== undefined) {
    const a = parse(APP, f.app, '--app');
    base.app =
      a === 'external'
        ? { kind: 'external' }
        : {
            kind: 'agent',
            ...(a === 'agent'
              ? {}
              : { channel: a.slice('agent:'.length) as 'nfc' | 'pcsc' | 'in-process' }),
          };
  }
  if (f.reader !== undefined && base.app?.kind !== 'external')
    base.app = { kind: 'agent', channel: 'pcsc' };
  if (f.idp !== undefined) {
    const i = parse(IDP, f.idp, '--idp');
    base.idp = i === 'preprod' ? { kind: 'reference', mode: 'preprod' } : { kind: i };
    if (i === 'external' && !f.idpMetadata)
      throw new ScenarioCliError('--idp external needs --idp-metadata <file>');
  }
  const sps = f.sp.map((s) => parse(SP, s, '--sp'));
  if (sps.includes('external') && (!f.spUrl || !f.spMetadata))
    throw new ScenarioCliError('--sp external needs --sp-url <home page> and --sp-metadata <file>');
  const overrides = sps.length === 0 ? [base] : sps.map((sp) => ({ ...base, sp }));
  const external: ExternalActors = {
    ...(f.idpMetadata
      ? {
          idp: {
            metadataFile: f.idpMetadata,
            ...(f.idpCa ? { caFile: f.idpCa } : {}),
            ...(f.idpPages ? { pagesFile: f.idpPages } : {}),
          },
        }
      : {}),
    ...(f.spUrl && f.spMetadata
      ? {
          sp: {
            homeUrl: parse(z.url(), f.spUrl, '--sp-url'),
            metadataFile: f.spMetadata,
            ...(f.spSessionUrl ? { sessionUrl: f.spSessionUrl } : {}),
            ...(f.spCa ? { caFile: f.spCa } : {}),
            ...(f.spPages ? { pagesFile: f.spPages } : {}),
          },
        }
      : {}),
  };
  return {
    overrides,
    external,
    triesBudget: parse(z.coerce.number().int().min(0).max(9), f.triesBudget, '--tries-budget'),
    readerSlot: parse(z.coerce.number().int().min(0).max(1), f.readerSlot, '--reader-slot'),
  };
}
