/**
 * The one place cards come from. Every command (`--card <spec>`), the conformance targets, trace
 * recording and replay, the benchmarks and the library entry point resolve a card here, so the
 * same words mean the same card everywhere:
 *
 * ```
 * default                    the default CIE (committed image: default citizen, default personality)
 * <personality>              the default citizen on another chip personality (`ciebench card profiles`)
 * seed:<seed>                a citizen personalised from <seed> on the default personality
 * <personality>:<seed>       a citizen personalised from <seed> on <personality>
 * <path>                     a card image file (`ciebench card new`); an existing file, or a path
 *                            with a `/` or ending in `.json`. A JSON file that is not an image
 *                            describes a variant: {"card": "<spec>", "options": {…}} (pipeline
 *                            options of card-options.ts, e.g. {"readBeyondEof": "6282"}), and
 *                            optionally "iasOptions" (ias-options.ts, e.g. the fault
 *                            {"iasAidSelect": "not-found"}) and "emrtd" (emrtd-options.ts, e.g.
 *                            {"paceNonceLength": 8}); the older key "profile" is read as "card",
 *                            "seed" as seed:<seed>
 * iso-test | sm-test         generic ISO/IEC 7816-4 test cards (no CIE application)
 * fleet:<seed>:<index>       citizen <index> of the card fleet <seed> (card-fleet.ts: numbered
 *                            NIS and document number, keys from the shared TEST key pool)
 * ```
 *
 * A {@link CardRecipe} says what the card is (personality, TEST secrets, trust anchors) and makes
 * instances: `create()` gives an independent card whose PIN/PUK state lives in memory (starting
 * from the image's), `open()` — for image files — one whose every PIN/PUK change is written back
 * to the file before it takes effect. Seeded personalisation costs a few seconds of RSA key
 * generation and is memoised per seed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import { cardOptionsSchema, type CardOptions } from '../../emulator/src/card/card-options.ts';
import type { EmulatedCard } from '../../emulator/src/card/card.ts';
import type { Clock } from '../../emulator/src/crypto/clock.ts';
import type { Rng } from '../../emulator/src/crypto/rng.ts';
import { BenchError } from '../../emulator/src/host-error.ts';
import type { EmrtdModuleOptions } from '../../emulator/src/applications/emrtd/emrtd-module.ts';
import {
  iasOptionsSchema,
  type IasOptions,
} from '../../emulator/src/applications/ias/ias-options.ts';
import { emrtdOptionsSchema } from '../../emulator/src/applications/emrtd/emrtd-options.ts';
import { generateCvLinkChain, generateCvPki } from '../../emulator/src/personalise/emrtd/cv-pki.ts';
import {
  cieCardFromImage,
  cieCardFromPersonalisation,
  newCardImage,
  openCieCard,
  type CiePersonalisation,
} from '../../emulator/src/profiles/cie-card-image.ts';
import { withEmrtdPersonalisation } from '../../emulator/src/applications/emrtd/emrtd-image.ts';
import { generateTestPki } from '../../emulator/src/personalise/pki/test-pki.ts';
import { cardImageFromPersonalisation } from '../../emulator/src/state/image-convert.ts';
import { cardFleet, type CardFleet } from './card-fleet.ts';
import { CIE_PROFILES, DEFAULT_CIE_PROFILE_ID } from '../../emulator/src/profiles/cie-profiles.ts';
import {
  DEFAULT_CARD_SEED,
  defaultCardImage,
} from '../../emulator/src/profiles/default-card-image.ts';
import {
  createIsoTestCard,
  isoTestFileSystemSpec,
} from '../../emulator/src/profiles/iso-test-card.ts';
import { mrzInformationFromTd1 } from '../../emulator/src/protocols/bac/bac-keys.ts';
import { smSession, type SmSession } from '../../emulator/src/sm/sm-session.ts';
import { des3Suite } from '../../emulator/src/sm/suites/des3.ts';
import type { CardImage } from '../../emulator/src/state/card-image.ts';
import { readCardImage } from '../../emulator/src/state/image-file.ts';
import { createSmTestCard } from '../../emulator/src/profiles/sm-test-card.ts';
import { credentialsOf } from '../terminals/emrtd/eac.ts';
import type { TrustAnchors } from '../terminals/ias/flows.ts';

/** TEST secrets an emulated card knows about itself (a physical card's come from the lab). */
export interface CardSecrets {
  readonly pin?: string;
  readonly puk?: string;
  readonly can?: string;
  /** MRZ_information: document number, birth date, expiry date with check digits. */
  readonly mrz?: string;
}

