/**
 * Terminal Authentication v1 (EAC1), chip side: certificate-chain import and the challenge-
 * response, as a state machine (DESIGN.md §4). BSI TR-03110 v1.11 (EAC1) and its Annex C as
 * referenced by ICAO Doc 9303-11 §7.1; emrtd/README.md §2.7 (the CIE flow of the IPZS .NET SDK).
 *
 * ```
 * idle ──MSE:Set DST 81B6 (83 CAR)──► key-selected ──PSO:VERIFY CERTIFICATE 00 2A 00 BE──► idle (+ imported key)
 *   … repeated for CVCA link → DV → IS …
 * idle ──MSE:Set AT 81A4 (83 CHR of IS)──► terminal-selected
 * terminal-selected ──GET CHALLENGE (8)── EXTERNAL AUTHENTICATE (signature)──► authenticated (rights)
 * ```
 * The chip's "current date" (persistent) is the latest effective date of accepted CVCA, DV and
 * domestic-IS certificates; a certificate whose expiration date is before it is refused. The
 * effective rights are the AND of the CHATs of CVCA, DV and IS (bits: DG3, DG4).
 */
import { findTlv, type Tlv } from '../../bytes/ber-tlv.ts';
import { bytesToAscii, concatBytes } from '../../bytes/bytes.ts';
import {
  SW_6300_VERIFICATION_FAILED,
  SW_6985_CONDITIONS_NOT_SATISFIED,
  SW_6A80_INCORRECT_DATA,
  SW_6A88_REFERENCED_DATA_NOT_FOUND,
  type StatusWord,
} from '../../apdu/status-words.ts';
import { CardError } from '../../card/card-error.ts';
import type { CurveName } from '../domain/ec-domain.ts';
import { ID_IS } from '../oids.ts';
import {
  compareCvDates,
  CvCertificateError,
  parseCvCertificate,
  RIGHT_READ_DG3,
  RIGHT_READ_DG4,
  type CvCertificate,
  type CvRole,
} from './cv-certificate.ts';
import { curveOfParams, taVerify } from './cv-signature.ts';

export const TA_ERRORS = {
  /** Command out of the TA sequence (no key selected, no terminal key, no CA, no challenge). */
  outOfSequence: SW_6985_CONDITIONS_NOT_SATISFIED,
  /** Unknown CAR / CHR in MSE (TR-03110: reference data not found). */
  unknownReference: SW_6A88_REFERENCED_DATA_NOT_FOUND,
  /** Certificate malformed, wrong issuer, bad signature, expired, role not allowed. */
  badCertificate: SW_6A80_INCORRECT_DATA,
  /** EXTERNAL AUTHENTICATE signature does not verify. */
  authenticationFailed: SW_6300_VERIFICATION_FAILED,
} as const satisfies Record<string, StatusWord>;

/** A public key the chip can verify signatures with. */
export interface VerificationKey {
  readonly chr: string;
  readonly role: CvRole;
  readonly curve: CurveName;
  readonly algorithmOid: string;
  readonly point: Uint8Array;
  /** Rights bits of this key's chain so far (AND of the CHATs). */
  readonly rights: number;
  /** Whether its chain is domestic (CVCA → DV-domestic); decides date updates for IS certificates. */
  readonly domestic: boolean;
  readonly expiration: string;
}

/** Non-volatile TA data of the chip: trust points and the current date. */
export interface TaPersistentState {
  trustPoints: VerificationKey[];
  currentDate: string;
}

export type TaCardState =
  | { readonly step: 'idle'; readonly keys: readonly VerificationKey[] }
  | {
      readonly step: 'key-selected';
      readonly keys: readonly VerificationKey[];
      readonly selected: VerificationKey;
    }
  | {
      readonly step: 'terminal-selected';
      readonly keys: readonly VerificationKey[];
      readonly terminal: VerificationKey;
    }
  | { readonly step: 'authenticated'; readonly rights: number; readonly chr: string };

