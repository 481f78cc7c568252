/**
 * "Registra la tua carta": the user types the card's serial number and the full 8-digit PIN and
 * holds the card to the phone. No network call is made (italia/cieid-ios-sdk
 * `CIETagReader.abbina`). The agent:
 *
 * 1. reads the NIS (EF.ID_Servizi) — a card that refuses is not a CIE; a NIS already registered is
 *    refused with the app's FF02 text unless the user asked to register it again (the iOS app
 *    deletes the previous keychain entry of that NIS before storing the new one);
 * 2. reads EF 1005, EF.SOD and EF 1004 and checks EF.SOD — passive authentication of the IAS
 *    application: CMS signature, Document Signer → configured CSCA, and the hashes of the NIS
 *    (data group A1) and both public keys (A4, A5) — before the PIN leaves the phone;
 * 3. opens DH + device authentication, VERIFY with the 8 digits;
 * 4. reads EF 1002 (serial) and EF 1003 (certificate) and checks their hashes (A2 over the first 9
 *    bytes, A3 over the DER length), the certificate's `serialNumber = IDCIT-<typed serial>`, its
 *    names (FF01 when missing), its chain to a configured citizen-authentication CA, its validity
 *    at the phone's date and, when CRLs are configured, its revocation;
 * 5. stores NIS, certificate, names, serial and the first 4 PIN digits (encrypted).
 *
 * The SOD hashing rules (what is hashed for each data group) are the desktop middleware's
 * (italia/cie-middleware-linux `AbilitaCIE.cpp`, `VerificaSOD*`), the chain check the IPZS NIS
 * SDK's (italia/cie-nis-java-sdk `verifySod`).
 */
import { asciiBytes } from '../../emulator/src/bytes/bytes.ts';
import { toHex } from '../../emulator/src/bytes/hex.ts';
import { TerminalError } from '../../harness/terminals/common/step-report.ts';
import { trimDer, validateSod } from '../../harness/terminals/ias/validation.ts';
import type { AppContext } from './app-context.ts';
import { tapContext } from './app-context.ts';
import { verifyTyped } from './card-management.ts';
import type { CardSession } from './card-session.ts';
import {
  CertificateFormatError,
  checkHolderCertificate,
  holderIdentity,
  type HolderIdentity,
} from './certificate.ts';
import { appEvent, raise } from './events.ts';
import { withCard } from './phone.ts';
import { isEightDigits, splitPin } from './pin.ts';
import type { Registration } from './profile-store.ts';

export const SERIAL_PATTERN = /^C[A-Z]\d{5}[A-Z]{2}$/;

export interface RegistrationInput {
  /** Card serial number as printed on the front (`CA00000AA`). */
  readonly serial: string;
  /** The full 8-digit PIN. */
  readonly pin: string;
  /** Register a card that is already registered on this phone (its entry is replaced). */
  readonly replace?: boolean;
}

function sodCheck(ctx: AppContext, sod: Uint8Array, groups: ReadonlyMap<number, Uint8Array>): void {
  try {
    validateSod(sod, groups, ctx.trust.csca, ctx.clock.now());
  } catch (e) {
    if (e instanceof TerminalError) raise(appEvent('DOCUMENT_CHECK_FAILED', { detail: e.message }));
    throw e;
  }
}

async function checkCertificate(
  ctx: AppContext,
  cert: Uint8Array,
  typedSerial: string,
): Promise<HolderIdentity> {
  let id: HolderIdentity;
  try {
    id = holderIdentity(cert);
  } catch (e) {
    if (e instanceof CertificateFormatError) raise(appEvent('CERTIFICATE_INVALID'));
    throw e;
  }
  if (id.cardSerial !== typedSerial)
    raise(appEvent('SERIAL_MISMATCH', { typed: typedSerial, onCard: id.cardSerial ?? '(none)' }));
  const check = await checkHolderCertificate(cert, ctx.trust, ctx.clock.now());
  if (check.verdict === 'untrusted') raise(appEvent('CERTIFICATE_INVALID'));
  if (check.verdict === 'expired' || check.verdict === 'not-yet-valid')
    raise(appEvent('CERTIFICATE_EXPIRED'));
  if (check.verdict === 'revoked') raise(appEvent('CERTIFICATE_REVOKED'));
  return id;
}

async function readAndCheck(
  ctx: AppContext,
  s: CardSession,
  input: RegistrationInput,
): Promise<{ nis: string; cert: Uint8Array; id: HolderIdentity }> {
  const nis = await s.readNis();
  if (ctx.store.get(nis) && !input.replace) raise(appEvent('CARD_ALREADY_REGISTERED'));
  const files = await s.readPublicFiles(nis);
  sodCheck(
    ctx,
    files.sod,
    new Map([
      [0xa1, asciiBytes(nis)],
      [0xa4, trimDer(files.intKpub)],
      [0xa5, trimDer(files.serviziKpub)],
    ]),
  );
  await s.openSecureChannel();
  await verifyTyped(ctx, s, 'PIN', input.pin);
  const serial = await s.readSerial();
  const cert = await s.readCertificate();
  sodCheck(
    ctx,
    files.sod,
    new Map([
      [0xa2, serial.raw.subarray(0, 9)],
      [0xa3, cert],
    ]),
  );
  const id = await checkCertificate(ctx, cert, input.serial);
  if (serial.serial !== id.cardSerial)
    raise(
      appEvent('DOCUMENT_CHECK_FAILED', {
        detail: `EF.Seriale ${serial.serial} differs from the certificate's IDCIT-${id.cardSerial ?? ''}`,
      }),
    );
  return { nis, cert, id };
}

/** Registers the card on the phone; the result is the stored registration (no PIN digits). */
export async function registerCard(
  ctx: AppContext,
  input: RegistrationInput,
): Promise<Registration> {
  const serial = input.serial.trim().toUpperCase();
  if (!SERIAL_PATTERN.test(serial)) raise(appEvent('SERIAL_FORMAT'));
  if (!isEightDigits(input.pin)) raise(appEvent('PIN_FORMAT'));
  const { nis, cert, id } = await withCard(tapContext(ctx), (s) =>
    readAndCheck(ctx, s, { ...input, serial }),
  );
  const registration: Registration = {
    nis,
    serial,
    givenName: id.givenName,
    surname: id.surname,
    ...(id.fiscalCode ? { fiscalCode: id.fiscalCode } : {}),
    certificate: toHex(cert),
    registeredAt: ctx.clock.now().toISOString(),
    pinHalfStatus: 'ok',
  };
  ctx.store.put(registration, splitPin(input.pin).first);
  return registration;
}