/** Trust anchors of a card personalised with the project's test PKI (DER certificates). */
export type { TrustAnchors };

/** What a card instance runs with, besides its personalisation. */
export interface CardRuntime {
  readonly rng?: Rng;
  readonly clock?: Clock;
  /** Internal faults throw instead of answering 6F00 (tests). */
  readonly strict?: boolean;
  /** Overrides of the pipeline options of the personality. */
  readonly options?: Partial<CardOptions>;
  readonly iasOptions?: Partial<IasOptions>;
  /** eMRTD application options, or `false` for a CIE without it. */
  readonly emrtd?: EmrtdModuleOptions | false;
}

export interface CardRecipe {
  /** The spec as resolved (`default`, `nxp`, `seed:alice`, a file path, …). */
  readonly spec: string;
  /** Personality id: a CIE chip (`nxp`, `gemalto`, …) or a test card (`iso-test`, `sm-test`). */
  readonly personality: string;
  readonly description: string;
  /** The card image behind a CIE (state as loaded). */
  readonly image?: CardImage;
  /** The image file, when the card comes from one. */
  readonly imagePath?: string;
  readonly secrets?: CardSecrets;
  readonly trust?: TrustAnchors;
  /** Host-side material for test cases (eMRTD Terminal Authentication credentials). */
  services?(): ReadonlyMap<string, unknown>;
  /** A new, independent card; PIN/PUK state in memory. */
  create(runtime?: CardRuntime): EmulatedCard;
  /** For image files: a card whose PIN/PUK changes are written back to the file first. */
  open?(runtime?: CardRuntime): EmulatedCard;
}

export class CardSpecError extends BenchError {
  constructor(message: string) {
    super('CARD_SPEC', message, 'input');
  }
}

/** Names of the generic test cards. */
export const TEST_CARD_NAMES = ['iso-test', 'sm-test'] as const;

/** ICAO Doc 9303-11 Appendix D.3 session keys and counter: the session `sm-test` opens with `00 E0 00 00`. */
export const SM_TEST_KEYS = {
  kEnc: fromHex('979EC13B1CBFE9DCD01AB0FED307EAE5'),
  kMac: fromHex('F1CB1F1FB5ADF208806B89DC579DC1F8'),
  ssc: fromHex('887022120C06C226'),
} as const;

export function smTestSession(): SmSession {
  return smSession(des3Suite, SM_TEST_KEYS.kEnc, SM_TEST_KEYS.kMac, SM_TEST_KEYS.ssc);
}

const seededImages = new Map<string, CardImage>();

/** The image of the citizen personalised from `seed` (memoised; the default seed is the committed image). */
export function imageForSeed(seed: string, personality = DEFAULT_CIE_PROFILE_ID): CardImage {
  if (seed === DEFAULT_CARD_SEED && personality === defaultCardImage().profile)
    return defaultCardImage();
  const key = `${personality}\u0000${seed}`;
  let image = seededImages.get(key);
  if (!image) {
    image = newCardImage(seed, personality);
    seededImages.set(key, image);
  }
  return image;
}

function isPersonality(id: string): boolean {
  return CIE_PROFILES.some((p) => p.id === id);
}

function looksLikePath(spec: string): boolean {
  return spec.includes('/') || spec.endsWith('.json') || existsSync(spec);
}

