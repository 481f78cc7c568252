/**
 * The card checks shared by every level-3 variant (hybrid, TLS 1.3 challenge, Login2, desktop):
 * certificate trust, validity, revocation, optional serial binding, the signature over a challenge
 * (RSASSA-PKCS1-v1_5 with SHA-256: what the card's key 81 produces over a SHA-256 DigestInfo), and
 * the citizen's attributes (names and fiscal code from the certificate, date of birth from the
 * registry). Every refusal carries the app-visible code of L3-PROTOCOL.md §6.
 */
import { verify } from 'node:crypto';
import type { IdpContext } from '../context.ts';
import type { CitizenAttributes } from '../saml/response.ts';
import type { CardIdentity, CertRefusal } from '../trust/card-trust.ts';

export type AppCode =
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'SESSION_EXPIRED'
  | 'ALREADY_USED'
  | 'USER_MISMATCH'
  | 'SIGNATURE_INVALID'
  | 'TIMEOUT'
  | 'METHOD_NOT_ALLOWED'
  | 'INTERNAL'
  | CertRefusal;

export const APP_CODES: Readonly<Record<AppCode, { http: number; messaggio: string }>> = {
  BAD_REQUEST: { http: 400, messaggio: 'Richiesta non valida' },
  NOT_FOUND: { http: 404, messaggio: 'Operazione non trovata' },
  SESSION_EXPIRED: { http: 410, messaggio: 'Il QR Code non è più valido' },
  ALREADY_USED: { http: 409, messaggio: 'Operazione già completata' },
  USER_MISMATCH: { http: 403, messaggio: "L'utente non corrisponde all'operazione" },
  CERT_MALFORMED: { http: 400, messaggio: 'Certificato della carta non leggibile' },
  CERT_UNTRUSTED: { http: 403, messaggio: 'Carta non riconosciuta' },
  CERT_EXPIRED: { http: 403, messaggio: 'Carta scaduta' },
  CERT_REVOKED: { http: 403, messaggio: 'Carta non valida: certificato revocato' },
  SERIAL_MISMATCH: {
    http: 403,
    messaggio: 'La CIE utilizzata non corrisponde al numero seriale inserito',
  },
  SIGNATURE_INVALID: { http: 403, messaggio: 'Firma non valida' },
  TIMEOUT: { http: 410, messaggio: "Tempo scaduto per completare l'autenticazione" },
  METHOD_NOT_ALLOWED: { http: 405, messaggio: 'Metodo non consentito' },
  INTERNAL: { http: 500, messaggio: 'Errore interno' },
};

/** Refusals that end the login with SAML error 23 (expired or revoked card). */
export function isCardInvalid(code: AppCode): boolean {
  return code === 'CERT_EXPIRED' || code === 'CERT_REVOKED';
}

export class AppRefusal extends Error {
  readonly appCode: AppCode;
  constructor(code: AppCode, detail: string) {
    super(detail);
    this.appCode = code;
  }
}

/** Runs the certificate checks; throws {@link AppRefusal}. */
export function checkCard(
  ctx: IdpContext,
  certificate: Uint8Array,
  expectedSerial?: string,
): CardIdentity {
  const r = ctx.trust.check(
    certificate,
    ctx.clock.now(),
    ctx.behaviour.serialCheck ? expectedSerial : undefined,
  );
  if (!r.ok) throw new AppRefusal(r.code, r.detail);
  return r.identity;
}

/** Verifies the card's signature (hex) over the UTF-8 bytes of `challenge`. */
export function checkSignature(
  identity: CardIdentity,
  challenge: string,
  signatureHex: string,
): void {
  const sig = Buffer.from(signatureHex, 'hex');
  let ok = false;
  try {
    ok = verify('sha256', Buffer.from(challenge, 'utf8'), identity.certificate.publicKey, sig);
  } catch {
    ok = false;
  }
  if (!ok)
    throw new AppRefusal(
      'SIGNATURE_INVALID',
      'the signature does not verify with the card certificate',
    );
}

/** The four attributes of the citizen behind a checked certificate. */
export function citizenOf(ctx: IdpContext, id: CardIdentity): CitizenAttributes {
  const birth = ctx.citizens.birthDate(id.fiscalCode, ctx.clock.now());
  if (!birth) throw new AppRefusal('CERT_MALFORMED', `no date of birth for ${id.fiscalCode}`);
  const reg = ctx.citizens.get(id.fiscalCode);
  return {
    name: id.givenName || reg?.givenName || '',
    familyName: id.surname || reg?.surname || '',
    fiscalCode: id.fiscalCode,
    dateOfBirth: birth,
  };
}

/** Hex text (either case, even length) → bytes; throws BAD_REQUEST otherwise. */
export function hexParam(value: string, what: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})+$/.test(value))
    throw new AppRefusal('BAD_REQUEST', `${what} is not hexadecimal`);
  return new Uint8Array(Buffer.from(value, 'hex'));
}
