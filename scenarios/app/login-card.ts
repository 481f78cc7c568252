/**
 * The card step of a login: the card signs the IdP's challenge (RSASSA-PKCS1-v1_5 with SHA-256,
 * RFC 8017 §8.2: the card pads, the app sends DigestInfo(SHA-256(challenge)) —
 * italia/cieid-android-sdk `CieIDSdk.firma`):
 *
 * - **registered card** (the CieID app): one tap — NIS (which registration; none → the app's FF03
 *   "non registrata"), DH + DAPP, VERIFY with stored first half ‖ typed last 4, sign. The
 *   certificate comes from the registration, not from the card (italia/cieid-ios-sdk
 *   `CIETagReader.post` reuses the stored one);
 * - **integrated SDK** (an SP's own app, no registration): the whole 8-digit PIN; a first tap reads
 *   the certificate (DH + DAPP + VERIFY + EF 1003), a second tap signs (NIS + DH + DAPP + VERIFY +
 *   sign), as the IPZS SDK's TLS 1.3 variant does around its first server call.
 */
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import type { AppContext } from './app-context.ts';
import { tapContext } from './app-context.ts';
import { checkLastFour, verifyRegisteredPin, verifyTyped } from './card-management.ts';
import { appEvent, raise } from './events.ts';
import { withCard } from './phone.ts';
import { isEightDigits } from './pin.ts';
import type { Registration } from './profile-store.ts';

export interface SignedChallenge {
  readonly nis: string;
  readonly certificate: Uint8Array;
  readonly signature: Uint8Array;
  readonly registration?: Registration;
}

/**
 * The registration a login uses before the card is read: the one whose serial is `serial` (the
 * QR's `userId`), else the only one, else none.
 */
export function chooseRegistration(ctx: AppContext, serial?: string): Registration {
  const all = ctx.store.list();
  const bySerial = serial ? all.find((r) => r.serial === serial) : undefined;
  const chosen = bySerial ?? (all.length === 1 ? all[0] : undefined);
  if (!chosen) raise(appEvent('CARD_NOT_REGISTERED'));
  return chosen;
}

/** One tap: the registered card signs `challenge` with the stored half ‖ `lastFour`. */
export async function signAsRegistered(
  ctx: AppContext,
  lastFour: string,
  challenge: Uint8Array,
): Promise<SignedChallenge> {
  checkLastFour(lastFour);
  return withCard(tapContext(ctx), async (s) => {
    const nis = await s.readNis();
    const registration = ctx.store.get(nis);
    if (!registration) raise(appEvent('CARD_NOT_REGISTERED'));
    await s.openSecureChannel();
    await verifyRegisteredPin(ctx, s, registration, lastFour);
    const signature = await s.signSha256(challenge);
    return { nis, certificate: fromHex(registration.certificate), signature, registration };
  });
}

/** Integrated SDK, first tap: the certificate, after VERIFY with the whole PIN. */
export async function readCertificateWithPin(
  ctx: AppContext,
  pin: string,
): Promise<{ readonly nis: string; readonly certificate: Uint8Array }> {
  if (!isEightDigits(pin)) raise(appEvent('PIN_FORMAT'));
  return withCard(tapContext(ctx), async (s) => {
    const nis = await s.readNis();
    await s.openSecureChannel();
    await verifyTyped(ctx, s, 'PIN', pin);
    return { nis, certificate: await s.readCertificate() };
  });
}

/** Integrated SDK, second tap: the same card (same NIS) signs `challenge`. */
export async function signWithPin(
  ctx: AppContext,
  pin: string,
  challenge: Uint8Array,
  expected: { readonly nis: string; readonly certificate: Uint8Array },
): Promise<SignedChallenge> {
  return withCard(tapContext(ctx), async (s) => {
    const nis = await s.readNis();
    // Another card on the second tap: its key would not match the certificate already sent.
    if (nis !== expected.nis)
      raise(
        appEvent('AUTHENTICATION_ERROR', {
          detail: `card changed between taps (NIS ${expected.nis} then ${nis})`,
        }),
      );
    await s.openSecureChannel();
    await verifyTyped(ctx, s, 'PIN', pin);
    return { nis, certificate: expected.certificate, signature: await s.signSha256(challenge) };
  });
}