/** TEST secrets of a CIE image (current PIN/PUK state, CAN, MRZ). */
export function secretsOfImage(image: CardImage): CardSecrets {
  return {
    pin: image.state.pin.value,
    puk: image.state.puk.value,
    can: image.citizen.can,
    mrz: mrzInformationFromTd1(image.citizen.mrz),
  };
}

export function trustOfImage(image: CardImage): TrustAnchors {
  return {
    csca: [fromHex(image.ias.certificates.csca)],
    holderCa: [fromHex(image.ias.certificates.holderCa)],
  };
}

function emrtdServices(cvPkiSeed: string): ReadonlyMap<string, unknown> {
  const pki = generateCvPki(cvPkiSeed);
  // A CVCA link certificate + DV + IS under the new CVCA (ICAO Part 3 ISO7816_I_30).
  const link = generateCvLinkChain(pki, cvPkiSeed);
  const linkedChain = [link.link.certificate, link.dv.certificate, link.is.certificate];
  return new Map<string, unknown>([
    ['emrtd.credentials', credentialsOf(pki.is, pki.dv)],
    ['emrtd.credentialsWithoutRights', credentialsOf(pki.isWithoutRights, pki.dv)],
    ['emrtd.credentialsLinked', { ...credentialsOf(link.is, link.dv), chain: linkedChain }],
  ]);
}

function cieOptions(personality: string, r: CardRuntime) {
  return {
    profile: personality,
    ...(r.rng ? { rng: r.rng } : {}),
    ...(r.clock ? { clock: r.clock } : {}),
    ...(r.strict !== undefined ? { strict: r.strict } : {}),
    ...(r.options ? { options: r.options } : {}),
    ...(r.iasOptions ? { iasOptions: r.iasOptions } : {}),
    ...(r.emrtd !== undefined ? { emrtd: r.emrtd } : {}),
  };
}

/** A CIE recipe over `image`, presented as `personality`. */
export function cieRecipe(
  spec: string,
  image: CardImage,
  personality: string = image.profile,
  imagePath?: string,
): CardRecipe {
  const citizen =
    image.citizen.seed === DEFAULT_CARD_SEED ? 'default' : `seed '${image.citizen.seed}'`;
  return {
    spec,
    personality,
    description: `CIE 3.0 ${personality} (IAS + eMRTD), synthetic TEST citizen (${citizen})${imagePath ? `, image ${imagePath}` : ''}`,
    image,
    ...(imagePath ? { imagePath } : {}),
    secrets: secretsOfImage(image),
    trust: trustOfImage(image),
    services: () => emrtdServices(image.citizen.seed),
    create: (r = {}) => cieCardFromImage(image, cieOptions(personality, r)).card,
    ...(imagePath
      ? { open: (r: CardRuntime = {}) => openCieCard(imagePath, cieOptions(personality, r)).card }
      : {}),
  };
}

/**
 * Citizen `index` of `fleet` (card-fleet.ts). The personalisation is built on first use and kept
 * by the recipe; cards share the fleet's keys and eMRTD files by reference.
 */
export function fleetRecipe(fleet: CardFleet, index: number): CardRecipe {
  const c = fleet.citizen(index);
  let p: CiePersonalisation | undefined;
  let image: CardImage | undefined;
  const personalisation = (): CiePersonalisation => (p ??= fleet.personalisation(index));
  const pki = generateTestPki(fleet.pkiSeed);
  const keys =
    c.keySlot === undefined
      ? 'own keys'
      : `keys of pool slot ${c.keySlot}/${fleet.pool.size}, shared`;
  return {
    spec: c.spec,
    personality: fleet.personality,
    description: `CIE 3.0 ${fleet.personality} (IAS + eMRTD), synthetic TEST citizen ${index} of fleet '${fleet.seed}' (${keys})`,
    get image(): CardImage {
      const q = personalisation();
      return (image ??= withEmrtdPersonalisation(
        cardImageFromPersonalisation(q.ias, q.profile),
        q.emrtd,
      ));
    },
    secrets: {
      pin: c.citizen.pin,
      puk: c.citizen.puk,
      can: c.citizen.can,
      mrz: mrzInformationFromTd1(c.citizen.mrz),
    },
    trust: { csca: [pki.csca.certificate], holderCa: [pki.holderCa.certificate] },
    services: () => emrtdServices(fleet.cvPkiSeed),
    create: (r = {}) => {
      const { emrtd, ...o } = cieOptions(fleet.personality, r);
      return cieCardFromPersonalisation(personalisation(), {
        ...o,
        emrtd: emrtd === false ? false : { ...emrtd, fileBytes: fleet.fileBytes },
      }).card;
    },
  };
}

