/**
 * Everything an app operation needs, resolved once: the profile directory, the card reader, the
 * phone, the trust anchors (CSCA for passive authentication of the IAS application; citizen
 * authentication CAs and optional CRLs for the certificate), the PIN policy, the injected clock
 * and randomness, and whether secrets may appear in reports.
 */
import { systemClock, type Clock } from '../../emulator/src/crypto/clock.ts';
import { systemRng, type Rng } from '../../emulator/src/crypto/rng.ts';
import type { CardReader, CardTap } from './card-reader.ts';
import type { HolderTrust } from './certificate.ts';
import type { IdpConnection } from './idp-client.ts';
import { phone, type Phone, type PhoneOptions } from './phone.ts';
import { ProfileStore } from './profile-store.ts';

/**
 * How a registered card's stored PIN half is used:
 * - `app`: what the apps do — rebuild the 8 digits and VERIFY; a PIN changed elsewhere costs a
 *   try at every login until the card blocks (the desktop middleware behaves the same way:
 *   italia/cie-middleware `CSP.cpp` prepends the cached half and reports `SCARD_W_WRONG_CHV`);
 * - `guarded`: never spend a try blindly — a refused VERIFY with the stored half marks the
 *   registration suspect and later logins stop before the card until the card is registered again
 *   with the full PIN; a VERIFY that could spend the last PIN or PUK try is not sent.
 */
export type PinPolicy = 'app' | 'guarded';

export interface TrustConfig extends HolderTrust {
  /** CSCA certificates (DER) for passive authentication of the IAS application (EF.SOD). */
  readonly csca: readonly Uint8Array[];
}

/** The IdP the app talks to: the origins it trusts in QR codes and hand-off URLs, and how to reach them. */
export interface IdpConfig {
  readonly origins: readonly string[];
  readonly connection?: IdpConnection;
}

export interface AppOptions {
  readonly profileDir: string;
  /** The profile store to use instead of one on disk in `profileDir` (e.g. one in memory). */
  readonly store?: ProfileStore;
  readonly reader: CardReader;
  readonly trust: TrustConfig;
  readonly idp?: IdpConfig;
  readonly phone?: PhoneOptions;
  readonly pinPolicy?: PinPolicy;
  readonly clock?: Clock;
  readonly rng?: Rng;
  readonly showSecrets?: boolean;
  /** Called after every tap (tests read the exchange sizes). */
  readonly onTapEnd?: (tap: CardTap) => void;
}

export interface AppContext {
  readonly store: ProfileStore;
  readonly reader: CardReader;
  readonly trust: TrustConfig;
  readonly idp: IdpConfig;
  readonly phone: Phone;
  readonly pinPolicy: PinPolicy;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly showSecrets: boolean;
  readonly onTapEnd?: (tap: CardTap) => void;
}

export function appContext(o: AppOptions): AppContext {
  return {
    store: o.store ?? new ProfileStore(o.profileDir),
    reader: o.reader,
    trust: o.trust,
    idp: o.idp ?? { origins: [] },
    phone: phone(o.phone),
    pinPolicy: o.pinPolicy ?? 'app',
    clock: o.clock ?? systemClock,
    rng: o.rng ?? systemRng,
    showSecrets: o.showSecrets ?? false,
    ...(o.onTapEnd ? { onTapEnd: o.onTapEnd } : {}),
  };
}

/** The tap context of {@link withCard} for this app. */
export function tapContext(ctx: AppContext): {
  phone: Phone;
  reader: CardReader;
  rng: Rng;
  showSecrets: boolean;
  probeTries: boolean;
  onTapEnd?: (tap: CardTap) => void;
} {
  return {
    phone: ctx.phone,
    reader: ctx.reader,
    rng: ctx.rng,
    showSecrets: ctx.showSecrets,
    probeTries: ctx.pinPolicy === 'guarded',
    ...(ctx.onTapEnd ? { onTapEnd: ctx.onTapEnd } : {}),
  };
}
