/**
 * Cards from card images (emulator/src/state): create an image from a seed and a personality,
 * and bring an image back to life — with its PIN/PUK state persisted to the file (restart
 * restores the exact state) or kept in memory. A CIE 3.0 carries both applications over one
 * synthetic citizen: the IAS application and the eMRTD application (stored in `modules.emrtd`,
 * personalised under the same test PKI), unless `emrtd: false`.
 */
import type { CardModule } from '../card/card-module.ts';
import { personaliseIas, type IasPersonalisation } from '../personalise/ias/ias-personalisation.ts';
import type { SodVariant } from '../personalise/ias/ias-files.ts';
import type { CardImage } from '../state/card-image.ts';
import { FileSecretStore } from '../state/file-secret-store.ts';
import {
  cardImageFromPersonalisation,
  iasPersonalisationFromImage,
} from '../state/image-convert.ts';
import { initialSecrets, MemorySecretStore, type SecretStore } from '../state/secret-store.ts';
import type { EmrtdPersonalisation } from '../personalise/emrtd/personalise-emrtd.ts';
import {
  emrtdPersonalisationFromImage,
  withEmrtdPersonalisation,
} from '../applications/emrtd/emrtd-image.ts';
import { createEmrtdModule, type EmrtdModuleOptions } from '../applications/emrtd/emrtd-module.ts';
import { createCieCard, type CieCard, type CieCardConfig } from './cie-card.ts';
import { cieProfile } from './cie-profiles.ts';

export interface NewImageOptions {
  readonly sodVariant?: SodVariant;
  readonly pkiSeed?: string;
}

/** A fresh card image for `seed` on personality `profileId` (SOD variant: the profile's, unless given). */
export function newCardImage(
  seed: string,
  profileId: string,
  options: NewImageOptions = {},
): CardImage {
  const profile = cieProfile(profileId);
  const p = personaliseIas(seed, {
    sodVariant: options.sodVariant ?? profile.sodVariant,
    ...(options.pkiSeed ? { pkiSeed: options.pkiSeed } : {}),
  });
  const image = cardImageFromPersonalisation(p, profile.id);
  return withEmrtdPersonalisation(image, emrtdPersonalisationFromImage(image));
}

export interface CardFromImageOptions extends Pick<
  CieCardConfig,
  'options' | 'iasOptions' | 'rng' | 'clock' | 'strict'
> {
  /** Personality to present instead of the image's (same personalisation, other chip). */
  readonly profile?: string;
  /** The eMRTD application: included by default (its personalisation from the image), with these options; `false` leaves it out. */
  readonly emrtd?: EmrtdModuleOptions | false;
  /** Further modules after the eMRTD one. */
  readonly extraModules?: readonly CardModule[];
}

/**
 * The composer's configuration for `image`, apart from personalisation, personality and secrets.
 * The eMRTD module takes the personality's chip attributes (PACE nonce length) unless `emrtd`
 * overrides them.
 */
function passThrough(
  imageProfile: string,
  emrtdPersonalisation: () => EmrtdPersonalisation,
  o: CardFromImageOptions,
): Omit<CieCardConfig, 'personalisation' | 'profile' | 'secrets'> {
  const { profile, emrtd, extraModules, ...rest } = o;
  const chip = cieProfile(profile ?? imageProfile).emrtd;
  const emrtdModule =
    emrtd === false
      ? []
      : [
          createEmrtdModule(emrtdPersonalisation(), {
            paceNonceLength: chip.paceNonceLength,
            ...emrtd,
          }),
        ];
  return { ...rest, extraModules: [...emrtdModule, ...(extraModules ?? [])] };
}

/** A card whose PIN/PUK state starts from the image and stays in memory. */
export function cieCardFromImage(image: CardImage, o: CardFromImageOptions = {}): CieCard {
  return createCieCard({
    personalisation: iasPersonalisationFromImage(image),
    profile: o.profile ?? image.profile,
    secrets: new MemorySecretStore(image.state),
    ...passThrough(image.profile, () => emrtdPersonalisationFromImage(image), o),
  });
}

/** A card's personalisation in memory: what an image holds, before it is written as hex. */
export interface CiePersonalisation {
  readonly ias: IasPersonalisation;
  readonly emrtd: EmrtdPersonalisation;
  /** Personality the card was personalised for. */
  readonly profile: string;
}

/**
 * A card straight from its personalisation (no image round trip, so keys and shared file bytes
 * stay the caller's objects); PIN/PUK state in `secrets` (default: the citizen's, untouched).
 */
export function cieCardFromPersonalisation(
  p: CiePersonalisation,
  o: CardFromImageOptions & { readonly secrets?: SecretStore } = {},
): CieCard {
  const { secrets, ...rest } = o;
  return createCieCard({
    personalisation: p.ias,
    profile: rest.profile ?? p.profile,
    secrets: secrets ?? new MemorySecretStore(initialSecrets(p.ias.citizen.pin, p.ias.citizen.puk)),
    ...passThrough(p.profile, () => p.emrtd, rest),
  });
}

export interface PersistentCieCard extends CieCard {
  readonly store: FileSecretStore;
  /** Lets go of the image file (its lock goes when the last card of this process on it closes). */
  close(): void;
}

/**
 * Opens the image file; every PIN/PUK change is written back atomically before it takes effect.
 * The image is this process's until {@link PersistentCieCard.close} (or exit): another process
 * opening it is refused with `IMAGE_IN_USE`; cards of this process on it share one retry counter.
 */
export function openCieCard(path: string, o: CardFromImageOptions = {}): PersistentCieCard {
  const store = FileSecretStore.open(path);
  try {
    const image = store.current;
    const card = createCieCard({
      personalisation: iasPersonalisationFromImage(image),
      profile: o.profile ?? image.profile,
      secrets: store,
      ...passThrough(image.profile, () => emrtdPersonalisationFromImage(image), o),
    });
    return { ...card, store, close: () => store.close() };
  } catch (e) {
    store.close();
    throw e;
  }
}
