/**
 * The emulated CIE 3.0 as in-process conformance targets: the IAS application from a card image
 * (emulator/src/profiles) and the eMRTD application (emulator/src/applications/emrtd) over the
 * same synthetic citizen, composed on one chip as emrtd/README.md §6 item 1 describes (EF.CardAccess and
 * the eMRTD DF at MF level, PACE at MF level).
 *
 * ```
 * inproc:cie              the default card image on its own personality
 * inproc:cie-<profile>    the default card image on personality <profile> (cie-profiles.ts)
 * inproc:<card.json>      a card image file (read once; its PIN/PUK state is used in memory only)
 * ```
 * The eMRTD personalisation comes from the image (`modules.emrtd`).
 */
import { readCardImage } from '../../emulator/src/state/image-file.ts';
import type { CardImage } from '../../emulator/src/state/card-image.ts';
import type { Card } from '../../emulator/src/card/card.ts';
import { cieCardFromImage } from '../../emulator/src/profiles/cie-card-image.ts';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { CIE_PROFILES } from '../../emulator/src/profiles/cie-profiles.ts';
import { emrtdPersonalisationFromImage } from '../../emulator/src/applications/emrtd/emrtd-image.ts';
import type { EmrtdPersonalisation } from '../../emulator/src/personalise/emrtd/personalise-emrtd.ts';
import { generateCvPki } from '../../emulator/src/personalise/emrtd/cv-pki.ts';
import { credentialsOf } from '../../harness/terminals/emrtd/eac.ts';
import { mrzInformationFromTd1 } from '../../emulator/src/protocols/bac/bac-keys.ts';
import type { CardSecrets, NamedCard, TrustAnchors } from '../lib/test-cards.ts';
import { fromHex } from '../../emulator/src/bytes/hex.ts';

/** The committed default card image (the card `npm start` runs). */
export async function defaultImageForTests(): Promise<CardImage> {
  return defaultCardImage();
}

/** The eMRTD personalisation the image carries (same test PKI as the IAS side, so one CSCA anchors both EF.SODs). */
export function emrtdPersonalisation(image: CardImage): EmrtdPersonalisation {
  return emrtdPersonalisationFromImage(image);
}

export function secretsOf(image: CardImage): CardSecrets {
  const c = image.citizen;
  return {
    pin: image.state.pin.value,
    puk: image.state.puk.value,
    can: c.can,
    mrz: mrzInformationFromTd1(c.mrz),
  };
}

/** A fresh CIE (IAS + eMRTD) from an image, on `profile` (default: the image's). */
export function compositeCie(image: CardImage, profile?: string): Card {
  return cieCardFromImage(image, profile ? { profile } : {}).card;
}

export function trustOf(image: CardImage): TrustAnchors {
  return {
    csca: [fromHex(image.ias.certificates.csca)],
    holderCa: [fromHex(image.ias.certificates.holderCa)],
  };
}

/** Test IS credentials of the eMRTD test CV PKI (with and without DG3 rights), for TA cases. */
function emrtdServices(image: CardImage): ReadonlyMap<string, unknown> {
  const pki = generateCvPki(image.citizen.seed);
  return new Map<string, unknown>([
    ['emrtd.credentials', credentialsOf(pki.is, pki.dv)],
    ['emrtd.credentialsWithoutRights', credentialsOf(pki.isWithoutRights, pki.dv)],
  ]);
}

function named(name: string, image: CardImage, profile: string): NamedCard {
  return {
    name,
    personality: `cie-${profile}`,
    description: `CIE 3.0 ${profile} (IAS + eMRTD), synthetic TEST citizen`,
    secrets: secretsOf(image),
    trust: trustOf(image),
    services: () => emrtdServices(image),
    create: () => compositeCie(image, profile),
  };
}

export async function CIE_CARDS(): Promise<readonly NamedCard[]> {
  const image = defaultCardImage();
  return [
    named('cie', image, image.profile),
    ...CIE_PROFILES.map((p) => named(`cie-${p.id}`, image, p.id)),
  ];
}

/** `inproc:<card.json>`: the image file read once; cards built from it keep their state in memory. */
export async function cardFromImageFile(path: string): Promise<NamedCard> {
  const image = readCardImage(path);
  return named(path, image, image.profile);
}
