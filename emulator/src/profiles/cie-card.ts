/**
 * The complete emulated CIE 3.0: MF-level EF.ATR of the personality, the IAS application (whose
 * root is the MF, ias/README.md §2.2) with DF_CIE, plus any further card modules (the eMRTD module
 * adds EF.CardAccess at MF level and the eMRTD DF):
 *
 * ```
 * MF (IAS root, DF name = IAS AID, application 'ias')
 * ├── EF 2F01 SFI 1D  EF.ATR   (per personality, §1.4)
 * ├── EF D003, EF D004, DF_CIE …         (applications/ias/ias-file-tree.ts)
 * └── … mfChildren of extra modules (EF.CardAccess, DF eMRTD, …)
 * ```
 * Module composition rules: every module application is registered; FIDs, SFIs and DF names at
 * MF level must be unique across modules (a clash is a {@link CardCompositionError} naming both
 * sides); a module's `extendMfHandlers` adds its entries to the MF application's table (commands
 * run while the MF is current, e.g. PACE), modules applied in order.
 */
import { HostError } from '../host-error.ts';
import type { Application } from '../card/application.ts';
import type { CardModule } from '../card/card-module.ts';
import { CardOs } from '../card/card-os.ts';
import type { EmulatedCard } from '../card/card.ts';
import type { CardOptions } from '../card/card-options.ts';
import { equalBytes } from '../bytes/bytes.ts';
import { fromHex, toHex } from '../bytes/hex.ts';
import type { Clock } from '../crypto/clock.ts';
import type { Rng } from '../crypto/rng.ts';
import { buildFileSystem, type FileSystem } from '../iso7816/fs/file-system.ts';
import type { DfSpec, EfSpec } from '../iso7816/fs/file-spec.ts';
import { createIasApplication, IAS_APPLICATION_ID } from '../applications/ias/ias-application.ts';
import { FID_2F01_EF_ATR, IAS_AID, SFI_1D_EF_ATR } from '../applications/ias/ias-constants.ts';
import type { IasCard } from '../applications/ias/ias-card.ts';
import { iasFileTree } from '../applications/ias/ias-file-tree.ts';
import { iasOptions, type IasOptions } from '../applications/ias/ias-options.ts';
import { IasState } from '../applications/ias/ias-state.ts';
import type { IasPersonalisation } from '../personalise/ias/ias-personalisation.ts';
import { initialSecrets, MemorySecretStore, type SecretStore } from '../state/secret-store.ts';
import type { CieProfile } from './cie-profile.ts';
import { cieProfile, DEFAULT_CIE_PROFILE_ID } from './cie-profiles.ts';

export class CardCompositionError extends HostError {
  readonly code = 'CARD_MODULE_CLASH';
}

export interface CieCardConfig {
  readonly personalisation: IasPersonalisation;
  /** Personality (object or id); default {@link DEFAULT_CIE_PROFILE_ID}. */
  readonly profile?: CieProfile | string;
  /** Where PIN/PUK state lives; default: in memory, fresh from the citizen's PIN and PUK. */
  readonly secrets?: SecretStore;
  readonly extraModules?: readonly CardModule[];
  /** Overrides of the personality's pipeline options. */
  readonly options?: Partial<CardOptions>;
  readonly iasOptions?: Partial<IasOptions>;
  readonly rng?: Rng;
  readonly clock?: Clock;
  readonly strict?: boolean;
}

export interface CieCard {
  readonly card: EmulatedCard;
  readonly profile: CieProfile;
  readonly secrets: SecretStore;
  readonly personalisation: IasPersonalisation;
}

type MfChild = DfSpec | EfSpec;

function childKeys(c: MfChild): string[] {
  const keys: string[] = [];
  if (c.fid !== undefined) keys.push(`FID ${c.fid.toString(16).toUpperCase().padStart(4, '0')}`);
  if (c.kind !== 'DF' && c.sfi !== undefined) keys.push(`SFI ${c.sfi.toString(16).toUpperCase()}`);
  if (c.kind === 'DF' && c.dfName !== undefined)
    keys.push(
      `DF name ${typeof c.dfName === 'string' ? c.dfName.replace(/\s/g, '').toUpperCase() : toHex(c.dfName)}`,
    );
  return keys;
}

