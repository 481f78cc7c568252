import { describe, expect, it } from 'vitest';
import { newCardImage } from './cie-card-image.ts';
import { DEFAULT_CIE_PROFILE_ID } from './cie-profiles.ts';
import {
  DEFAULT_CARD_SEED,
  DEFAULT_CARD_SOD_VARIANT,
  defaultCardImage,
} from './default-card-image.ts';

describe('the committed default card image', () => {
  it('is exactly what personalisation produces from its seed (regenerate it when this fails; see default-card-image.ts)', () => {
    const fresh = newCardImage(DEFAULT_CARD_SEED, DEFAULT_CIE_PROFILE_ID, {
      sodVariant: DEFAULT_CARD_SOD_VARIANT,
    });
    expect(fresh).toEqual(defaultCardImage());
  });

  it('another seed gives another citizen and other keys', () => {
    const other = newCardImage('another-seed', DEFAULT_CIE_PROFILE_ID);
    expect(other.citizen.nis).not.toBe(defaultCardImage().citizen.nis);
    expect(other.ias.keys.holder.n).not.toBe(defaultCardImage().ias.keys.holder.n);
    expect(other.ias.certificates.csca).toBe(defaultCardImage().ias.certificates.csca);
  });
});
