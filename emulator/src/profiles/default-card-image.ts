/**
 * The default emulated CIE: a committed card image (so starting the emulator needs no key
 * generation), personalised from {@link DEFAULT_CARD_SEED} on the default personality. A test
 * (`default-card-image.test.ts`) regenerates it from the seed and fails when it is stale; to
 * regenerate: `ciebench card new --seed ciebench-default-v1 --profile nxp --force
 * --out emulator/src/profiles/default-card-image.json`.
 */
import { readFileSync } from 'node:fs';
import { packageFile } from '../package-root.ts';
import type { CardImage } from '../state/card-image.ts';
import { validateCardImage } from '../state/image-file.ts';

export const DEFAULT_CARD_SEED = 'ciebench-default-v1';
/** The committed image file (located from the package root: the same file for sources and build). */
export const DEFAULT_CARD_IMAGE_PATH: string = packageFile(
  'emulator/src/profiles/default-card-image.json',
);

let cached: CardImage | undefined;

/** The committed default image (validated; shared, do not mutate — cards copy its state). */
export function defaultCardImage(): CardImage {
  cached ??= validateCardImage(
    JSON.parse(readFileSync(DEFAULT_CARD_IMAGE_PATH, 'utf8')),
    'default card image',
  );
  return cached;
}
