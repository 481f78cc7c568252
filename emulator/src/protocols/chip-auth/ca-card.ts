/**
 * Chip Authentication v1, chip side (ICAO Doc 9303-11, 8th ed. 2021, §6.2 and §6.2.4 APDUs;
 * emrtd/README.md §2.6). Implicit authentication: the chip proves its DG14 key by deriving new SM keys.
 *
 * ```
 * 3DES (the CIE's):  0C 22 41 A6  MSE:Set KAT  91 L PK_PCD [84 L keyId]        → 9000 (old keys)
 * AES (and 3DES):    0C 22 41 A4  MSE:Set AT   80 L CA-OID [84 L keyId]        → 9000
 *                    0C 86 00 00  GENERAL AUTHENTICATE 7C { 80 L PK_PCD }       → 7C 00 (old keys)
 * both sides: K = KA(SK_IC, PK_PCD); KS_enc = KDF(K,1), KS_mac = KDF(K,2); SSC = 0
 * ```
 * KAT and GENERAL AUTHENTICATE must arrive under secure messaging (ICAO Part 3 ISO7816_I "without
 * SM"); MSE:Set AT only selects protocol and key, so it is accepted in plain too (ICAO Part 3
 * ISO7816_I_20 expects `9000` for the plain MSE:Set AT and a failing GENERAL AUTHENTICATE). An
 * invalid public key or an unknown key reference answers `6300` (ICAO Part 3 I_18, I_22, I_27–I_29:
 * `6300` or an implicit failure); the old session keys stay in force.
 */
import { findTlv, type Tlv } from '../../bytes/ber-tlv.ts';
import {
  SW_6300_VERIFICATION_FAILED,
  SW_6982_SECURITY_STATUS_NOT_SATISFIED,
  SW_6985_CONDITIONS_NOT_SATISFIED,
  SW_6A80_INCORRECT_DATA,
  SW_6A88_REFERENCED_DATA_NOT_FOUND,
  type StatusWord,
} from '../../apdu/status-words.ts';
import { CardError } from '../../card/card-error.ts';
import type { SmSession } from '../../sm/sm-session.ts';
import { oidToString } from '../asn1/der.ts';
import { KeyAgreementError, type AgreementDomain } from '../domain/agreement-domain.ts';
import { sessionFromSecret } from '../kdf.ts';
import type { ChipAuthProtocol } from '../oids.ts';
import { gaTemplate, GaFormatError, parseGaTemplate } from '../pace/pace-crypto.ts';

export const CA_ERRORS = {
  /** Not under secure messaging (BAC or PACE first). */
  noSecureMessaging: SW_6982_SECURITY_STATUS_NOT_SATISFIED,
  /** GA for CA without MSE:Set AT; KAT with a non-3DES key (9303-11 §6.2.4.1). */
  outOfSequence: SW_6985_CONDITIONS_NOT_SATISFIED,
  /** Malformed data, unknown OID. */
  badData: SW_6A80_INCORRECT_DATA,
  /** Invalid ephemeral public key (size, value, point): the key agreement fails (ICAO Part 3 I_18, I_28). */
  badKey: SW_6300_VERIFICATION_FAILED,
  /** Unknown key identifier (ICAO Part 3 I_27: `6300` or `9000`). */
  unknownKey: SW_6300_VERIFICATION_FAILED,
  /** No key in the chip at all. */
  noKey: SW_6A88_REFERENCED_DATA_NOT_FOUND,
} as const satisfies Record<string, StatusWord>;

export const DO_91_EPHEMERAL_KEY = 0x91;
export const DO_80_CA_OID = 0x80;
export const DO_84_KEY_ID = 0x84;

export interface ChipAuthKey {
  readonly protocol: ChipAuthProtocol;
  readonly domain: AgreementDomain;
  readonly privateKey: bigint;
  readonly publicKey: Uint8Array;
  readonly keyId?: number;
}

export type CaCardState =
  | { readonly step: 'idle' }
  | { readonly step: 'key-selected'; readonly key: ChipAuthKey }
  /** MSE:Set AT named a key the chip does not have: the following GENERAL AUTHENTICATE fails too. */
  | { readonly step: 'refused' };
export const CA_IDLE: CaCardState = Object.freeze({ step: 'idle' });

export interface CaResult {
  /** Response data (empty for KAT, `7C 00` for GA). */
  readonly data: Uint8Array;
  readonly session: SmSession;
  readonly pkPcd: Uint8Array;
  readonly key: ChipAuthKey;
}

const fail = (sw: StatusWord, reason: string): CardError => new CardError(sw, `CA: ${reason}`);

