/**
 * Cards from card images (emulator/src/state): create an image from a seed and a personality,
 * and bring an image back to life — with its PIN/PUK state persisted to the file (restart
 * restores the exact state) or kept in memory.
 */
import type { CardModule } from '../card/card-module.ts';
import type { CardOptions } from '../card/card-options.ts';
import type { Clock } from '../crypto/clock.ts';
import type { Rng } from '../crypto/rng.ts';
import type { IasOptions } from '../applications/ias/ias-options.ts';
import { personaliseIas } from '../personalise/ias/ias-personalisation.ts';
import type { SodVariant } from '../personalise/ias/ias-files.ts';
import type { CardImage } from '../state/card-image.ts';
import { FileSecretStore } from '../state/file-secret-store.ts';
import { cardImageFromPersonalisation, iasPersonalisationFromImage } from '../state/image-convert.ts';
import { MemorySecretStore } from '../state/secret-store.ts';
import { createCieCard, type CieCard } from './cie-card.ts';
import { cieProfile } from './cie-profiles.ts';

export interface NewImageOptions {
  readonly sodVariant?: SodVariant;
  readonly pkiSeed?: string;
}

/** A fresh card image for `seed` on personality `profileId` (SOD variant: the profile's, unless given). */
export function newCardImage(seed: string, profileId: string, options: NewImageOptions = {}): CardImage {
  const profile = cieProfile(profileId);
  const p = personaliseIas(seed, { sodVariant: options.sodVariant ?? profile.sodVariant, ...(options.pkiSeed ? { pkiSeed: options.pkiSeed } : {}) });
  return cardImageFromPersonalisation(p, profile.id);
}

export interface CardFromImageOptions {
  /** Personality to present instead of the image's (same personalisation, other chip). */
  readonly profile?: string;
  readonly extraModules?: readonly CardModule[];
  readonly options?: Partial<CardOptions>;
  readonly iasOptions?: Partial<IasOptions>;
  readonly rng?: Rng;
  readonly clock?: Clock;
  readonly strict?: boolean;
}

function passThrough(o: CardFromImageOptions): Omit<CardFromImageOptions, never> {
  return {
    ...(o.extraModules ? { extraModules: o.extraModules } : {}),
    ...(o.options ? { options: o.options } : {}),
    ...(o.iasOptions ? { iasOptions: o.iasOptions } : {}),
    ...(o.rng ? { rng: o.rng } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.strict !== undefined ? { strict: o.strict } : {}),
  };
}

/** A card whose PIN/PUK state starts from the image and stays in memory. */
export function cieCardFromImage(image: CardImage, o: CardFromImageOptions = {}): CieCard {
  return createCieCard({ personalisation: iasPersonalisationFromImage(image), profile: o.profile ?? image.profile, secrets: new MemorySecretStore(image.state), ...passThrough(o) });
}

export interface PersistentCieCard extends CieCard {
  readonly store: FileSecretStore;
}

/** Opens the image file; every PIN/PUK change is written back atomically before it takes effect. */
export function openCieCard(path: string, o: CardFromImageOptions = {}): PersistentCieCard {
  const store = FileSecretStore.open(path);
  const image = store.current;
  const card = createCieCard({ personalisation: iasPersonalisationFromImage(image), profile: o.profile ?? image.profile, secrets: store, ...passThrough(o) });
  return { ...card, store };
}
