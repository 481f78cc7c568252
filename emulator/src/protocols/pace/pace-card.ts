/**
 * PACE, chip side, as a state machine with named steps (DESIGN.md §4). ICAO Doc 9303-11
 * (8th ed. 2021) §4.4 (protocol), §4.4.4 (APDUs), §9.7.3–9.7.4; emrtd/README.md §1.4 (the real CIE
 * exchange), §2.5 (SWs).
 *
 * ```
 *            MSE:Set AT C1A4 (80 OID, 83 pwd, [84 param], [7F4C CHAT])
 *   idle ───────────────────────────────────────────────► ready
 *   ready                  GA 10 86  7C{}          ─► 7C{80 z}        ─► awaiting-mapping
 *   awaiting-mapping       GA 10 86  7C{81 PKmap}  ─► 7C{82 PKmap,IC} ─► awaiting-key-agreement
 *   awaiting-key-agreement GA 10 86  7C{83 PK}     ─► 7C{84 PK_IC}    ─► awaiting-token
 *   awaiting-token         GA 00 86  7C{85 T_PCD}  ─► 7C{86 T_IC [87 CAR] [88 CAR]} ─► idle + SM session
 * ```
 * A second step 1 (empty 7C) right after step 1 starts the nonce step again with a fresh nonce;
 * the protocol then completes with the new one (ICAO Part 3 ISO7816_P_14).
 * Any error answers the SW of {@link PACE_ERRORS} and the caller returns the machine to `idle`
 * (ICAO Part 3 category P: a failed or out-of-sequence step ends the protocol; the terminal starts
 * again with MSE:Set AT). A command other than GENERAL AUTHENTICATE between two steps also resets
 * it (P_58..P_61; done by the application, which sees every command).
 */
import { equalBytes } from '../../bytes/bytes.ts';
import { tlv, type Tlv } from '../../bytes/ber-tlv.ts';
import { toHex } from '../../bytes/hex.ts';
import {
  SW_6300_VERIFICATION_FAILED,
  SW_6883_LAST_COMMAND_OF_CHAIN_EXPECTED,
  SW_6985_CONDITIONS_NOT_SATISFIED,
  SW_6A80_INCORRECT_DATA,
  SW_6A88_REFERENCED_DATA_NOT_FOUND,
  type StatusWord,
} from '../../apdu/status-words.ts';
import { CardError } from '../../card/card-error.ts';
import { randomBelow, type Rng } from '../../crypto/rng.ts';
import type { SmSession } from '../../sm/sm-session.ts';
import { oidToString } from '../asn1/der.ts';
import { KeyAgreementError, type AgreementDomain } from '../domain/agreement-domain.ts';
import { standardDomain } from '../domain/standard-domains.ts';
import { cipherBlockSize, encryptBlocks, kdf, KDF_MAC, sessionFromSecret } from '../kdf.ts';
import type { PaceProtocol } from '../oids.ts';
import type { PaceInfo } from '../security-infos.ts';
import {
  authenticationToken,
  DO_80_ENCRYPTED_NONCE,
  DO_81_MAPPING_PCD,
  DO_82_MAPPING_IC,
  DO_83_EPHEMERAL_PCD,
  DO_84_EPHEMERAL_IC,
  DO_85_TOKEN_PCD,
  DO_86_TOKEN_IC,
  DO_87_CAR_1,
  DO_88_CAR_2,
  gaTemplate,
  GaFormatError,
  parseGaTemplate,
  passwordKey,
  PASSWORD_NAMES,
} from './pace-crypto.ts';

/** MSE:Set AT data objects for PACE (9303-11 §4.4.4.1). */
export const MSE_DO_80_PROTOCOL = 0x80;
export const MSE_DO_83_PASSWORD = 0x83;
export const MSE_DO_84_PARAMETER = 0x84;
export const MSE_DO_7F4C_CHAT = 0x7f4c;

/** The SW for each kind of PACE failure (emrtd/README.md §2.5 "Typical SWs" and §4.7). */
export const PACE_ERRORS = {
  /** GENERAL AUTHENTICATE without a preceding MSE:Set AT, or after the protocol was reset (emrtd/README.md §2.5 [inferred]). */
  outOfSequence: SW_6985_CONDITIONS_NOT_SATISFIED,
  /** Steps 1–3 without the chaining bit: the dialogue is a chain (9303-11 §4.4.4.2; profile option `lenient` skips the check). */
  chainExpected: SW_6985_CONDITIONS_NOT_SATISFIED,
  /** Step 4 with the chaining bit: the card expects the last command of the chain (ISO/IEC 7816-4 Table 6). */
  lastCommandExpected: SW_6883_LAST_COMMAND_OF_CHAIN_EXPECTED,
  /** Malformed 7C template, wrong inner tag, invalid public key, wrong token length (ICAO Part 3 P_11..P_53). */
  badData: SW_6A80_INCORRECT_DATA,
  /** Token mismatch, i.e. wrong password (the CIE's answer to a wrong CAN, emrtd/README.md §1.4 row 8). */
  wrongToken: SW_6300_VERIFICATION_FAILED,
  /** Unknown OID, malformed MSE data (emrtd/README.md §2.5). */
  badMse: SW_6A80_INCORRECT_DATA,
  /** Password reference the card does not support, e.g. 03 PIN on the CIE (OpenSC#2486), or unknown DO 84. */
  unknownReference: SW_6A88_REFERENCED_DATA_NOT_FOUND,
} as const satisfies Record<string, StatusWord>;