function pickKey(keys: readonly ChipAuthKey[], dos: readonly Tlv[]): ChipAuthKey {
  const idDo = findTlv(dos, DO_84_KEY_ID);
  if (!idDo) {
    const first = keys[0];
    if (!first) throw fail(CA_ERRORS.noKey, 'no Chip Authentication key');
    return first;
  }
  let id = 0;
  for (const b of idDo.value) id = id * 256 + b;
  const key = keys.find((k) => k.keyId === id);
  if (!key) throw fail(CA_ERRORS.unknownKey, `no key with keyId ${id}`);
  return key;
}

function agree(key: ChipAuthKey, pkPcd: Uint8Array): SmSession {
  try {
    return sessionFromSecret(
      key.domain.sharedSecret(key.privateKey, pkPcd),
      key.protocol.cipher,
      0n,
    );
  } catch (e) {
    if (e instanceof KeyAgreementError) throw fail(CA_ERRORS.badKey, e.message);
    throw e;
  }
}

function checkDos(dos: readonly Tlv[], allowed: readonly number[]): void {
  const stranger = dos.find((d) => !allowed.includes(d.tag));
  if (stranger) throw fail(CA_ERRORS.badData, `unexpected DO ${stranger.tag.toString(16)}`);
}

/** MSE:Set KAT (41 A6): key agreement in one command (3DES protocols only). */
export function caSetKat(
  keys: readonly ChipAuthKey[],
  dos: readonly Tlv[],
  smProtected: boolean,
): CaResult {
  if (!smProtected) throw fail(CA_ERRORS.noSecureMessaging, 'MSE:Set KAT without secure messaging');
  checkDos(dos, [DO_91_EPHEMERAL_KEY, DO_84_KEY_ID]);
  const pk = findTlv(dos, DO_91_EPHEMERAL_KEY);
  if (!pk) throw fail(CA_ERRORS.badData, 'DO 91 (ephemeral public key) missing');
  const key = pickKey(keys, dos);
  if (key.protocol.cipher !== '3DES')
    throw fail(CA_ERRORS.outOfSequence, 'MSE:Set KAT is defined for 3DES Chip Authentication only');
  return { data: new Uint8Array(0), session: agree(key, pk.value), pkPcd: pk.value.slice(), key };
}

/** MSE:Set AT (41 A4) for Chip Authentication: selects protocol and key (plain or protected). */
export function caSetAt(keys: readonly ChipAuthKey[], dos: readonly Tlv[]): CaCardState {
  checkDos(dos, [DO_80_CA_OID, DO_84_KEY_ID]);
  const oidDo = findTlv(dos, DO_80_CA_OID);
  if (!oidDo || oidDo.value.length === 0) throw fail(CA_ERRORS.badData, 'DO 80 (CA OID) missing');
  let oid: string;
  try {
    oid = oidToString(oidDo.value);
  } catch {
    throw fail(CA_ERRORS.badData, 'DO 80 is not an OID');
  }
  const key = pickKey(keys, dos);
  if (key.protocol.oid !== oid)
    throw fail(CA_ERRORS.badData, `protocol ${oid} is not the key's ${key.protocol.oid}`);
  return { step: 'key-selected', key };
}

/** GENERAL AUTHENTICATE for Chip Authentication: `7C { 80 PK_PCD }` → `7C 00`. */
export function caGeneralAuthenticate(
  state: CaCardState,
  data: Uint8Array,
  smProtected: boolean,
): CaResult {
  if (!smProtected)
    throw fail(CA_ERRORS.noSecureMessaging, 'GENERAL AUTHENTICATE (CA) without secure messaging');
  if (state.step === 'refused')
    throw fail(CA_ERRORS.unknownKey, 'GENERAL AUTHENTICATE after a refused MSE:Set AT');
  if (state.step !== 'key-selected')
    throw fail(CA_ERRORS.outOfSequence, 'GENERAL AUTHENTICATE without MSE:Set AT');
  let dos: Tlv[];
  try {
    dos = parseGaTemplate(data);
  } catch (e) {
    if (e instanceof GaFormatError) throw fail(CA_ERRORS.badData, e.message);
    throw e;
  }
  const [pk, ...extra] = dos;
  if (!pk || pk.tag !== 0x80 || extra.length > 0)
    throw fail(CA_ERRORS.badData, 'expected 7C { 80 PK_PCD }');
  return {
    data: gaTemplate(),
    session: agree(state.key, pk.value),
    pkPcd: pk.value.slice(),
    key: state.key,
  };
}
