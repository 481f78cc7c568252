/**
 * Hybrid login ("Prosegui con smartphone"): the desktop page shows a QR code, the user scans it
 * with the app, types the last 4 PIN digits, holds the card to the phone, and types into the page
 * the OTP the app shows. Against the bench IdP (scenarios/idp/L3-PROTOCOL.md §4.3):
 *
 * ```
 * QR (string, or PNG screenshot) → checked as one of ours (qr.ts)         no network, no card
 * H1  POST {IdP}/idp/Authn/SSL/X509AuthIbridoTLS13  opId, userId, cert    → challenge, SP texts
 * tap: NIS → registration, DH + DAPP, VERIFY (stored half ‖ last 4), sign DigestInfo(SHA-256(challenge))
 * H2  POST  same endpoint  opId, userId, cert, challenge=<hex signature>   → OTP (4 digits)
 * ```
 * The certificate sent is the registration's (the card's EF 1003 as read at registration).
 */
import { asciiBytes } from '../../emulator/src/bytes/bytes.ts';
import { toHex } from '../../emulator/src/bytes/hex.ts';
import { z } from 'zod';
import type { AppContext } from './app-context.ts';
import { checkLastFour } from './card-management.ts';
import { appEvent, raise } from './events.ts';
import { jsonAnswer, postForm } from './idp-client.ts';
import { chooseRegistration, signAsRegistered } from './login-card.ts';
import { checkDevice } from './phone.ts';
import { decodeQrPng, parseHybridQr, QrImageError, type HybridQr } from './qr.ts';

export const HYBRID_PATH = '/idp/Authn/SSL/X509AuthIbridoTLS13';

export interface HybridLoginInput {
  /** The scanned payload, or a PNG screenshot of the page showing the QR code. */
  readonly qr: string | { readonly png: Uint8Array };
  /** The last 4 PIN digits (the first 4 are stored at registration). */
  readonly lastFour: string;
}

export interface HybridLoginResult {
  /** What the app shows: the OTP to type into the desktop page. */
  readonly otp: string;
  readonly message: string;
  readonly otpValiditySeconds?: number;
  readonly opText: string;
  readonly spName: string;
  readonly nis: string;
  readonly qr: HybridQr;
}

const urlSafe = z.string().regex(/^[A-Za-z0-9_-]{1,512}$/);

const resolveAnswer = z
  .object({
    esito: z.literal('OK'),
    opId: z.string(),
    opText: z.string(),
    SpName: z.string(),
    IdpName: z.string(),
    challenge: urlSafe,
  })
  .loose();

const otpAnswer = z
  .object({
    esito: z.literal('OK'),
    messaggio: z.string(),
    otp: z.string().regex(/^\d{4,10}$/),
    otpValiditySeconds: z.number().int().positive().optional(),
  })
  .loose();

function scanned(input: HybridLoginInput, origins: readonly string[]): HybridQr {
  let payload: string;
  if (typeof input.qr === 'string') payload = input.qr;
  else {
    try {
      payload = decodeQrPng(input.qr.png);
    } catch (e) {
      if (e instanceof QrImageError) raise(appEvent('QR_NOT_RECOGNISED'));
      throw e;
    }
  }
  return parseHybridQr(payload, origins);
}

function online(ctx: AppContext): void {
  if (!ctx.phone.network) raise(appEvent('NO_INTERNET_CONNECTION'));
}

export async function hybridLogin(
  ctx: AppContext,
  input: HybridLoginInput,
): Promise<HybridLoginResult> {
  checkDevice(ctx.phone);
  const qr = scanned(input, ctx.idp.origins);
  checkLastFour(input.lastFour);
  const registration = chooseRegistration(ctx, qr.userId);
  const endpoint = `${qr.idpOrigin}${HYBRID_PATH}`;
  online(ctx);
  const resolved = jsonAnswer(
    await postForm(
      endpoint,
      { opId: qr.opId, userId: qr.userId, cert: registration.certificate },
      ctx.idp.connection,
    ),
    resolveAnswer,
  );
  const signed = await signAsRegistered(ctx, input.lastFour, asciiBytes(resolved.challenge));
  online(ctx);
  const done = jsonAnswer(
    await postForm(
      endpoint,
      {
        opId: qr.opId,
        userId: qr.userId,
        cert: toHex(signed.certificate),
        challenge: toHex(signed.signature),
      },
      ctx.idp.connection,
    ),
    otpAnswer,
  );
  return {
    otp: done.otp,
    message: done.messaggio,
    ...(done.otpValiditySeconds !== undefined
      ? { otpValiditySeconds: done.otpValiditySeconds }
      : {}),
    opText: resolved.opText,
    spName: resolved.SpName,
    nis: signed.nis,
    qr,
  };
}