export type PaceStep =
  'idle' | 'ready' | 'awaiting-mapping' | 'awaiting-key-agreement' | 'awaiting-token';

/** What each GENERAL AUTHENTICATE step expects (the table next to the union, DESIGN.md §4). */
export const PACE_STEPS: Readonly<
  Record<Exclude<PaceStep, 'idle'>, { readonly tag: number | undefined; readonly chained: boolean }>
> = {
  ready: { tag: undefined, chained: true },
  'awaiting-mapping': { tag: DO_81_MAPPING_PCD, chained: true },
  'awaiting-key-agreement': { tag: DO_83_EPHEMERAL_PCD, chained: true },
  'awaiting-token': { tag: DO_85_TOKEN_PCD, chained: false },
};

export interface PaceSelection {
  readonly protocol: PaceProtocol;
  readonly parameterId: number;
  readonly domain: AgreementDomain;
  readonly passwordRef: number;
  readonly kPi: Uint8Array;
  readonly chat: Uint8Array | undefined;
}

export type PaceCardState =
  | { readonly step: 'idle' }
  | { readonly step: 'ready'; readonly sel: PaceSelection }
  | { readonly step: 'awaiting-mapping'; readonly sel: PaceSelection; readonly nonce: Uint8Array }
  | {
      readonly step: 'awaiting-key-agreement';
      readonly sel: PaceSelection;
      readonly mapped: AgreementDomain;
    }
  | {
      readonly step: 'awaiting-token';
      readonly sel: PaceSelection;
      readonly mapped: AgreementDomain;
      readonly pkIc: Uint8Array;
      readonly pkPcd: Uint8Array;
      readonly secret: Uint8Array;
    };

export const PACE_IDLE: PaceCardState = Object.freeze({ step: 'idle' });

export interface PaceCardConfig {
  /** The PACEInfos of EF.CardAccess: the only protocols the card accepts. */
  readonly paceInfos: readonly PaceInfo[];
  /** π per password reference the card holds (01 MRZ, 02 CAN). */
  readonly passwords: ReadonlyMap<number, Uint8Array>;
  /** Length of the nonce s (8 or 16 on CIEs, emrtd/README.md §1.2); raised to whole blocks of the cipher. */
  readonly nonceLength: number;
  readonly chaining: 'strict' | 'lenient';
  /** CARs of the chip's trust points, answered in DO 87/88 of the last step (9303-11 §4.4.4.2). */
  readonly cvcaReferences: readonly Uint8Array[];
  /** Answer the CARs only when the terminal sent a CHAT (TR-03110 EAC terminals), or always (Appendix G.2). */
  readonly carsWithoutChat?: boolean;
}

/** Where the chip's random values come from (a port, so KATs can fix them). */
export interface PaceEntropy {
  nonce(length: number): Uint8Array;
  privateKey(domain: AgreementDomain, purpose: 'mapping' | 'agreement'): bigint;
}

export function rngEntropy(rng: Rng): PaceEntropy {
  return {
    nonce: (n) => rng.bytes(n),
    privateKey: (domain) => randomBelow(rng, domain.order - 1n) + 1n,
  };
}

export interface PaceEstablished {
  readonly session: SmSession;
  readonly protocol: PaceProtocol;
  readonly passwordRef: number;
  readonly mapped: AgreementDomain;
  readonly pkIc: Uint8Array;
  readonly pkPcd: Uint8Array;
  readonly chat: Uint8Array | undefined;
}

export interface PaceStepResult {
  readonly state: PaceCardState;
  /** Response data (a 7C template). */
  readonly data: Uint8Array;
  readonly established?: PaceEstablished;
}

const fail = (sw: StatusWord, reason: string): CardError => new CardError(sw, `PACE: ${reason}`);

