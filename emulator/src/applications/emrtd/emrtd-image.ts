/**
 * The eMRTD module and the CIE card image (`emulator/src/state`, `modules.emrtd`): read the stored
 * personalisation (validated with this module's schema) or, for images made before the eMRTD
 * module was stored in them, personalise it from the image's seed, citizen and PKI seed, which
 * gives the same bytes every time.
 */
import { HostError } from '../../host-error.ts';
import type { Citizen } from '../../personalise/citizen.ts';
import {
  emrtdPersonalisationSchema,
  personaliseEmrtd,
  type EmrtdPersonalisation,
  type EmrtdPersonaliseOptions,
} from '../../personalise/emrtd/personalise-emrtd.ts';
import { generateTestPki } from '../../personalise/pki/test-pki.ts';
import type { CardImage } from '../../state/card-image.ts';

export class EmrtdImageError extends HostError {
  readonly code = 'EMRTD_IMAGE';
}

/** Whether the image stores an eMRTD personalisation. */
export function imageHasEmrtd(image: CardImage): boolean {
  return image.modules?.emrtd !== undefined;
}

export function emrtdPersonalisationFromImage(
  image: CardImage,
  options: EmrtdPersonaliseOptions = {},
): EmrtdPersonalisation {
  const stored = image.modules?.emrtd;
  if (stored !== undefined) {
    const parsed = emrtdPersonalisationSchema.safeParse(stored);
    if (!parsed.success)
      throw new EmrtdImageError(
        `modules.emrtd is not a valid eMRTD personalisation: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    return parsed.data;
  }
  return personaliseEmrtd(
    image.seed,
    image.citizen as Citizen,
    generateTestPki(image.pkiSeed),
    options,
  );
}

/** A copy of the image with `modules.emrtd` set. */
export function withEmrtdPersonalisation(image: CardImage, p: EmrtdPersonalisation): CardImage {
  return {
    ...image,
    modules: { ...(image.modules ?? {}), emrtd: emrtdPersonalisationSchema.parse(p) },
  };
}
