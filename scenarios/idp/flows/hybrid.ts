/**
 * The hybrid desktop + phone flow (L3-PROTOCOL.md §4): a QR operation per card serial, the app's
 * signed answer that yields a 4-digit OTP, and the OTP typed in the browser. State changes go
 * through these functions only.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import QRCode from 'qrcode';
import { newId, numericCode, record, type IdpContext } from '../context.ts';
import type { HybridOp, Transaction } from '../state/transaction.ts';
import { installQrMaskFastPath } from './qr-mask.ts';
import { opText, spLogo } from './sp-texts.ts';
import {
  APP_CODES,
  AppRefusal,
  checkCard,
  checkSignature,
  citizenOf,
  isCardInvalid,
  type AppCode,
} from './card-login.ts';

/** `^C[A-Z]{1}\d{5}[A-Z]{2}$`, the IdP login page's rule for the card serial number. */
export const SERIAL_RE = /^C[A-Z]{1}\d{5}[A-Z]{2}$/;
export const OTP_DIGITS = 4;

/** Starts a QR operation for `serial` (replacing any previous one of the transaction). */
export function newOp(ctx: IdpContext, tx: Transaction, serial: string): HybridOp {
  if (tx.state.step === 'qr' || tx.state.step === 'otp') ctx.store.unindexOp(tx.state.op.opId);
  const opId = newId();
  const op: HybridOp = {
    opId,
    serial,
    expiresAt: ctx.clock.now().getTime() + ctx.timers.qrLifetimeMs,
    challenge: ctx.behaviour.hybridChallenge === 'opid' ? opId : randomBytes(32).toString('hex'),
    outcome: { kind: 'waiting' },
  };
  ctx.store.indexOp(opId, tx);
  tx.state = { step: 'qr', op };
  ctx.store.opStarted(tx);
  return op;
}

/** The URL encoded in the QR (`…/idp/erroreQr.jsp?opId&opType&SPName&IdPName&userId&opText&SPLogo`). */
export function qrPayload(ctx: IdpContext, tx: Transaction, op: HybridOp): string {
  const e = encodeURIComponent;
  return (
    `${ctx.urls.base}/idp/erroreQr.jsp?opId=${e(op.opId)}&opType=login&SPName=${e(tx.requester.displayName)}` +
    `&IdPName=${e(ctx.behaviour.idpName)}&userId=${e(op.serial)}&opText=${e(opText(tx.requester))}` +
    `&SPLogo=${e(spLogo(ctx, tx.requester))}`
  );
}

// The library's mask choice, made without a method call per module (qr-mask.ts).
installQrMaskFastPath();

/**
 * The QR code of `payload` as SVG. One byte-mode segment (ISO/IEC 18004 §7.4.5) rather than the
 * library's cheapest mix of modes: the payload is a URL, mostly outside the alphanumeric set, and
 * searching for the mix was about half of the symbol's CPU; any reader decodes both the same.
 */
export function qrSvg(payload: string): Promise<string> {
  return QRCode.toString([{ data: new TextEncoder().encode(payload), mode: 'byte' }], {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 2,
  });
}

export function remainingSeconds(ctx: IdpContext, op: HybridOp): number {
  return Math.max(0, Math.ceil((op.expiresAt - ctx.clock.now().getTime()) / 1000));
}

export interface AppCall {
  readonly opId: string;
  readonly userId: string;
  /** DER of the card certificate (from `cert`, or from the TLS handshake). */
  readonly certificate: Uint8Array;
  /** Hex signature over the challenge; absent for the resolve call (H1) and the mutual-TLS call. */
  readonly signature?: string;
  /** The TLS handshake proved the key (legacy X509AuthIbrido). */
  readonly keyProven?: boolean;
}

export interface AppAnswer {
  readonly opId: string;
  readonly opType: 'login';
  readonly opText: string;
  readonly SpName: string;
  readonly IdpName: string;
  readonly messaggio: string;
  readonly challenge?: string;
  readonly otp?: string;
  readonly otpValiditySeconds?: number;
}

function findOp(ctx: IdpContext, opId: string): { tx: Transaction; op: HybridOp } {
  const tx = ctx.store.byOp(opId);
  if (!tx) throw new AppRefusal('NOT_FOUND', `unknown opId ${opId}`);
  const s = tx.state;
  if (s.step === 'otp' && s.op.opId === opId)
    throw new AppRefusal('ALREADY_USED', 'the operation is already signed');
  if (s.step !== 'qr' || s.op.opId !== opId)
    throw new AppRefusal('NOT_FOUND', 'the operation is no longer current');
  return { tx, op: s.op };
}

function refuse(
  ctx: IdpContext,
  tx: Transaction,
  op: HybridOp,
  code: AppCode,
  detail: string,
): never {
  record(ctx, 'hybrid', `${op.opId} refused: ${code} (${detail})`);
  if (isCardInvalid(code)) tx.state = { step: 'failed', code: 23, detail };
  else op.outcome = { kind: 'refused', code, message: APP_CODES[code].messaggio };
  throw new AppRefusal(code, detail);
}

/** The app's call on the hybrid endpoint (H1 without signature, H2 with it, or mutual TLS). */
export function appHybridCall(ctx: IdpContext, call: AppCall): AppAnswer {
  const { tx, op } = findOp(ctx, call.opId);
  const now = ctx.clock.now().getTime();
  if (now > tx.deadline) throw new AppRefusal('TIMEOUT', 'login time budget exceeded');
  if (now > op.expiresAt) throw new AppRefusal('SESSION_EXPIRED', 'QR code expired');
  if (call.userId !== op.serial)
    throw new AppRefusal('USER_MISMATCH', `userId ${call.userId} is not the QR's`);
  let identity;
  try {
    identity = checkCard(ctx, call.certificate, op.serial);
  } catch (e) {
    if (e instanceof AppRefusal) refuse(ctx, tx, op, e.appCode, e.message);
    throw e;
  }
  const base: AppAnswer = {
    opId: op.opId,
    opType: 'login',
    opText: opText(tx.requester),
    SpName: tx.requester.displayName,
    IdpName: ctx.behaviour.idpName,
    messaggio: 'Firma la richiesta con la tua CIE',
  };
  if (call.signature === undefined && !call.keyProven) return { ...base, challenge: op.challenge };
  if (!call.keyProven) {
    try {
      checkSignature(identity, op.challenge, call.signature as string);
    } catch (e) {
      if (e instanceof AppRefusal) refuse(ctx, tx, op, e.appCode, e.message);
      throw e;
    }
  }
  const citizen = citizenOf(ctx, identity);
  const otp = numericCode(OTP_DIGITS);
  op.outcome = { kind: 'signed', citizen };
  tx.state = {
    step: 'otp',
    op,
    otp,
    expiresAt: now + ctx.timers.otpLifetimeMs,
    triesLeft: ctx.timers.otpTries,
    citizen,
  };
  record(ctx, 'hybrid', `${op.opId} signed by ${identity.fiscalCode}; OTP issued`);
  return {
    ...base,
    messaggio: `Inserisci il codice ${otp} nella pagina del browser`,
    otp,
    otpValiditySeconds: Math.round(ctx.timers.otpLifetimeMs / 1000),
  };
}

/** Constant-time OTP comparison. */
export function otpMatches(expected: string, typed: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(typed);
  return a.length === b.length && timingSafeEqual(a, b);
}
