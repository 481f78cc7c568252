/**
 * The CieID app agent: a headless stand-in for the citizen's app, driving the emulated (or a
 * real) CIE through any channel of the bench. Every operation returns an {@link AppResult}: the
 * value, or the event the app would show — never an exception for something the app handles.
 */
import { appContext, type AppContext, type AppOptions } from './app-context.ts';
import {
  changePin,
  unblockPin,
  type ChangePinInput,
  type PinChangeResult,
  type UnblockInput,
} from './card-management.ts';
import { AppEventError, failure, success, type AppResult } from './events.ts';
import { hybridLogin, type HybridLoginInput, type HybridLoginResult } from './hybrid-login.ts';
import { mobileLogin, type MobileLoginInput, type MobileLoginResult } from './mobile-login.ts';
import type { NewPinOptions } from './pin.ts';
import type { Registration } from './profile-store.ts';
import { registerCard, type RegistrationInput } from './registration.ts';

/** Runs an operation, turning the event that ended it into a result. */
export async function attempt<T>(op: () => Promise<T>): Promise<AppResult<T>> {
  try {
    return success(await op());
  } catch (e) {
    if (e instanceof AppEventError) return failure(e.event);
    throw e;
  }
}

export class CieIdAgent {
  readonly ctx: AppContext;
  /** Stricter new-PIN rule (no adjacent equal or consecutive digits); off by default. */
  readonly pinRules: NewPinOptions;

  constructor(options: AppOptions & { readonly strictNewPin?: boolean }) {
    this.ctx = appContext(options);
    this.pinRules = options.strictNewPin ? { strict: true } : {};
  }

  /** "Registra la tua carta". */
  register(input: RegistrationInput): Promise<AppResult<Registration>> {
    return attempt(() => registerCard(this.ctx, input));
  }

  /** Registered cards on this phone (no PIN digits). */
  list(): Registration[] {
    return this.ctx.store.list();
  }

  /** Deletes a registration ("Rimuovi carta"); false when the NIS was not registered. */
  forget(nis: string): boolean {
    return this.ctx.store.remove(nis);
  }

  /** "Gestione Carta → Cambia PIN". */
  changePin(input: ChangePinInput): Promise<AppResult<PinChangeResult>> {
    return attempt(() => changePin(this.ctx, input, this.pinRules));
  }

  /** "Gestione Carta → Sblocca PIN" with the PUK. */
  unblock(input: UnblockInput): Promise<AppResult<PinChangeResult>> {
    return attempt(() => unblockPin(this.ctx, input, this.pinRules));
  }

  /** "Entra con QR code": scan, last 4 digits, card, OTP to type into the desktop page. */
  loginQr(input: HybridLoginInput): Promise<AppResult<HybridLoginResult>> {
    return attempt(() => hybridLogin(this.ctx, input));
  }

  /** Phone-only login from the IdP's hand-off URL; the continue URL goes back to the browser. */
  loginApp(input: MobileLoginInput): Promise<AppResult<MobileLoginResult>> {
    return attempt(() => mobileLogin(this.ctx, input));
  }

  /** Releases the card reader (the NFC endpoint session). */
  close(): Promise<void> {
    return this.ctx.reader.close();
  }
}