export const TA_IDLE: TaCardState = Object.freeze({ step: 'idle', keys: [] });

/** What EXTERNAL AUTHENTICATE binds to (9303-11 §7.1.2 / emrtd/README.md §2.7 item 5). */
export interface TaBinding {
  /** Document number ‖ check digit after BAC, or Comp(PK_IC of PACE) after PACE. */
  readonly idPicc: Uint8Array;
  /** Comp() of the terminal's ephemeral Chip Authentication public key. */
  readonly compPkPcd: Uint8Array;
}

const fail = (sw: StatusWord, reason: string): CardError => new CardError(sw, `TA: ${reason}`);

const ALLOWED_ISSUER: Readonly<Record<CvRole, readonly CvRole[]>> = {
  cvca: ['cvca'],
  'dv-domestic': ['cvca'],
  'dv-foreign': ['cvca'],
  is: ['dv-domestic', 'dv-foreign'],
};

function keysOf(state: TaCardState): readonly VerificationKey[] {
  return state.step === 'authenticated' ? [] : state.keys;
}

function reference(dos: readonly Tlv[]): string {
  const ref = findTlv(dos, 0x83);
  if (!ref || ref.value.length === 0 || dos.length !== 1)
    throw fail(TA_ERRORS.badCertificate, 'MSE needs exactly DO 83');
  return bytesToAscii(ref.value);
}

/** MSE:Set DST (81 B6): selects the key that verifies the next certificate. */
export function taSetDst(
  state: TaCardState,
  persistent: TaPersistentState,
  dos: readonly Tlv[],
): TaCardState {
  const car = reference(dos);
  const keys = keysOf(state);
  const selected = [...persistent.trustPoints, ...keys].find(
    (k) => k.chr === car && k.role !== 'is',
  );
  if (!selected) throw fail(TA_ERRORS.unknownReference, `no public key ${car}`);
  return { step: 'key-selected', keys, selected };
}

function checkCertificate(
  cert: CvCertificate,
  issuer: VerificationKey,
  persistent: TaPersistentState,
): void {
  if (cert.cpi !== 0) throw fail(TA_ERRORS.badCertificate, `CPI ${cert.cpi}`);
  if (cert.car !== issuer.chr)
    throw fail(TA_ERRORS.badCertificate, `CAR ${cert.car} is not the selected key ${issuer.chr}`);
  if (cert.chatOid !== ID_IS) throw fail(TA_ERRORS.badCertificate, `CHAT role OID ${cert.chatOid}`);
  if (!ALLOWED_ISSUER[cert.role].includes(issuer.role))
    throw fail(TA_ERRORS.badCertificate, `${cert.role} certificate issued by ${issuer.role}`);
  if (cert.publicKey.oid !== issuer.algorithmOid)
    throw fail(TA_ERRORS.badCertificate, 'signature algorithm differs from the issuer key');
  if (!taVerify(issuer.curve, issuer.algorithmOid, issuer.point, cert.body, cert.signature))
    throw fail(TA_ERRORS.badCertificate, 'signature does not verify');
  if (compareCvDates(cert.expiration, persistent.currentDate) < 0) {
    throw fail(
      TA_ERRORS.badCertificate,
      `certificate expired ${cert.expiration} before the chip date ${persistent.currentDate}`,
    );
  }
}

