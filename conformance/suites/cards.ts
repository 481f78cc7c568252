/**
 * The CIE personalities as named in-process cards (`--target inproc:cie-<profile>`), added to the
 * generic test cards. Filled in as the CIE card modules land.
 */
import type { NamedCard } from '../lib/test-cards.ts';

export async function CIE_CARDS(): Promise<readonly NamedCard[]> {
  return [];
}