function fleetSpec(spec: string, rest: string): CardRecipe {
  const colon = rest.lastIndexOf(':');
  const seed = rest.slice(0, Math.max(colon, 0));
  const index = rest.slice(colon + 1);
  if (colon <= 0 || seed === '' || !/^\d{1,9}$/.test(index))
    throw new CardSpecError(`card '${spec}': expected fleet:<seed>:<index> (index 0 to 999999999)`);
  return fleetRecipe(cardFleet({ seed }), Number(index));
}

function testCardRecipe(name: (typeof TEST_CARD_NAMES)[number]): CardRecipe {
  if (name === 'iso-test')
    return {
      spec: name,
      personality: name,
      description: 'generic ISO/IEC 7816-4 test card',
      create: (r = {}) =>
        createIsoTestCard({
          ...(r.options ? { options: r.options } : {}),
          ...(r.strict !== undefined ? { strict: r.strict } : {}),
          ...(r.rng ? { rng: r.rng } : {}),
          ...(r.clock ? { clock: r.clock } : {}),
        }),
    };
  return {
    spec: name,
    personality: name,
    description: 'ISO test file system + SM test hook (ICAO 9303-11 D.3 keys)',
    create: (r = {}) =>
      createSmTestCard({
        mfChildren: isoTestFileSystemSpec().children,
        session: smTestSession,
        ...(r.options ? { options: r.options } : {}),
        ...(r.rng ? { rng: r.rng } : {}),
      }),
  };
}

/** Card images are ~30 KB; anything far larger is not one (and is not read into memory). */
const MAX_CARD_FILE_BYTES = 4 * 1024 * 1024;

const variantSchema = z
  .object({
    card: z.string().min(1).optional(),
    profile: z.string().min(1).optional(),
    seed: z.string().min(1).optional(),
    options: cardOptionsSchema.partial().optional(),
    iasOptions: iasOptionsSchema.partial().optional(),
    emrtd: emrtdOptionsSchema.partial().optional(),
  })
  .strict();