function singleDo(dos: readonly Tlv[], tag: number, what: string): Uint8Array | undefined {
  const hits = dos.filter((d) => d.tag === tag);
  if (hits.length > 1) throw fail(PACE_ERRORS.badMse, `${what} twice`);
  return hits[0]?.value;
}

/** MSE:Set AT for PACE: validates the DOs and selects protocol, domain and password. */
export function paceSetAt(config: PaceCardConfig, dos: readonly Tlv[]): PaceCardState {
  const known = new Set([
    MSE_DO_80_PROTOCOL,
    MSE_DO_83_PASSWORD,
    MSE_DO_84_PARAMETER,
    MSE_DO_7F4C_CHAT,
  ]);
  const stranger = dos.find((d) => !known.has(d.tag));
  if (stranger)
    throw fail(PACE_ERRORS.badMse, `unexpected DO ${stranger.tag.toString(16)} in MSE:Set AT`);
  const oidBytes = singleDo(dos, MSE_DO_80_PROTOCOL, 'DO 80');
  const pwd = singleDo(dos, MSE_DO_83_PASSWORD, 'DO 83');
  const param = singleDo(dos, MSE_DO_84_PARAMETER, 'DO 84');
  const chat = singleDo(dos, MSE_DO_7F4C_CHAT, 'DO 7F4C');
  if (!oidBytes || oidBytes.length === 0)
    throw fail(PACE_ERRORS.badMse, 'DO 80 (protocol OID) missing or empty');
  if (!pwd || pwd.length !== 1)
    throw fail(PACE_ERRORS.badMse, 'DO 83 (password reference) missing or not one byte');
  let oid: string;
  try {
    oid = oidToString(oidBytes);
  } catch {
    throw fail(PACE_ERRORS.badMse, `DO 80 is not an OID: ${toHex(oidBytes)}`);
  }
  const candidates = config.paceInfos.filter((i) => i.protocol.oid === oid);
  if (candidates.length === 0)
    throw fail(PACE_ERRORS.badMse, `protocol ${oid} not in EF.CardAccess`);
  if (param !== undefined && param.length !== 1)
    throw fail(PACE_ERRORS.badMse, 'DO 84 not one byte');
  // 9303-11 §4.4.4.1: DO 84 is needed only when EF.CardAccess is ambiguous; without it the first match applies.
  const info =
    param === undefined ? candidates[0] : candidates.find((i) => i.parameterId === param[0]);
  if (!info || info.parameterId === undefined)
    throw fail(PACE_ERRORS.unknownReference, `no PACEInfo with parameterId ${param?.[0]}`);
  const domain = standardDomain(info.parameterId);
  if (!domain)
    throw fail(PACE_ERRORS.unknownReference, `parameterId ${info.parameterId} not supported`);
  const ref = pwd[0] as number;
  const pi = config.passwords.get(ref);
  if (!pi)
    throw fail(
      PACE_ERRORS.unknownReference,
      `password reference ${ref} (${PASSWORD_NAMES[ref] ?? 'unknown'}) not supported`,
    );
  const sel: PaceSelection = {
    protocol: info.protocol,
    parameterId: info.parameterId,
    domain,
    passwordRef: ref,
    kPi: passwordKey(pi, info.protocol.cipher),
    chat: chat?.slice(),
  };
  return { step: 'ready', sel };
}

function innerDo(dos: readonly Tlv[], tag: number | undefined): Uint8Array {
  if (tag === undefined) {
    if (dos.length !== 0) throw fail(PACE_ERRORS.badData, 'step 1 expects an empty 7C template');
    return new Uint8Array(0);
  }
  const [first, ...extra] = dos;
  if (!first || first.tag !== tag)
    throw fail(PACE_ERRORS.badData, `expected DO ${tag.toString(16)} in the 7C template`);
  if (extra.length > 0) throw fail(PACE_ERRORS.badData, 'extra DOs in the 7C template');
  return first.value;
}

function withKeyErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof KeyAgreementError) throw fail(PACE_ERRORS.badData, e.message);
    throw e;
  }
}

type Active = Exclude<PaceCardState, { step: 'idle' }>;

