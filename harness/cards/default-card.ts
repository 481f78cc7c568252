/**
 * The card `npm start`, `ciebench apdu` and the transports use when none is given: the default
 * CIE 3.0 personality (NXP) with the committed synthetic TEST personalisation
 * (emulator/src/profiles/default-card-image.json). PIN/PUK state lives in memory, so every
 * default card starts fresh; use `ciebench card new` + a card image for persistent state.
 */
import type { CardOs } from '../../emulator/src/card/card-os.ts';
import type { CardModule } from '../../emulator/src/card/card-module.ts';
import { cieCardFromImage } from '../../emulator/src/profiles/cie-card-image.ts';
import {
  DEFAULT_CARD_SEED,
  defaultCardImage,
} from '../../emulator/src/profiles/default-card-image.ts';

export interface DefaultCard {
  readonly card: CardOs;
  readonly profileId: string;
  readonly description: string;
  /** TEST secrets of the default citizen (for testers; never sent by the card). */
  readonly secrets: { readonly pin: string; readonly puk: string; readonly can: string };
}

export interface DefaultCardOptions {
  /** Further applications of the chip (the eMRTD module). */
  readonly extraModules?: readonly CardModule[];
}

export async function createDefaultCard(options: DefaultCardOptions = {}): Promise<DefaultCard> {
  const image = defaultCardImage();
  const { card, profile } = cieCardFromImage(
    image,
    options.extraModules ? { extraModules: options.extraModules } : {},
  );
  return {
    card,
    profileId: profile.id,
    description: `${profile.label}, synthetic TEST citizen (seed '${DEFAULT_CARD_SEED}')`,
    secrets: { pin: image.citizen.pin, puk: image.citizen.puk, can: image.citizen.can },
  };
}
