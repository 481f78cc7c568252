/**
 * Phone-only login (app-to-app). The IdP's page hands the login to the app with a URL the app
 * claims — `…/idp/OpenApp?name&value&authnRequestString&nextUrl&OpText&imgUrl` (italia/cieid-android-sdk
 * `DeepLinkInfo`) or `…/idp/login/livello3?opId…` with the same keys (the 2024 IPZS SDK) — and the
 * app runs the TLS 1.3 "challenge" variant (scenarios/idp/L3-PROTOCOL.md §5.2):
 *
 * ```
 * POST {IdP}/idp/Authn/X509TLS13First   cert=<hex EF 1003>&authnRequest=<authnRequestString>  → challenge (text)
 * card signs DigestInfo(SHA-256(challenge bytes as received))
 * continue URL {IdP}/idp/Authn/X509MobileTLS13Second?challenge=<hex signature>&<name>=<value>
 * ```
 * What an SP's app gets back (italia/cieid-android-sdk sample `RedirectionActivity`,
 * `RedirectionError`; pagopa/io-react-native-cieid): `RESULT_OK` with the continue URL, or an
 * error code 0 GENERIC_ERROR, 1 CIE_NOT_REGISTERED, 2 AUTHENTICATION_ERROR, 3 NO_SECURE_DEVICE, or
 * `RESULT_CANCELED`. On iOS the app opens `<sourceApp>:<continue URL>` or
 * `<sourceApp>:{IdP}/cieiderror?cieid_error_message=<text with underscores>`
 * (italia/cieid-ios-sdk `CieIDWKWebViewController`).
 */
import { toHex } from '../../emulator/src/bytes/hex.ts';
import { z } from 'zod';
import type { AppContext } from './app-context.ts';
import { appEvent, raise, type AppEvent, type AppResult } from './events.ts';
import { idpErrorEvent, postForm } from './idp-client.ts';
import {
  chooseRegistration,
  readCertificateWithPin,
  signAsRegistered,
  signWithPin,
  type SignedChallenge,
} from './login-card.ts';
import { checkDevice } from './phone.ts';
import { isEightDigits } from './pin.ts';

export const TLS13_FIRST = '/idp/Authn/X509TLS13First';
export const TLS13_SECOND = '/idp/Authn/X509MobileTLS13Second';

const urlSafe = z.string().regex(/^[A-Za-z0-9_-]{1,512}$/);

const handOffSchema = z
  .object({
    name: urlSafe,
    value: urlSafe,
    authnRequestString: urlSafe,
    nextUrl: z.string().url(),
    OpText: z.string().max(1000).optional(),
    imgUrl: z.string().max(2000).optional(),
    opId: z
      .string()
      .regex(/^_[0-9a-f]{32}$/)
      .optional(),
  })
  .strict();

export interface HandOff extends z.infer<typeof handOffSchema> {
  readonly idpOrigin: string;
  readonly form: 'openapp' | 'livello3';
}

/** The hand-off URL the app claims; anything else is a generic error for the SP's app. */
export function parseHandOff(url: string, idpOrigins: readonly string[]): HandOff {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    raise(appEvent('GENERAL_ERROR', { detail: 'the hand-off URL is not a URL' }));
  }
  const form = u.pathname.includes('OpenApp')
    ? 'openapp'
    : u.pathname === '/idp/login/livello3' && u.searchParams.has('opId')
      ? 'livello3'
      : undefined;
  if (!form || !idpOrigins.includes(u.origin))
    raise(
      appEvent('GENERAL_ERROR', {
        detail: `not a CieID hand-off URL of a known IdP: ${u.origin}${u.pathname}`,
      }),
    );
  const r = handOffSchema.safeParse(Object.fromEntries(u.searchParams));
  if (!r.success)
    raise(
      appEvent('GENERAL_ERROR', {
        detail: `hand-off URL: ${r.error.issues.map((i) => i.path.join('.')).join(', ')} missing or malformed`,
      }),
    );
  return { ...r.data, idpOrigin: u.origin, form };
}

/** The user of an SP's own app with the integrated SDK (INPS-style): no registration, whole PIN. */
export interface IntegratedUser {
  /** The SP app's name (profile sub-folder for a remembered PIN). */
  readonly spApp: string;
  /** The user's id in that app (the fiscal code in the INPS app). */
  readonly userId: string;
  /** The whole 8-digit PIN; absent: the remembered one. */
  readonly pin?: string;
  /** Remember the PIN after a successful login: the PIN typed a second time. */
  readonly rememberConfirm?: string;
}

export interface MobileLoginInput {
  readonly handOffUrl: string;
  /** Registered card: the last 4 digits (and which card, when several are registered). */
  readonly registered?: { readonly lastFour: string; readonly nis?: string };
  readonly integrated?: IntegratedUser;
  /** The user presses "Annulla" in the app instead of going on. */
  readonly cancel?: boolean;
}

export interface MobileLoginResult {
  readonly continueUrl: string;
  readonly handOff: HandOff;
  readonly nis: string;
  readonly pinRemembered?: boolean;
}

async function firstCall(ctx: AppContext, h: HandOff, certificate: Uint8Array): Promise<string> {
  if (!ctx.phone.network) raise(appEvent('NO_INTERNET_CONNECTION'));
  const a = await postForm(
    `${h.idpOrigin}${TLS13_FIRST}`,
    { cert: toHex(certificate), authnRequest: h.authnRequestString },
    ctx.idp.connection,
  );
  if (a.status >= 400) raise(idpErrorEvent(a));
  if (a.status !== 200 || !/^[\x21-\x7e]{1,1024}$/.test(a.body))
    raise(
      appEvent('GENERAL_ERROR', {
        detail: `X509TLS13First answered ${a.status} without a challenge`,
      }),
    );
  return a.body;
}