const HANDLERS: {
  readonly [S in Active['step']]: (
    s: Extract<Active, { step: S }>,
    value: Uint8Array,
    config: PaceCardConfig,
    entropy: PaceEntropy,
  ) => PaceStepResult;
} = {
  ready(s, _value, config, entropy) {
    // The nonce is whole cipher blocks (9303-11 §4.4.3.3): an 8-byte nonce only exists with 3DES.
    const block = cipherBlockSize(s.sel.protocol.cipher);
    const nonce = entropy.nonce(Math.ceil(Math.max(config.nonceLength, block) / block) * block);
    const z = encryptBlocks(s.sel.protocol.cipher, s.sel.kPi, nonce);
    return {
      state: { step: 'awaiting-mapping', sel: s.sel, nonce },
      data: gaTemplate(tlv(DO_80_ENCRYPTED_NONCE, z)),
    };
  },
  'awaiting-mapping'(s, pkMapPcd, _config, entropy) {
    const { domain } = s.sel;
    return withKeyErrors(() => {
      domain.checkPublicKey(pkMapPcd);
      const sk = entropy.privateKey(domain, 'mapping');
      const pkMapIc = domain.publicKey(sk);
      const mapped = domain.mapGeneric(s.nonce, sk, pkMapPcd);
      return {
        state: { step: 'awaiting-key-agreement', sel: s.sel, mapped },
        data: gaTemplate(tlv(DO_82_MAPPING_IC, pkMapIc)),
      };
    });
  },
  'awaiting-key-agreement'(s, pkPcd, _config, entropy) {
    return withKeyErrors(() => {
      s.mapped.checkPublicKey(pkPcd);
      const sk = entropy.privateKey(s.mapped, 'agreement');
      const pkIc = s.mapped.publicKey(sk);
      // 9303-11 §4.4.3.3.2 (TR-03110-2): the chip checks that the two ephemeral keys differ.
      if (equalBytes(pkIc, pkPcd)) throw fail(PACE_ERRORS.badData, 'PK_PCD equals PK_IC');
      const secret = s.mapped.sharedSecret(sk, pkPcd);
      return {
        state: { step: 'awaiting-token', sel: s.sel, mapped: s.mapped, pkIc, pkPcd, secret },
        data: gaTemplate(tlv(DO_84_EPHEMERAL_IC, pkIc)),
      };
    });
  },
  'awaiting-token'(s, tPcd, config) {
    const { cipher, oid } = s.sel.protocol;
    if (tPcd.length !== 8) throw fail(PACE_ERRORS.badData, `token of ${tPcd.length} bytes`);
    const kMac = kdf(s.secret, KDF_MAC, cipher);
    const expected = authenticationToken(cipher, kMac, oid, s.mapped, s.pkIc);
    if (!equalBytes(expected, tPcd))
      throw fail(PACE_ERRORS.wrongToken, 'authentication token mismatch (wrong password?)');
    const tIc = authenticationToken(cipher, kMac, oid, s.mapped, s.pkPcd);
    const cars =
      s.sel.chat || config.carsWithoutChat
        ? config.cvcaReferences
            .slice(0, 2)
            .map((car, i) => tlv(i === 0 ? DO_87_CAR_1 : DO_88_CAR_2, car))
        : [];
    const established: PaceEstablished = {
      session: sessionFromSecret(s.secret, cipher, 0n),
      protocol: s.sel.protocol,
      passwordRef: s.sel.passwordRef,
      mapped: s.mapped,
      pkIc: s.pkIc,
      pkPcd: s.pkPcd,
      chat: s.sel.chat,
    };
    return { state: PACE_IDLE, data: gaTemplate(tlv(DO_86_TOKEN_IC, tIc), ...cars), established };
  },
};

/**
 * One GENERAL AUTHENTICATE step. Throws {@link CardError}; the caller then resets the state to
 * {@link PACE_IDLE}.
 */
export function paceGeneralAuthenticate(
  state: PaceCardState,
  config: PaceCardConfig,
  data: Uint8Array,
  chained: boolean,
  entropy: PaceEntropy,
): PaceStepResult {
  if (state.step === 'idle')
    throw fail(PACE_ERRORS.outOfSequence, 'GENERAL AUTHENTICATE without MSE:Set AT');
  const expect = PACE_STEPS[state.step];
  if (config.chaining === 'strict' && chained !== expect.chained) {
    throw fail(
      expect.chained ? PACE_ERRORS.chainExpected : PACE_ERRORS.lastCommandExpected,
      `step ${state.step}: chaining bit ${chained ? 'set' : 'clear'}`,
    );
  }
  let dos: Tlv[];
  try {
    dos = parseGaTemplate(data);
  } catch (e) {
    if (e instanceof GaFormatError) throw fail(PACE_ERRORS.badData, e.message);
    throw e;
  }
  if (state.step === 'awaiting-mapping' && dos.length === 0)
    // ICAO Part 3 ISO7816_P_14: GA step 1 sent twice restarts the nonce step (a new nonce).
    return HANDLERS.ready({ step: 'ready', sel: state.sel }, new Uint8Array(0), config, entropy);
  const value = innerDo(dos, expect.tag);
  const handler = HANDLERS[state.step] as (
    s: Active,
    v: Uint8Array,
    c: PaceCardConfig,
    e: PaceEntropy,
  ) => PaceStepResult;
  return handler(state, value, config, entropy);
}
