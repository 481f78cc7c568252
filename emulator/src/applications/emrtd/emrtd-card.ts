/**
 * A card made of the eMRTD module alone (MF + EF.CardAccess + the eMRTD application), for tests,
 * benchmarks and `ciebench emrtd` when no full CIE image is given. The full CIE composition (IAS +
 * eMRTD over one citizen) is wired by the card composer; this one uses the same module.
 */
import { fromHex } from '../../bytes/hex.ts';
import { CardOs } from '../../card/card-os.ts';
import type { EmulatedCard } from '../../card/card.ts';
import type { CardOptions } from '../../card/card-options.ts';
import type { Clock } from '../../crypto/clock.ts';
import type { Rng } from '../../crypto/rng.ts';
import { buildFileSystem } from '../../iso7816/fs/file-system.ts';
import { generateCitizen } from '../../personalise/citizen.ts';
import {
  personaliseEmrtd,
  type EmrtdPersonalisation,
  type EmrtdPersonaliseOptions,
} from '../../personalise/emrtd/personalise-emrtd.ts';
import { DEFAULT_PKI_SEED, generateTestPki } from '../../personalise/pki/test-pki.ts';
import {
  createEmrtdModule,
  EMRTD_MF_APPLICATION_ID,
  type EmrtdModule,
  type EmrtdModuleOptions,
} from './emrtd-module.ts';

/** ATR of a real CIE 3.0 on a contactless PC/SC reader (README.md §1.1, OpenSC#2486). */
export const CIE_ATR = fromHex('3B 8F 80 01 80 31 80 65 B0 85 04 00 11 12 0F FF 82 90 00 8A');

export interface EmrtdCardConfig {
  readonly personalisation: EmrtdPersonalisation;
  readonly module?: EmrtdModuleOptions;
  readonly cardOptions?: Partial<CardOptions>;
  readonly rng?: Rng;
  readonly clock?: Clock;
  readonly strict?: boolean;
}

export interface EmrtdCard {
  readonly card: EmulatedCard;
  readonly module: EmrtdModule;
}

export function createEmrtdCard(config: EmrtdCardConfig): EmrtdCard {
  const module = createEmrtdModule(config.personalisation, config.module);
  const mfApp = module.mfApplication(EMRTD_MF_APPLICATION_ID);
  const card = new CardOs({
    atr: CIE_ATR,
    fileSystem: buildFileSystem({
      kind: 'MF',
      application: EMRTD_MF_APPLICATION_ID,
      children: module.mfChildren,
    }),
    applications: [mfApp, ...module.applications],
    ...(config.cardOptions ? { options: config.cardOptions } : {}),
    ...(config.rng ? { rng: config.rng } : {}),
    ...(config.clock ? { clock: config.clock } : {}),
    ...(config.strict !== undefined ? { strict: config.strict } : {}),
  });
  return { card, module };
}

const cache = new Map<string, EmrtdPersonalisation>();

/**
 * The personalisation of the synthetic citizen of `seed` (citizen + test PKI + eMRTD files),
 * memoised. The PKI seed defaults to the one the IAS side uses, so both applications of one card
 * are signed by the same test Document Signer.
 */
export function personaliseEmrtdForSeed(
  seed: string,
  options: EmrtdPersonaliseOptions = {},
  pkiSeed: string = DEFAULT_PKI_SEED,
): EmrtdPersonalisation {
  const key = `${seed}\u0000${pkiSeed}\u0000${JSON.stringify(options)}`;
  let p = cache.get(key);
  if (!p) {
    p = personaliseEmrtd(seed, generateCitizen(seed), generateTestPki(pkiSeed), options);
    cache.set(key, p);
  }
  return p;
}
