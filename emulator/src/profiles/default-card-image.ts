/**
 * The default emulated CIE: a committed card image (so starting the emulator needs no key
 * generation), personalised from {@link DEFAULT_CARD_SEED} on the default personality, with the
 * EF.SOD format of the only real IAS EF.SOD sample (SHA-512, RSASSA-PSS: ias/README.md §2.5), so
 * its EF.SOD has the real card's size and layout. A test (`default-card-image.test.ts`)
 * regenerates it from the seed and fails when it is stale; to regenerate: `ciebench card new
 * --seed ciebench-default-v1 --profile nxp --sod sha512-pss --force
 * --out emulator/src/profiles/default-card-image.json`.
 */
import { readFileSync } from 'node:fs';
import { packageFile } from '../package-root.ts';
import type { SodVariant } from '../personalise/ias/ias-files.ts';
import type { CardImage } from '../state/card-image.ts';
import { parseCardImageText } from '../state/image-file.ts';

export const DEFAULT_CARD_SEED = 'ciebench-default-v1';
/** The EF.SOD variant of the default card: the real sample's (ias/README.md §2.5). */
export const DEFAULT_CARD_SOD_VARIANT: SodVariant = 'sha512-pss';
/** The committed image file (located from the package root: the same file for sources and build). */
export const DEFAULT_CARD_IMAGE_PATH: string = packageFile(
  'emulator/src/profiles/default-card-image.json',
);

let cached: CardImage | undefined;

/** The committed default image (validated; shared, do not mutate — cards copy its state). */
export function defaultCardImage(): CardImage {
  cached ??= parseCardImageText(
    readFileSync(DEFAULT_CARD_IMAGE_PATH, 'utf8'),
    'default card image',
  ).image;
  return cached;
}
