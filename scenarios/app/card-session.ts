/**
 * The card side of the app on one tap, built from the bench's reference IAS terminal
 * (harness/terminals/ias) in its mobile command style. The order is the mobile authentication
 * order (italia/cieid-android-sdk `Ias.kt` `getIdServizi` + `startSecureChannel`;
 * pagopa/cie-sdk-android `ReadCie`):
 *
 * ```
 * SELECT IAS · SELECT DF_CIE (P2 04) · SELECT 1001 · READ BINARY 0C      → NIS ("not a CIE" if refused)
 * SELECT IAS · SELECT DF_CIE · GET DATA g, p, q · EF 1004 · GET DATA CA key
 * MSE SET KAT + GET DATA A6 91 (DH)  ·  DAPP (terminal certificate, EXTERNAL/INTERNAL AUTHENTICATE)
 * VERIFY PIN (8 digits, under SM)  ·  EF 1002 / EF 1003  ·  MSE SET + INTERNAL AUTHENTICATE (sign)
 * ```
 * (ISO/IEC 7816-4:2020 §7.5.6 VERIFY, §7.5.7 CHANGE REFERENCE DATA, §7.5.10 RESET RETRY COUNTER;
 * IAS-ECC v1.0.1 §7.2 device authentication with privacy protection.)
 */
import { toHex } from '../../emulator/src/bytes/hex.ts';
import type { Rng } from '../../emulator/src/crypto/rng.ts';
import { ChannelError } from '../../harness/channel/apdu-channel.ts';
import { PinGuardError } from '../../harness/pcsc/pin-guard.ts';
import { TerminalError } from '../../harness/terminals/common/step-report.ts';
import { sha256DigestInfo } from '../../harness/terminals/ias/flows.ts';
import { IasTerminal, type VerifyResult } from '../../harness/terminals/ias/ias-terminal.ts';
import { trimDer } from '../../harness/terminals/ias/validation.ts';
import type { CardTap } from './card-reader.ts';
import { appEvent, AppEventError, raise, type AppEvent } from './events.ts';

export type PhonePlatform = 'android' | 'ios';

export interface CardSessionOptions {
  readonly platform: PhonePlatform;
  readonly rng?: Rng;
  readonly showSecrets?: boolean;
  /** Ask the card for the tries left (VERIFY without data, no try spent) before each VERIFY. */
  readonly probeTries: boolean;
}

/** Public files of the IAS application the app reads before the PIN (for passive authentication). */
export interface PublicFiles {
  readonly nis: string;
  readonly sod: Uint8Array;
  readonly intKpub: Uint8Array;
  readonly serviziKpub: Uint8Array;
}

/** Which secret a VERIFY presented. */
export type Reference = 'PIN' | 'PUK';

const REF: Readonly<Record<Reference, 0x81 | 0x82>> = { PIN: 0x81, PUK: 0x82 };

/** The event for a refused VERIFY (§6 of the card's PIN semantics: 63Cx, 6983, 63C0). */
export function verifyEvent(ref: Reference, v: Exclude<VerifyResult, { ok: true }>): AppEvent {
  const left = v.blocked ? 0 : (v.triesLeft ?? 0);
  if (ref === 'PIN')
    return left > 0 ? appEvent('WRONG_PIN', { triesLeft: left }) : appEvent('PIN_BLOCKED');
  return left > 0 ? appEvent('WRONG_PUK', { triesLeft: left }) : appEvent('CARD_DEAD');
}

/** Turns whatever the card layer threw into the app's event (or rethrows a programming error). */
export function cardEvent(e: unknown): AppEvent {
  if (e instanceof AppEventError) return e.event;
  if (e instanceof PinGuardError) return appEvent('LAST_TRY_REFUSED', { reference: 'PIN' });
  if (e instanceof ChannelError) {
    if (e.code === 'READER_NOT_FOUND' || e.code === 'SERVICE_UNAVAILABLE')
      return appEvent('CARD_NOT_DETECTED');
    // Android reports a lost tag, a transceive timeout and a vanished card alike: TagLostException.
    return appEvent('TAG_LOST');
  }
  if (e instanceof TerminalError) {
    if (e.code === 'SOD_INVALID') return appEvent('DOCUMENT_CHECK_FAILED', { detail: e.message });
    return appEvent('CARD_ERROR', {
      detail: `${e.code}: ${e.message}`,
      ...(e.sw !== undefined ? { sw: e.sw.toString(16).toUpperCase().padStart(4, '0') } : {}),
    });
  }
  throw e;
}