/** A card-variant file: another spec with pipeline options applied to every instance. */
function variantRecipe(path: string, json: unknown): CardRecipe {
  const r = variantSchema.safeParse(json);
  if (!r.success)
    throw new CardSpecError(
      `${path} is neither a card image nor a card variant ({"card": …, "options": …}): ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
    );
  const base = r.data.card ?? r.data.profile ?? 'default';
  const spec = r.data.seed ? `${base === 'default' ? 'seed' : base}:${r.data.seed}` : base;
  if (looksLikePath(spec)) throw new CardSpecError(`${path}: a variant names a card, not a file`);
  const inner = resolveCardSpec(spec);
  const options = r.data.options as Partial<CardOptions> | undefined;
  const ias = r.data.iasOptions as Partial<IasOptions> | undefined;
  const emrtd = r.data.emrtd as EmrtdModuleOptions | undefined;
  const withOptions = (rt: CardRuntime = {}): CardRuntime => ({
    ...rt,
    ...(options ? { options: { ...options, ...rt.options } } : {}),
    ...(ias ? { iasOptions: { ...ias, ...rt.iasOptions } } : {}),
    ...(emrtd && rt.emrtd !== false ? { emrtd: { ...emrtd, ...rt.emrtd } } : {}),
  });
  const shown = { ...options, ...(ias ? { iasOptions: ias } : {}), ...(emrtd ? { emrtd } : {}) };
  return {
    ...inner,
    spec: path,
    description: `${inner.description}, options ${JSON.stringify(shown)} (${path})`,
    create: (rt) => inner.create(withOptions(rt)),
  };
}

function imageFileRecipe(path: string): CardRecipe {
  if (!existsSync(path)) throw new CardSpecError(`card image not found: ${path}`);
  const stat = statSync(path);
  if (!stat.isFile()) throw new CardSpecError(`not a card image file: ${path}`);
  if (stat.size > MAX_CARD_FILE_BYTES)
    throw new CardSpecError(`${path}: ${stat.size} bytes is too large for a card file`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CardSpecError(`${path}: not JSON (${(e as Error).message})`);
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (format === undefined) return variantRecipe(path, json);
  return cieRecipe(path, readCardImage(path), undefined, path);
}

/**
 * Resolves a card spec (grammar above). Throws {@link CardSpecError} for an unknown personality,
 * a missing file or an empty seed, naming what is known.
 */
export function resolveCardSpec(spec: string): CardRecipe {
  const text = spec.trim();
  if (text === '' || text === 'default') return cieRecipe('default', defaultCardImage());
  if ((TEST_CARD_NAMES as readonly string[]).includes(text))
    return testCardRecipe(text as (typeof TEST_CARD_NAMES)[number]);
  if (isPersonality(text)) return cieRecipe(text, defaultCardImage(), text);
  const colon = text.indexOf(':');
  if (colon > 0 && !looksLikePath(text)) {
    const head = text.slice(0, colon);
    const seed = text.slice(colon + 1);
    if (seed === '') throw new CardSpecError(`card '${spec}': empty seed`);
    if (head === 'seed') return cieRecipe(text, imageForSeed(seed));
    if (head === 'fleet') return fleetSpec(spec, seed);
    if (isPersonality(head)) return cieRecipe(text, imageForSeed(seed, head), head);
    throw new CardSpecError(
      `card '${spec}': unknown personality '${head}' (known: ${CIE_PROFILES.map((p) => p.id).join(', ')})`,
    );
  }
  if (looksLikePath(text)) return imageFileRecipe(text);
  throw new CardSpecError(
    `unknown card '${spec}': expected default, a personality (${CIE_PROFILES.map((p) => p.id).join(', ')}), seed:<seed>, <personality>:<seed>, fleet:<seed>:<index>, ${TEST_CARD_NAMES.join(', ')}, or a card image file`,
  );
}

/** Every named card a listing can offer: the default CIE on each personality and the test cards. */
export function namedCards(): readonly CardRecipe[] {
  const image = defaultCardImage();
  return [
    cieRecipe('default', image),
    ...CIE_PROFILES.map((p) => cieRecipe(p.id, image, p.id)),
    ...TEST_CARD_NAMES.map(testCardRecipe),
  ];
}

export interface DefaultCard {
  readonly card: EmulatedCard;
  readonly profileId: string;
  readonly description: string;
  /** TEST secrets of the default citizen (for testers; never sent by the card). */
  readonly secrets: { readonly pin: string; readonly puk: string; readonly can: string };
}

/**
 * The card `npm start`, `ciebench apdu` and the transports use when none is given: the `default`
 * recipe (committed image, so no key generation), with PIN/PUK state in memory.
 */
export async function createDefaultCard(runtime: CardRuntime = {}): Promise<DefaultCard> {
  const recipe = resolveCardSpec('default');
  const image = recipe.image as CardImage;
  return {
    card: recipe.create(runtime),
    profileId: recipe.personality,
    description: recipe.description,
    secrets: { pin: image.citizen.pin, puk: image.citizen.puk, can: image.citizen.can },
  };
}
