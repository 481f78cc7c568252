/**
 * The CIE eMRTD personality for replay, loaded at run time so that the trace tools do not depend
 * at build time on the personality modules (issue 4 work): the eMRTD application of the CIE with
 * the CIE 3.0 ATR, personalised for a synthetic citizen, PACE nonce of 16 bytes (the 2018 card of
 * `shared/data/real-trace-pace-2018.txt`) or 8 bytes (the 2023 card, emrtd.md §1.2).
 * Returns undefined when the personality modules are not in the tree.
 */
import type { CardOs } from '../../emulator/src/card/card-os.ts';
import type { Clock } from '../../emulator/src/crypto/clock.ts';
import type { Rng } from '../../emulator/src/crypto/rng.ts';

export interface CieEmrtdCard {
  readonly card: CardOs;
  readonly profile: string;
}

interface EmrtdCardModule {
  createEmrtdCard(config: { personalisation: unknown; module?: { paceNonceLength?: 8 | 16 | 32 }; rng?: Rng; clock?: Clock }): { card: CardOs };
  personaliseEmrtdForSeed(seed: string): unknown;
}

const MODULE = new URL('../../emulator/src/applications/emrtd/emrtd-card.ts', import.meta.url).href;

export interface CieCardRuntime {
  /** Card randomness (default: system). */
  readonly rng?: Rng;
  readonly clock?: Clock;
}

export async function loadCieEmrtdCard(nonceLength: 8 | 16, seed = 'replay', runtime: CieCardRuntime = {}): Promise<CieEmrtdCard | undefined> {
  let mod: Partial<EmrtdCardModule>;
  try {
    mod = (await import(MODULE)) as Partial<EmrtdCardModule>;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw e;
  }
  if (typeof mod.createEmrtdCard !== 'function' || typeof mod.personaliseEmrtdForSeed !== 'function') {
    throw new Error(`${MODULE} no longer exports createEmrtdCard/personaliseEmrtdForSeed: update traces/replay/cie-cards.ts`);
  }
  const { card } = mod.createEmrtdCard({ personalisation: mod.personaliseEmrtdForSeed(seed), module: { paceNonceLength: nonceLength }, ...runtime });
  return { card, profile: `cie-emrtd-nonce${nonceLength}` };
}