export class CardSession {
  readonly terminal: IasTerminal;
  readonly tap: CardTap;
  private readonly probeTries: boolean;
  private publicRead = false;

  constructor(tap: CardTap, o: CardSessionOptions) {
    this.tap = tap;
    this.probeTries = o.probeTries;
    this.terminal = new IasTerminal(tap.channel, {
      style: o.platform,
      ...(o.rng ? { rng: o.rng } : {}),
      ...(o.showSecrets ? { showSecrets: true } : {}),
    });
  }

  /** Connect (the tap's ATR) and read the NIS; a card that refuses is "not a CIE". */
  async readNis(): Promise<string> {
    await this.terminal.connect();
    try {
      await this.terminal.selectIas();
      await this.terminal.selectDfCie(0x04);
      return await this.terminal.readNis('select-0c');
    } catch (e) {
      if (e instanceof TerminalError) raise(appEvent('NOT_A_CIE'));
      throw e;
    }
  }

  /** EF 1005, EF.SOD and EF 1004 (plain, in DF_CIE) after {@link readNis}. */
  async readPublicFiles(nis: string): Promise<PublicFiles> {
    const serviziKpub = await this.terminal.readEf(0x1005);
    const sod = await this.terminal.readEf(0x1006);
    const intKpub = await this.terminal.readEf(0x1004);
    await this.terminal.readIccAuthKey();
    this.publicRead = true;
    return { nis, sod, intKpub, serviziKpub };
  }

  /** DH + DAPP (state SMa): the secure channel every PIN operation needs. */
  async openSecureChannel(): Promise<void> {
    const t = this.terminal;
    await t.selectIas();
    await t.selectDfCie();
    await t.getDhParameters('separate');
    if (!this.publicRead) await t.readIccAuthKey();
    await t.getCaPublicKey();
    await t.dhKeyExchange();
    await t.dapp();
  }

  /** Tries left of PIN or PUK without spending one (ISO/IEC 7816-4 §7.5.6, VERIFY without data). */
  async triesLeft(ref: Reference): Promise<number | 'verified'> {
    return this.terminal.retriesLeft(REF[ref]);
  }

  /** VERIFY; on a PC/SC reader the tries are probed first so the last-try guard knows them. */
  async verify(ref: Reference, value: string): Promise<VerifyResult> {
    if (this.probeTries) await this.triesLeft(ref);
    try {
      return await this.terminal.verify(REF[ref], value);
    } catch (e) {
      if (e instanceof PinGuardError) raise(appEvent('LAST_TRY_REFUSED', { reference: ref }));
      throw e;
    }
  }

  /** Document number (EF 1002, first 9 characters) under SM after the PIN. */
  async readSerial(): Promise<{ readonly raw: Uint8Array; readonly serial: string }> {
    const raw = await this.terminal.readEf(0x1002);
    return { raw, serial: String.fromCharCode(...raw.subarray(0, 9)) };
  }

  /** Authentication certificate (EF 1003, zero padding trimmed to the DER length). */
  async readCertificate(): Promise<Uint8Array> {
    return trimDer(await this.terminal.readEf(0x1003)).slice();
  }

  /** Key 81 signature over DigestInfo(SHA-256(message)) (the TLS 1.3 challenge variant). */
  async signSha256(message: Uint8Array): Promise<Uint8Array> {
    return this.terminal.sign(sha256DigestInfo(message));
  }

  async changePin(oldPin: string, newPin: string): Promise<VerifyResult> {
    try {
      return await this.terminal.changePin(oldPin, newPin);
    } catch (e) {
      if (e instanceof PinGuardError) raise(appEvent('LAST_TRY_REFUSED', { reference: 'PIN' }));
      throw e;
    }
  }

  /** RESET RETRY COUNTER 02 81 with the new PIN (after VERIFY PUK). */
  async setNewPinAfterPuk(newPin: string): Promise<void> {
    await this.terminal.resetRetryCounter(newPin);
  }

  /** Short hex of the tap's ATR, for reports. */
  get atrHex(): string {
    return toHex(this.tap.atr);
  }
}
