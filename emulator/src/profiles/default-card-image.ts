/**
 * The default emulated CIE: a committed card image (so starting the emulator needs no key
 * generation), personalised from {@link DEFAULT_CARD_SEED} on the default personality. A test
 * (`default-card-image.test.ts`) regenerates it from the seed and fails when it is stale; to
 * regenerate: `ciebench card new --seed ciebench-default-v1 --profile nxp --force
 * --out emulator/src/profiles/default-card-image.json`.
 */
import { readFileSync } from 'node:fs';
import type { CardImage } from '../state/card-image.ts';
import { parseCardImageText } from '../state/image-file.ts';

export const DEFAULT_CARD_SEED = 'ciebench-default-v1';
export const DEFAULT_CARD_IMAGE_URL = new URL('./default-card-image.json', import.meta.url);

let cached: CardImage | undefined;

/** The committed default image (validated; shared, do not mutate — cards copy its state). */
export function defaultCardImage(): CardImage {
  cached ??= parseCardImageText(
    readFileSync(DEFAULT_CARD_IMAGE_URL, 'utf8'),
    'default card image',
  ).image;
  return cached;
}
