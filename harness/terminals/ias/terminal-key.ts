/**
 * The reference terminal's own RSA-2048 key for DAPP (cie-ias.md §5.3). The official clients
 * share one fixed terminal key; a card does not need it (the public key travels inside the
 * self-issued certificate), so the reference terminal uses its own, derived from a fixed seed
 * (shared/data/interop-constants.md, last paragraph). Generated once per process (~0.35 s).
 */
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { generateRsaKey, type RsaPrivateKey } from '../../../emulator/src/crypto/rsa.ts';

let cached: RsaPrivateKey | undefined;

export function referenceTerminalKey(): RsaPrivateKey {
  cached ??= generateRsaKey(seededRng('ciebench-ias-reference-terminal-v1'), 2048);
  return cached;
}
