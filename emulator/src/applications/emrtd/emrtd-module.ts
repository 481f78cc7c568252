/**
 * The eMRTD card module: `createEmrtdModule(personalisation, options)` gives the MF-level files
 * (EF.CardAccess, optional EF.DIR), the eMRTD DF and application, and the MF-level PACE handlers.
 *
 * Composition contract (`CardModule`): `mfChildren` go under the MF, `applications` to the card,
 * and `extendMfHandlers(mfTable)` gives the MF application its table: PACE must run with the MF
 * current, as real CIE readers do (README.md §1.4), so MSE `C1 A4` and GENERAL AUTHENTICATE are
 * routed in and every MF command is guarded (PACE reset on an interleaved command, ICAO Part 3
 * P_58..P_61).
 */
import type { Application, CommandContext, HandlerTable } from '../../card/application.ts';
import type { CardModule } from '../../card/card-module.ts';
import { fromHex } from '../../bytes/hex.ts';
import { asciiBytes, bytesToBigInt } from '../../bytes/bytes.ts';
import type { DfSpec, EfSpec } from '../../iso7816/fs/file-spec.ts';
import { ISO_HANDLERS } from '../../iso7816/iso-application.ts';
import {
  emrtdPersonalisationSchema,
  type EmrtdPersonalisation,
} from '../../personalise/emrtd/personalise-emrtd.ts';
import { parsePublicKeyInfo } from '../../protocols/asn1/public-key-info.ts';
import { bacKeys } from '../../protocols/bac/bac-keys.ts';
import type { ChipAuthKey } from '../../protocols/chip-auth/ca-card.ts';
import { chipAuthProtocol } from '../../protocols/oids.ts';
import type { PaceCardConfig, PaceEntropy } from '../../protocols/pace/pace-card.ts';
import {
  digitsPassword,
  mrzPassword,
  PACE_PASSWORD_CAN,
  PACE_PASSWORD_MRZ,
} from '../../protocols/pace/pace-crypto.ts';
import { paceInfos, parseSecurityInfos } from '../../protocols/security-infos.ts';
import { parseCvCertificate } from '../../protocols/terminal-auth/cv-certificate.ts';
import { trustPointFrom } from '../../protocols/terminal-auth/ta-card.ts';
import { emrtdApplication, withEmrtdMfHandlers } from './emrtd-application.ts';
import { emrtdMfChildren } from './emrtd-files.ts';
import { emrtdOptionsSchema, type EmrtdOptions, type EmrtdOptionsInput } from './emrtd-options.ts';
import { blockingStall, defaultPaceEntropy, type EmrtdRuntime } from './emrtd-runtime.ts';
import { EmrtdState } from './emrtd-state.ts';

export const EMRTD_MODULE_ID = 'emrtd';
/** Standalone composition: the MF application of a card made of this module alone. */
export const EMRTD_MF_APPLICATION_ID = 'emrtd-mf';

/** Test hooks, outside the (validated, serialisable) behaviour options. */
export interface EmrtdHooks {
  /** Replaces the blocking sleep of the `stall` anti-hammering mode. */
  readonly stall?: (ms: number) => void;
  /** Replaces the chip's PACE randomness (known-answer tests). */
  readonly paceEntropy?: (ctx: CommandContext) => PaceEntropy;
  /**
   * Where file contents come from (default: decoded from the personalisation's hex). A fleet of
   * cards passes one that returns the same bytes for equal files (face, fingerprints), so cards
   * share them; files are read-only, so sharing is safe.
   */
  readonly fileBytes?: (hex: string) => Uint8Array;
}

export type EmrtdModuleOptions = EmrtdOptionsInput & EmrtdHooks;

