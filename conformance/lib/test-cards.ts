/**
 * In-process cards the conformance suite knows by name (`--target inproc:<name>`), each with the
 * personality whose default ICS applies. The generic ISO test card and the secure-messaging test
 * card let the ISO suite be developed and mutation-tested without the CIE applications; the CIE
 * personalities are added by `inproc-cards.ts` as they land.
 */
import type { CardOs } from '../../emulator/src/card/card-os.ts';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import {
  createIsoTestCard,
  isoTestFileSystemSpec,
} from '../../emulator/src/profiles/iso-test-card.ts';
import { smSession, type SmSession } from '../../emulator/src/sm/sm-session.ts';
import { des3Suite } from '../../emulator/src/sm/suites/des3.ts';
import { createSmTestCard } from '../../emulator/src/testing/sm-test-card.ts';
import type { Card } from '../../emulator/src/card/card.ts';

/** Secrets a test card knows about itself (TEST data; a physical card's come from the lab). */
export interface CardSecrets {
  readonly pin?: string;
  readonly puk?: string;
  readonly can?: string;
  /** MRZ_information: document number, birth date, expiry date with check digits. */
  readonly mrz?: string;
}

/** Trust anchors of a card personalised with the project's test PKI (DER certificates). */
export interface TrustAnchors {
  readonly csca: readonly Uint8Array[];
  readonly holderCa: readonly Uint8Array[];
}

export interface NamedCard {
  readonly name: string;
  readonly personality: string;
  readonly description: string;
  readonly secrets?: CardSecrets;
  readonly trust?: TrustAnchors;
  /** Host-side material for cases (e.g. test terminal credentials), built on demand. */
  services?(): ReadonlyMap<string, unknown>;
  /** A fresh card (every call a new, independent instance). */
  create(): Card;
}

/** ICAO Doc 9303-11 Appendix D.3 session keys and counter (also in sm-test.ics.json). */
export const SM_TEST_KEYS = {
  kEnc: fromHex('979EC13B1CBFE9DCD01AB0FED307EAE5'),
  kMac: fromHex('F1CB1F1FB5ADF208806B89DC579DC1F8'),
  ssc: fromHex('887022120C06C226'),
} as const;

export function smTestSession(): SmSession {
  return smSession(des3Suite, SM_TEST_KEYS.kEnc, SM_TEST_KEYS.kMac, SM_TEST_KEYS.ssc);
}

/** The SM test card with the generic ISO test file system; `session` may be replaced (mutants). */
export function createSmIsoCard(session: () => SmSession = smTestSession): CardOs {
  return createSmTestCard({ mfChildren: isoTestFileSystemSpec().children, session });
}

export const TEST_CARDS: readonly NamedCard[] = [
  {
    name: 'iso-test',
    personality: 'iso-test',
    description: 'generic ISO/IEC 7816-4 test card',
    create: () => createIsoTestCard(),
  },
  {
    name: 'sm-test',
    personality: 'sm-test',
    description: 'ISO test file system + SM test hook (ICAO 9303-11 D.3 keys)',
    create: () => createSmIsoCard(),
  },
];