/** PSO:VERIFY CERTIFICATE (00 2A 00 BE). Updates trust points and the chip date (persistent). */
export function taVerifyCertificate(
  state: TaCardState,
  persistent: TaPersistentState,
  data: Uint8Array,
): TaCardState {
  if (state.step !== 'key-selected')
    throw fail(TA_ERRORS.outOfSequence, 'PSO:VERIFY CERTIFICATE without MSE:Set DST');
  let cert: CvCertificate;
  try {
    cert = parseCvCertificate(data);
  } catch (e) {
    if (e instanceof CvCertificateError) throw fail(TA_ERRORS.badCertificate, e.message);
    throw e;
  }
  const issuer = state.selected;
  checkCertificate(cert, issuer, persistent);
  const curve = cert.publicKey.params ? curveOfParams(cert.publicKey.params) : issuer.curve;
  if (!curve) throw fail(TA_ERRORS.badCertificate, 'unknown domain parameters');
  const domestic =
    cert.role === 'cvca' || cert.role === 'dv-domestic' || (cert.role === 'is' && issuer.domestic);
  const key: VerificationKey = {
    chr: cert.chr,
    role: cert.role,
    curve,
    algorithmOid: cert.publicKey.oid,
    point: cert.publicKey.point,
    rights: issuer.rights & cert.chat & (RIGHT_READ_DG3 | RIGHT_READ_DG4),
    domestic,
    expiration: cert.expiration,
  };
  if (domestic && compareCvDates(cert.effective, persistent.currentDate) > 0)
    persistent.currentDate = cert.effective;
  if (cert.role === 'cvca') {
    // Link certificate: a new trust point (TR-03110 v1.11, CVCA link certificates); the previous one stays until it expires.
    persistent.trustPoints = [...persistent.trustPoints.filter((k) => k.chr !== key.chr), key];
    return { step: 'idle', keys: state.keys };
  }
  return { step: 'idle', keys: [...state.keys.filter((k) => k.chr !== key.chr), key] };
}

/** MSE:Set AT (81 A4) naming the IS certificate's CHR; requires a completed Chip Authentication. */
export function taSetAt(
  state: TaCardState,
  dos: readonly Tlv[],
  chipAuthenticated: boolean,
): TaCardState {
  if (!chipAuthenticated)
    throw fail(
      TA_ERRORS.outOfSequence,
      'Terminal Authentication needs Chip Authentication first (EAC1)',
    );
  const chr = reference(dos);
  const keys = keysOf(state);
  const terminal = keys.find((k) => k.chr === chr && k.role === 'is');
  if (!terminal) throw fail(TA_ERRORS.unknownReference, `no imported IS key ${chr}`);
  return { step: 'terminal-selected', keys, terminal };
}

/** The message the IS signs: ID_PICC ‖ r_PICC ‖ Comp(PK_PCD) (9303-11 §7.1.2). */
export function taMessage(binding: TaBinding, challenge: Uint8Array): Uint8Array {
  return concatBytes(binding.idPicc, challenge, binding.compPkPcd);
}

/** EXTERNAL AUTHENTICATE: verifies the terminal's signature; returns the granted rights. */
export function taExternalAuthenticate(
  state: TaCardState,
  challenge: Uint8Array | undefined,
  signature: Uint8Array,
  binding: TaBinding,
): TaCardState {
  if (state.step !== 'terminal-selected')
    throw fail(TA_ERRORS.outOfSequence, 'EXTERNAL AUTHENTICATE without MSE:Set AT');
  if (!challenge || challenge.length !== 8)
    throw fail(TA_ERRORS.outOfSequence, 'EXTERNAL AUTHENTICATE without a fresh 8-byte challenge');
  const t = state.terminal;
  if (!taVerify(t.curve, t.algorithmOid, t.point, taMessage(binding, challenge), signature)) {
    throw fail(TA_ERRORS.authenticationFailed, 'terminal signature does not verify');
  }
  return { step: 'authenticated', rights: t.rights, chr: t.chr };
}

/** A trust point from a CVCA certificate body (personalisation). */
export function trustPointFrom(cert: CvCertificate): VerificationKey {
  const curve = cert.publicKey.params ? curveOfParams(cert.publicKey.params) : undefined;
  if (!curve)
    throw new CvCertificateError(
      'a trust point needs a CVCA key with known explicit domain parameters',
    );
  return {
    chr: cert.chr,
    role: 'cvca',
    curve,
    algorithmOid: cert.publicKey.oid,
    point: cert.publicKey.point,
    rights: cert.chat & (RIGHT_READ_DG3 | RIGHT_READ_DG4),
    domestic: true,
    expiration: cert.expiration,
  };
}
