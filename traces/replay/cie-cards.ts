/**
 * The emulated CIE 3.0 (IAS + eMRTD) for replay and golden traces, with the PACE nonce length of
 * the card being compared: 16 bytes (the 2018 card of `golden/real-card/real-trace-pace-2018.txt`) or 8
 * bytes (the 2023 card, emrtd/README.md §1.2). The default citizen is the committed default card image;
 * other seeds are personalised on first use (a few seconds of key generation) and memoised.
 */
import type { CardOs } from '../../emulator/src/card/card-os.ts';
import type { Clock } from '../../emulator/src/crypto/clock.ts';
import type { Rng } from '../../emulator/src/crypto/rng.ts';
import { cieCardFromImage, newCardImage } from '../../emulator/src/profiles/cie-card-image.ts';
import { DEFAULT_CIE_PROFILE_ID } from '../../emulator/src/profiles/cie-profiles.ts';
import {
  DEFAULT_CARD_SEED,
  defaultCardImage,
} from '../../emulator/src/profiles/default-card-image.ts';
import type { CardImage } from '../../emulator/src/state/card-image.ts';

export interface CieCardForTraces {
  readonly card: CardOs;
  readonly profile: string;
}

export interface CieCardRuntime {
  /** Card randomness (default: system). */
  readonly rng?: Rng;
  readonly clock?: Clock;
}

const images = new Map<string, CardImage>();

function imageFor(seed: string): CardImage {
  if (seed === DEFAULT_CARD_SEED) return defaultCardImage();
  let image = images.get(seed);
  if (!image) {
    image = newCardImage(seed, DEFAULT_CIE_PROFILE_ID);
    images.set(seed, image);
  }
  return image;
}

export function cieCardWithNonce(
  nonceLength: 8 | 16,
  seed: string = DEFAULT_CARD_SEED,
  runtime: CieCardRuntime = {},
): CieCardForTraces {
  const { card } = cieCardFromImage(imageFor(seed), {
    emrtd: { paceNonceLength: nonceLength },
    ...runtime,
  });
  return { card, profile: `cie-emrtd-nonce${nonceLength}` };
}