function continueUrl(h: HandOff, s: SignedChallenge): string {
  return `${h.idpOrigin}${TLS13_SECOND}?challenge=${toHex(s.signature)}&${h.name}=${h.value}`;
}

async function registeredLogin(
  ctx: AppContext,
  h: HandOff,
  r: { readonly lastFour: string; readonly nis?: string },
): Promise<MobileLoginResult> {
  const chosen = r.nis ? ctx.store.get(r.nis) : chooseRegistration(ctx);
  if (!chosen) raise(appEvent('CARD_NOT_REGISTERED'));
  const challenge = await firstCall(ctx, h, Buffer.from(chosen.certificate, 'hex'));
  const signed = await signAsRegistered(ctx, r.lastFour, new TextEncoder().encode(challenge));
  if (signed.nis !== chosen.nis)
    raise(
      appEvent('AUTHENTICATION_ERROR', {
        detail: `card ${signed.nis} held instead of ${chosen.nis}`,
      }),
    );
  return { continueUrl: continueUrl(h, signed), handOff: h, nis: signed.nis };
}

async function integratedLogin(
  ctx: AppContext,
  h: HandOff,
  u: IntegratedUser,
): Promise<MobileLoginResult> {
  const pin = u.pin ?? ctx.store.rememberedPin(u.spApp, u.userId);
  if (pin === undefined || !isEightDigits(pin)) raise(appEvent('PIN_FORMAT'));
  const first = await readCertificateWithPin(ctx, pin);
  const challenge = await firstCall(ctx, h, first.certificate);
  const signed = await signWithPin(ctx, pin, new TextEncoder().encode(challenge), first);
  const remember =
    u.rememberConfirm !== undefined && u.pin !== undefined && u.rememberConfirm === u.pin;
  if (remember) ctx.store.rememberPin(u.spApp, u.userId, pin, ctx.clock.now());
  return {
    continueUrl: continueUrl(h, signed),
    handOff: h,
    nis: signed.nis,
    pinRemembered: remember,
  };
}

export async function mobileLogin(
  ctx: AppContext,
  input: MobileLoginInput,
): Promise<MobileLoginResult> {
  checkDevice(ctx.phone);
  const h = parseHandOff(input.handOffUrl, ctx.idp.origins);
  if (input.cancel) raise(appEvent('OPERATION_CANCELLED'));
  if (input.integrated) return integratedLogin(ctx, h, input.integrated);
  if (input.registered) return registeredLogin(ctx, h, input.registered);
  raise(
    appEvent('GENERAL_ERROR', {
      detail: 'neither a registered card nor an integrated-SDK user was given',
    }),
  );
}

/** What the SP's app receives (Android `startActivityForResult`). */
export type SpAppResult =
  | { readonly kind: 'ok'; readonly url: string }
  | {
      readonly kind: 'error';
      readonly code: 0 | 1 | 2 | 3;
      readonly name:
        'GENERIC_ERROR' | 'CIE_NOT_REGISTERED' | 'AUTHENTICATION_ERROR' | 'NO_SECURE_DEVICE';
      readonly event: AppEvent;
    }
  | { readonly kind: 'cancelled' };

const AUTH_FAILURES: ReadonlySet<AppEvent['kind']> = new Set([
  'WRONG_PIN',
  'PIN_BLOCKED',
  'CARD_DEAD',
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_REVOKED',
  'CERTIFICATE_INVALID',
  'AUTHENTICATION_ERROR',
  'STORED_PIN_HALF_SUSPECT',
  'LAST_TRY_REFUSED',
]);

/** The SP app's view of a login outcome. */
export function spAppResult(r: AppResult<MobileLoginResult>): SpAppResult {
  if (r.ok) return { kind: 'ok', url: r.value.continueUrl };
  const e = r.event;
  if (e.kind === 'OPERATION_CANCELLED') return { kind: 'cancelled' };
  if (e.kind === 'CARD_NOT_REGISTERED')
    return { kind: 'error', code: 1, name: 'CIE_NOT_REGISTERED', event: e };
  if (e.kind === 'NO_SECURE_DEVICE')
    return { kind: 'error', code: 3, name: 'NO_SECURE_DEVICE', event: e };
  if (AUTH_FAILURES.has(e.kind))
    return { kind: 'error', code: 2, name: 'AUTHENTICATION_ERROR', event: e };
  return { kind: 'error', code: 0, name: 'GENERIC_ERROR', event: e };
}

/**
 * The iOS return form: `<sourceApp>:<continue URL>`, or the error URL with the message's spaces as
 * underscores (`Operazione_annullata_dall'utente`).
 */
export function iosReturnUrl(
  sourceApp: string,
  idpOrigin: string,
  r: AppResult<MobileLoginResult>,
): string {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*$/.test(sourceApp))
    throw new RangeError(`sourceApp must be a URL scheme, not ${JSON.stringify(sourceApp)}`);
  if (r.ok) return `${sourceApp}:${r.value.continueUrl}`;
  const text = r.event.message.replace(/\n/g, ' ').replace(/ /g, '_');
  return `${sourceApp}:${idpOrigin}/cieiderror?cieid_error_message=${encodeURIComponent(text)}`;
}
