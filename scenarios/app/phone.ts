/**
 * The phone the agent runs on: platform (command style of the card layer), NFC state, device
 * integrity, network, and the app's policies where the public evidence shows one behaviour and a
 * safer one exists. Every check here happens before the card is touched, as in the apps:
 *
 * - no NFC hardware → "Questo smartphone non supporta la lettura NFC" (italia/cieid-ios-sdk
 *   `CIEReader.start`); NFC off → the app sends the user to the settings (italia/cieid-android-sdk
 *   `isNFCEnabled` / `openNFCSettings`);
 * - a rooted / jail-broken device → `NO_SECURE_DEVICE` (italia/cieid-android-sdk sample
 *   `RedirectionError` 3);
 * - two cards in the field → the session is closed with "E' consentita la lettura di una carta per
 *   volta" (`CIEReader.tagReaderSession(_:didDetect:)`);
 * - a reader without extended-length APDUs → `EXTENDED_APDU_NOT_SUPPORTED` before any APDU, as both
 *   public Android SDKs do at tag discovery (pagopa/cie-sdk-android `NfcImpl.connect`; the IPZS
 *   SDK since "it is mandatory to communicate with CIE"). Policy `extendedLength: 'when-needed'`
 *   goes on with short APDUs (the agent never sends a command longer than the reader's
 *   `maxTransceiveLength`: plain data are chained at 255 bytes, protected data at 231).
 */
import type { Rng } from '../../emulator/src/crypto/rng.ts';
import type { CardReader, CardTap } from './card-reader.ts';
import { CardSession, cardEvent, type PhonePlatform } from './card-session.ts';
import { appEvent, AppEventError, raise } from './events.ts';

export interface PhoneOptions {
  readonly platform?: PhonePlatform;
  readonly nfc?: 'on' | 'off' | 'absent';
  /** Rooted / jail-broken device. */
  readonly rooted?: boolean;
  /** Internet reachable (false: every IdP call ends in "no connection"). */
  readonly network?: boolean;
  /** Cards the user holds to the phone at once (the NFC endpoint presents one; 2 = the user error). */
  readonly cardsInField?: 1 | 2;
  /** `require` (the public SDKs) or `when-needed` (go on with short APDUs). */
  readonly extendedLength?: 'require' | 'when-needed';
}

export interface Phone {
  readonly platform: PhonePlatform;
  readonly nfc: 'on' | 'off' | 'absent';
  readonly rooted: boolean;
  readonly network: boolean;
  readonly cardsInField: 1 | 2;
  readonly extendedLength: 'require' | 'when-needed';
}

export function phone(o: PhoneOptions = {}): Phone {
  return {
    platform: o.platform ?? 'android',
    nfc: o.nfc ?? 'on',
    rooted: o.rooted ?? false,
    network: o.network ?? true,
    cardsInField: o.cardsInField ?? 1,
    extendedLength: o.extendedLength ?? 'require',
  };
}

/** Device checks made when an operation starts (no card, no network yet). */
export function checkDevice(p: Phone): void {
  if (p.rooted) raise(appEvent('NO_SECURE_DEVICE'));
  if (p.nfc === 'absent') raise(appEvent('NFC_NOT_SUPPORTED'));
  if (p.nfc === 'off') raise(appEvent('NFC_NOT_ENABLED'));
}

export interface TapContext {
  readonly phone: Phone;
  readonly reader: CardReader;
  readonly rng?: Rng;
  readonly showSecrets?: boolean;
  /** Probe the tries left before every VERIFY (always on PC/SC, where the guard needs it). */
  readonly probeTries?: boolean;
  /** Called with the tap once it is over (tests read its meter). */
  readonly onTapEnd?: (tap: CardTap) => void;
}

/**
 * One "hold the card to the phone": discovery checks, then `body` on a card session, then the card
 * leaves. Anything the card layer throws becomes the app's event (AppEventError).
 */
export async function withCard<T>(
  ctx: TapContext,
  body: (s: CardSession) => Promise<T>,
): Promise<T> {
  checkDevice(ctx.phone);
  if (ctx.phone.cardsInField > 1) raise(appEvent('MORE_THAN_ONE_CARD'));
  let tap: CardTap;
  try {
    tap = await ctx.reader.tap();
  } catch (e) {
    throw new AppEventError(cardEvent(e));
  }
  try {
    if (ctx.phone.extendedLength === 'require' && !tap.capabilities.extendedLength)
      raise(appEvent('EXTENDED_APDU_NOT_SUPPORTED'));
    const session = new CardSession(tap, {
      platform: ctx.phone.platform,
      probeTries: (ctx.probeTries ?? false) || ctx.reader.probeTriesBeforeVerify,
      ...(ctx.rng ? { rng: ctx.rng } : {}),
      ...(ctx.showSecrets ? { showSecrets: true } : {}),
    });
    return await body(session);
  } catch (e) {
    throw new AppEventError(cardEvent(e));
  } finally {
    await tap.end();
    ctx.onTapEnd?.(tap);
  }
}
