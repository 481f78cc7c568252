/**
 * The committed fleet key pool: valid RSA key sets (n = p·q, e·d ≡ 1 mod λ(n)), the DAPP CA key
 * with the clients' fixed private exponent, and the file is what its generator derives from the
 * seed (slot 0 and the CA key re-derived here).
 */
import { describe, expect, it } from 'vitest';
import { DAPP_CA_PRIVATE_EXPONENT } from '../../emulator/src/applications/ias/interop.ts';
import { gcd, type RsaPrivateKey } from '../../emulator/src/crypto/rsa.ts';
import {
  committedKeyPool,
  deriveSlotKeys,
  derivePoolCaKey,
  FLEET_POOL_SEED,
  FLEET_POOL_SLOTS,
} from './fleet-key-pool.ts';

function consistent(k: RsaPrivateKey): boolean {
  const lambda = ((k.p - 1n) * (k.q - 1n)) / gcd(k.p - 1n, k.q - 1n);
  return k.p * k.q === k.n && (k.e * k.d) % lambda === 1n && k.n.toString(2).length === 2048;
}

describe('fleet key pool', () => {
  it('holds its seed, its slots and consistent 2048-bit keys, distinct across slots', () => {
    const pool = committedKeyPool();
    expect(pool.seed).toBe(FLEET_POOL_SEED);
    expect(pool.size).toBe(FLEET_POOL_SLOTS);
    const moduli = new Set<bigint>();
    for (let s = 0; s < pool.size; s++) {
      const k = pool.slot(s);
      for (const key of [k.holder, k.iccAuth, k.servizi]) {
        expect(consistent(key)).toBe(true);
        expect(key.e).toBe(65537n);
        moduli.add(key.n);
      }
    }
    expect(moduli.size).toBe(3 * pool.size);
    expect(consistent(pool.dappCa)).toBe(true);
    expect(pool.dappCa.d).toBe(DAPP_CA_PRIVATE_EXPONENT);
    expect(pool.slot(3)).toBe(pool.slot(3));
    expect(() => pool.slot(pool.size)).toThrow(/no slot/);
  });

  it('is what the generator derives from its seed (slot 0 and the CA key)', () => {
    const pool = committedKeyPool();
    const slot0 = deriveSlotKeys(FLEET_POOL_SEED, 0);
    expect(slot0.holder).toEqual(pool.slot(0).holder);
    expect(slot0.iccAuth).toEqual(pool.slot(0).iccAuth);
    expect(slot0.servizi).toEqual(pool.slot(0).servizi);
    expect(derivePoolCaKey(FLEET_POOL_SEED)).toEqual(pool.dappCa);
  });
});