export interface EmrtdModule extends CardModule {
  readonly application: Application;
  readonly options: EmrtdOptions;
  /** The MF-level fragment alone: INS 22 (MSE `C1 A4` → PACE, other forms → ISO MSE) and INS 86. */
  readonly mfHandlers: HandlerTable;
  /** `base` with PACE routed in and every entry guarded: what the card composer gives the MF's application. */
  withMfHandlers(base: HandlerTable): HandlerTable;
  extendMfHandlers(base: HandlerTable): HandlerTable;
  /** An MF application built on `base` (ISO table by default), for standalone composition. */
  mfApplication(id?: string, base?: HandlerTable): Application;
  /** Internals, for tests and the control API. */
  readonly runtime: EmrtdRuntime;
}

function caKeys(p: EmrtdPersonalisation): ChipAuthKey[] {
  return p.chip.chipAuthenticationKeys.map((k) => {
    const protocol = chipAuthProtocol(k.protocol);
    if (!protocol)
      throw new RangeError(`personalisation: ${k.protocol} is not a Chip Authentication OID`);
    const info = parsePublicKeyInfo(fromHex(k.publicKeyInfo));
    if (info.domain.kind !== protocol.agreement)
      throw new RangeError('personalisation: CA key type does not match its protocol');
    return {
      protocol,
      domain: info.domain,
      privateKey: bytesToBigInt(fromHex(k.privateKey)),
      publicKey: info.publicKey,
      ...(k.keyId === undefined ? {} : { keyId: k.keyId }),
    };
  });
}

function paceConfig(
  p: EmrtdPersonalisation,
  o: EmrtdOptions,
  cars: readonly string[],
): PaceCardConfig {
  return {
    paceInfos: paceInfos(parseSecurityInfos(fromHex(p.cardAccess))),
    passwords: new Map([
      [PACE_PASSWORD_MRZ, mrzPassword(p.chip.mrzInformation)],
      [PACE_PASSWORD_CAN, digitsPassword(p.chip.can)],
    ]),
    nonceLength: o.paceNonceLength,
    chaining: o.paceChaining,
    cvcaReferences: o.paceCarInResponse === 'never' ? [] : cars.map((c) => asciiBytes(c)),
    carsWithoutChat: o.paceCarInResponse === 'always',
  };
}

export function createEmrtdModule(
  personalisation: EmrtdPersonalisation,
  options: EmrtdModuleOptions = {},
): EmrtdModule {
  const p = emrtdPersonalisationSchema.parse(personalisation);
  const { stall, paceEntropy, fileBytes, ...behaviour } = options;
  const o = emrtdOptionsSchema.parse(behaviour);
  const trustPoints = p.chip.trustPoints.map((hex) =>
    trustPointFrom(parseCvCertificate(fromHex(hex))),
  );
  const runtime: EmrtdRuntime = {
    state: new EmrtdState({ trustPoints, currentDate: p.chip.initialDate }),
    options: o,
    pace: paceConfig(
      p,
      o,
      trustPoints.map((t) => t.chr),
    ),
    bacKeys: bacKeys(p.chip.mrzInformation),
    caKeys: caKeys(p),
    documentIdPicc: asciiBytes(p.chip.mrzInformation.slice(0, 10)),
    stall: stall ?? blockingStall,
    paceEntropy: paceEntropy ?? defaultPaceEntropy,
  };
  const application = emrtdApplication(runtime);
  const mfChildren: (DfSpec | EfSpec)[] = emrtdMfChildren(p, fileBytes);
  const withMfHandlers = (base: HandlerTable): HandlerTable => withEmrtdMfHandlers(runtime, base);
  const mfHandlers = withMfHandlers(new Map());
  return {
    id: EMRTD_MODULE_ID,
    applications: [application],
    mfChildren,
    application,
    options: o,
    mfHandlers,
    withMfHandlers,
    extendMfHandlers: withMfHandlers,
    mfApplication: (id = EMRTD_MF_APPLICATION_ID, base = ISO_HANDLERS) => ({
      id,
      handlers: withMfHandlers(base),
      powerReset: () => runtime.state.powerReset(),
    }),
    runtime,
  };
}
