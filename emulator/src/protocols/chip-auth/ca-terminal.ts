/**
 * Chip Authentication v1, terminal side (ICAO Doc 9303-11 §6.2): an ephemeral key pair on the
 * chip's DG14 domain, the shared secret and the new session keys (SSC 0).
 */
import type { Rng } from '../../crypto/rng.ts';
import type { SmSession } from '../../sm/sm-session.ts';
import type { AgreementDomain } from '../domain/agreement-domain.ts';
import { sessionFromSecret } from '../kdf.ts';
import type { SymmetricCipher } from '../oids.ts';

export interface CaTerminalKeys {
  readonly privateKey: bigint;
  readonly publicKey: Uint8Array;
  /** Comp(PK_PCD), used by Terminal Authentication. */
  readonly compressed: Uint8Array;
}

export function caEphemeralKeys(domain: AgreementDomain, rng: Rng): CaTerminalKeys {
  const privateKey = domain.randomPrivateKey(rng);
  const publicKey = domain.publicKey(privateKey);
  return { privateKey, publicKey, compressed: domain.compress(publicKey) };
}

export function caTerminalSession(
  domain: AgreementDomain,
  keys: CaTerminalKeys,
  chipPublicKey: Uint8Array,
  cipher: SymmetricCipher,
): SmSession {
  return sessionFromSecret(domain.sharedSecret(keys.privateKey, chipPublicKey), cipher, 0n);
}
