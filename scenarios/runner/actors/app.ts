/**
 * The app actor of one journey: the bench's CieID app agent (scenarios/app) with a fresh profile
 * in the journey's folder, reaching the journey card through the card actor's reader; and, for
 * "PIN changed elsewhere", a second device (another phone, the desktop software) with its own
 * profile on the same card.
 *
 * An external app (a team's own build on the NFC endpoint, driven by its own UI tests) is not
 * driven by the runner: its steps wait for what the IdP sees of the app (journey.ts).
 */
import { join } from 'node:path';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { ManualClock, type Clock } from '../../../emulator/src/crypto/clock.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { CieIdAgent } from '../../app/agent.ts';
import type { TrustConfig } from '../../app/app-context.ts';
import type { CardReader } from '../../app/card-reader.ts';
import type { AppEvent } from '../../app/events.ts';
import type { Registration } from '../../app/profile-store.ts';
import type { AppActor, CardActor } from '../model.ts';
import { REGISTERED_WHILE_VALID, type JourneyCard } from './card.ts';
import type { IdpHandle } from './idp.ts';

/** One outcome shown on the phone: what the app showed, as the runner records it. */
export type AppOutcome =
  | { readonly ok: true; readonly summary: string; readonly screen?: string }
  | { readonly ok: false; readonly event: AppEvent };

export interface JourneyApp {
  readonly agent: CieIdAgent;
  /** The same card used from another device (its own registration, its own PIN typed). */
  other(): CieIdAgent;
  /** The card's registration on this phone, if any. */
  registration(nis: string | undefined): Registration | undefined;
  close(): Promise<void>;
}

function trustOf(card: JourneyCard): TrustConfig {
  const image = card.image ?? defaultCardImage();
  return {
    csca: [fromHex(image.ias.certificates.csca)],
    holderCa: [fromHex(image.ias.certificates.holderCa)],
  };
}

export interface JourneyAppOptions {
  readonly actor: AppActor;
  readonly cardActor: CardActor;
  readonly card: JourneyCard;
  readonly idp: IdpHandle;
  readonly dir: string;
  readonly seed: string;
  readonly showSecrets: boolean;
}

function agentFor(
  o: JourneyAppOptions,
  profile: string,
  reader: CardReader,
  clock?: Clock,
): CieIdAgent {
  return new CieIdAgent({
    profileDir: join(o.dir, profile),
    reader,
    trust: trustOf(o.card),
    idp: { origins: o.idp.origins, connection: o.idp.connection },
    rng: seededRng(`runner-app|${o.seed}|${profile}`),
    pinPolicy: o.actor.pinPolicy,
    phone: {
      platform: o.actor.platform,
      // AOSP phones: no extended length, the agent goes on with short APDUs.
      ...(o.actor.isoDep === 'aosp' ? { extendedLength: 'when-needed' } : {}),
    },
    ...(clock ? { clock } : {}),
    showSecrets: o.showSecrets,
  });
}

export function journeyApp(o: JourneyAppOptions): JourneyApp {
  // An expired card was registered while it was still valid: the phone's clock then (its own
  // checks only; the IdP judges the certificate with its own clock).
  const clock =
    o.cardActor.state.certificate === 'expired'
      ? new ManualClock(REGISTERED_WHILE_VALID)
      : undefined;
  const agent = agentFor(o, 'phone', o.card.reader, clock);
  let other: CieIdAgent | undefined;
  return {
    agent,
    other: () => {
      // "Elsewhere": the same card on the same channel, another device's profile.
      other ??= agentFor(o, 'other-device', o.card.reader, clock);
      return other;
    },
    registration: (nis) => (nis ? agent.list().find((r) => r.nis === nis) : agent.list()[0]),
    close: async () => {
      await agent.close();
      await other?.close();
    },
  };
}
