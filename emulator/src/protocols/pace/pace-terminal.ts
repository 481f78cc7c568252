/**
 * PACE, terminal (PCD) side: the cryptography of each step, without any APDU transport (the
 * reference inspection system in `harness/terminals/emrtd` drives it over a channel). ICAO Doc
 * 9303-11 §4.4.3 and §9.7.3–9.7.4; the step results are checked against Appendix G by the vector
 * tests. Steps must be called in order; each returns the value the next GA command carries.
 */
import { HostError } from '../../host-error.ts';
import { concatBytes, equalBytes } from '../../bytes/bytes.ts';
import { tlv } from '../../bytes/ber-tlv.ts';
import { derOid } from '../asn1/der.ts';
import type { AgreementDomain } from '../domain/agreement-domain.ts';
import { standardDomain } from '../domain/standard-domains.ts';
import { decryptBlocks, kdf, KDF_ENC, KDF_MAC, sessionFromKeys } from '../kdf.ts';
import type { PaceProtocol } from '../oids.ts';
import type { SmSession } from '../../sm/sm-session.ts';
import { authenticationToken, passwordKey } from './pace-crypto.ts';
import {
  MSE_DO_7F4C_CHAT,
  MSE_DO_80_PROTOCOL,
  MSE_DO_83_PASSWORD,
  MSE_DO_84_PARAMETER,
} from './pace-card.ts';

export class PaceTerminalError extends HostError {
  readonly code: 'PACE_UNSUPPORTED' | 'PACE_SEQUENCE' | 'PACE_TOKEN_MISMATCH';
  constructor(code: PaceTerminalError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

export interface PaceTerminalEntropy {
  privateKey(domain: AgreementDomain, purpose: 'mapping' | 'agreement'): bigint;
}

/** MSE:Set AT data for PACE (9303-11 §4.4.4.1): `80 OID`, `83 pwd`, optional `84 id`, optional `7F4C CHAT`. */
export function paceMseData(
  protocolOid: string,
  passwordRef: number,
  parameterId?: number,
  chat?: Uint8Array,
): Uint8Array {
  const oid = derOid(protocolOid).subarray(2);
  const parts = [tlv(MSE_DO_80_PROTOCOL, oid), tlv(MSE_DO_83_PASSWORD, Uint8Array.of(passwordRef))];
  if (parameterId !== undefined) parts.push(tlv(MSE_DO_84_PARAMETER, Uint8Array.of(parameterId)));
  if (chat) parts.push(tlv(MSE_DO_7F4C_CHAT, chat));
  return concatBytes(...parts);
}

type Phase = 'nonce' | 'mapping' | 'agreement' | 'token' | 'done';

export class PaceTerminal {
  readonly protocol: PaceProtocol;
  readonly domain: AgreementDomain;
  readonly kPi: Uint8Array;
  private readonly entropy: PaceTerminalEntropy;
  private phase: Phase = 'nonce';
  nonce: Uint8Array | undefined;
  private skMap = 0n;
  mapped: AgreementDomain | undefined;
  private sk = 0n;
  pkPcd: Uint8Array | undefined;
  pkIc: Uint8Array | undefined;
  secret: Uint8Array | undefined;
  kEnc: Uint8Array | undefined;
  kMac: Uint8Array | undefined;

  constructor(
    protocol: PaceProtocol,
    parameterId: number,
    password: Uint8Array,
    entropy: PaceTerminalEntropy,
  ) {
    const domain = standardDomain(parameterId);
    if (!domain || domain.kind !== protocol.agreement) {
      throw new PaceTerminalError(
        'PACE_UNSUPPORTED',
        `parameterId ${parameterId} unsupported for ${protocol.agreement}`,
      );
    }
    if (protocol.mapping !== 'GM')
      throw new PaceTerminalError(
        'PACE_UNSUPPORTED',
        `mapping ${protocol.mapping} not implemented`,
      );
    this.protocol = protocol;
    this.domain = domain;
    this.kPi = passwordKey(password, protocol.cipher);
    this.entropy = entropy;
  }

  private expect(phase: Phase): void {
    if (this.phase !== phase)
      throw new PaceTerminalError('PACE_SEQUENCE', `step ${phase} called in phase ${this.phase}`);
  }

  /** After GA step 1: decrypts z and returns PK_map,PCD for step 2 (DO 81). */
  mappingKey(z: Uint8Array): Uint8Array {
    this.expect('nonce');
    this.nonce = decryptBlocks(this.protocol.cipher, this.kPi, z);
    this.skMap = this.entropy.privateKey(this.domain, 'mapping');
    this.phase = 'mapping';
    return this.domain.publicKey(this.skMap);
  }

  /** After GA step 2: maps the generator and returns PK_PCD for step 3 (DO 83). */
  ephemeralKey(pkMapIc: Uint8Array): Uint8Array {
    this.expect('mapping');
    this.mapped = this.domain.mapGeneric(this.nonce as Uint8Array, this.skMap, pkMapIc);
    this.sk = this.entropy.privateKey(this.mapped, 'agreement');
    this.pkPcd = this.mapped.publicKey(this.sk);
    this.phase = 'agreement';
    return this.pkPcd;
  }

  /** After GA step 3: derives the session keys and returns T_PCD for step 4 (DO 85). */
  token(pkIc: Uint8Array): Uint8Array {
    this.expect('agreement');
    const mapped = this.mapped as AgreementDomain;
    if (equalBytes(pkIc, this.pkPcd as Uint8Array))
      throw new PaceTerminalError('PACE_TOKEN_MISMATCH', 'PK_IC equals PK_PCD');
    this.pkIc = pkIc;
    this.secret = mapped.sharedSecret(this.sk, pkIc);
    this.kEnc = kdf(this.secret, KDF_ENC, this.protocol.cipher);
    this.kMac = kdf(this.secret, KDF_MAC, this.protocol.cipher);
    this.phase = 'token';
    return authenticationToken(this.protocol.cipher, this.kMac, this.protocol.oid, mapped, pkIc);
  }

  /** After GA step 4: checks T_IC and returns the SM session (SSC 0, 9303-11 §9.8.2). */
  finish(tIc: Uint8Array): SmSession {
    this.expect('token');
    const expected = authenticationToken(
      this.protocol.cipher,
      this.kMac as Uint8Array,
      this.protocol.oid,
      this.mapped as AgreementDomain,
      this.pkPcd as Uint8Array,
    );
    if (!equalBytes(expected, tIc))
      throw new PaceTerminalError(
        'PACE_TOKEN_MISMATCH',
        'chip authentication token T_IC does not verify',
      );
    this.phase = 'done';
    return sessionFromKeys(
      this.kEnc as Uint8Array,
      this.kMac as Uint8Array,
      this.protocol.cipher,
      0n,
    );
  }
}