/** MF children of all owners, with clashes reported by owner. */
export function mergeMfChildren(
  groups: readonly { owner: string; children: readonly MfChild[] }[],
): MfChild[] {
  const seen = new Map<string, string>();
  const out: MfChild[] = [];
  for (const g of groups) {
    for (const c of g.children) {
      for (const key of childKeys(c)) {
        const other = seen.get(key);
        if (other !== undefined)
          throw new CardCompositionError(
            `${key} at MF level is defined by both '${other}' and '${g.owner}'`,
          );
        seen.set(key, g.owner);
      }
      out.push(c);
    }
  }
  return out;
}

/**
 * The MF is the IAS root and carries the IAS AID as its DF name, so SELECT by that AID finds it
 * from any application. The foundation's MF spec has no `dfName` field yet (change requested
 * from the lead); until then the name is set on the built node.
 */
function iasCardFor(p: IasPersonalisation, options: IasOptions, secrets: SecretStore): IasCard {
  return {
    state: new IasState(),
    keys: {
      holder: p.keys.holder,
      iccAuth: p.keys.iccAuth,
      servizi: p.keys.servizi,
      caPublic: { n: p.keys.ca.n, e: p.keys.ca.e },
    },
    dh: p.dh,
    caChr: p.caChr,
    caCha: p.caCha,
    snIccDapp: p.snIccDapp,
    secrets,
    options,
  };
}

function dfNameBytes(name: string | Uint8Array): Uint8Array {
  return typeof name === 'string' ? fromHex(name) : name;
}

/** The MF tree: EF.ATR + IAS files + module children, clashes reported, MF named with the IAS AID. */
function buildMf(
  profile: CieProfile,
  p: IasPersonalisation,
  options: IasOptions,
  modules: readonly CardModule[],
): FileSystem {
  const efAtr: EfSpec = {
    kind: 'EF',
    fid: FID_2F01_EF_ATR,
    sfi: SFI_1D_EF_ATR,
    name: 'EF.ATR',
    content: fromHex(profile.efAtr),
  };
  const children = mergeMfChildren([
    { owner: 'ias', children: [efAtr, ...iasFileTree(p.files, options, IAS_APPLICATION_ID)] },
    ...modules.map((m) => ({ owner: m.id, children: m.mfChildren })),
  ]);
  for (const m of modules) {
    for (const c of m.mfChildren) {
      if (c.kind === 'DF' && c.dfName !== undefined && equalBytes(dfNameBytes(c.dfName), IAS_AID)) {
        throw new CardCompositionError(`module '${m.id}' uses the IAS AID as a DF name`);
      }
    }
  }
  return buildFileSystem({
    kind: 'MF',
    dfName: IAS_AID,
    name: 'MF (IAS root)',
    application: IAS_APPLICATION_ID,
    children,
  });
}

function uniqueApplications(apps: readonly Application[]): Application[] {
  const ids = new Set<string>();
  for (const a of apps) {
    if (ids.has(a.id)) throw new CardCompositionError(`application id '${a.id}' is used twice`);
    ids.add(a.id);
  }
  return [...apps];
}

export function createCieCard(config: CieCardConfig): CieCard {
  const profile =
    typeof config.profile === 'string'
      ? cieProfile(config.profile)
      : (config.profile ?? cieProfile(DEFAULT_CIE_PROFILE_ID));
  const p = config.personalisation;
  const options = iasOptions({ ...(profile.ias as Partial<IasOptions>), ...config.iasOptions });
  const secrets =
    config.secrets ?? new MemorySecretStore(initialSecrets(p.citizen.pin, p.citizen.puk));
  const modules = config.extraModules ?? [];
  const ias = createIasApplication(iasCardFor(p, options, secrets));
  const iasApp: Application = {
    ...ias,
    handlers: modules.reduce((t, m) => m.extendMfHandlers?.(t) ?? t, ias.handlers),
  };
  const card = new CardOs({
    atr: fromHex(profile.atr),
    fileSystem: buildMf(profile, p, options, modules),
    applications: uniqueApplications([iasApp, ...modules.flatMap((m) => m.applications)]),
    options: { ...(profile.card as Partial<CardOptions>), ...config.options },
    ...(config.rng ? { rng: config.rng } : {}),
    ...(config.clock ? { clock: config.clock } : {}),
    ...(config.strict !== undefined ? { strict: config.strict } : {}),
  });
  return { card, profile, secrets, personalisation: p };
}
