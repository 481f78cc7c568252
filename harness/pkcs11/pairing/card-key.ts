/**
 * The card-bound key of the desktop CIE software (italia/cie-middleware-linux
 * `cie-pkcs11/CSP/IAS.cpp` `InitEncKey`, `SetCache`, `GetFirstPIN`; `Crypto/AES.cpp`): the
 * servizi key (83) signs, without PIN, the 12 hexadecimal digits of EF.SN.ICC bytes 5..10 (the
 * NIS) with INTERNAL AUTHENTICATE; SHA-512 of that answer gives the AES-256 key (bytes 0..31) and
 * the CBC IV (bytes 32..47). The pairing file holds the certificate and the first 4 PIN digits
 * encrypted with it (AES-256-CBC, ISO/IEC 9797-1 padding method 2). Only the card can re-derive
 * the key, so the file is useless without the card. The signature is deterministic (RSA
 * PKCS#1 v1.5), which is what makes the key reproducible.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { padIso9797M2, unpadIso9797M2 } from '../../../emulator/src/bytes/padding.ts';
import { sha512 } from '../../../emulator/src/crypto/hash.ts';

export interface CardKey {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

export function cardKey(serviziSignature: Uint8Array): CardKey {
  const seed = sha512(serviziSignature);
  return { key: seed.slice(0, 32), iv: seed.slice(32, 48) };
}

export function seal(k: CardKey, plain: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-256-cbc', k.key, k.iv).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(padIso9797M2(plain, 16)), c.final()]));
}

/** The plaintext, or undefined when the data was not sealed with this key (bad length or padding). */
export function open(k: CardKey, sealed: Uint8Array): Uint8Array | undefined {
  if (sealed.length === 0 || sealed.length % 16 !== 0) return undefined;
  const d = createDecipheriv('aes-256-cbc', k.key, k.iv).setAutoPadding(false);
  const padded = new Uint8Array(Buffer.concat([d.update(sealed), d.final()]));
  try {
    return unpadIso9797M2(padded, 16);
  } catch {
    return undefined;
  }
}
