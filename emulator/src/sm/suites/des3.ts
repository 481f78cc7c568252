/**
 * Two-key 3DES secure messaging: 3DES-CBC with a zero IV, retail MAC, 8-byte SSC.
 * ICAO 9303-11 §9.8.6.1; CIE IAS SM (ias/README.md §4.2: K1 = bytes 0–7, K2 = 8–15, K3 = K1).
 *
 * Computed on long-lived OpenSSL contexts: creating a `node:crypto` cipher object per operation
 * (≈ 4 µs each, seven per protected exchange) dominated the cost of an SM APDU. The reference
 * implementations in `crypto/des.ts` and `crypto/retail-mac.ts` stay the specification;
 * `des3.test.ts` checks byte equality with them on random inputs.
 *
 * How a CBC context is reused for a new message with IV = 0: OpenSSL keeps the last ciphertext
 * block C* as the chaining value. Encrypting P1 ⊕ C* gives E(P1 ⊕ C* ⊕ C*) = E(P1), i.e. a fresh
 * message with a zero IV; decrypting C1 gives D(C1) ⊕ C*, so the first plain block is fixed by
 * XOR-ing C* back. Contexts are kept per key array (WeakMap: they die with the session keys),
 * rebuilt if the array's bytes changed (e.g. wiped), and only `update` is ever called (padding is
 * off, input is whole blocks, so OpenSSL returns every block at once). Sharing a context between
 * a card and a terminal in one process is safe: every call reads and updates the chaining value.
 */
import {
  createCipheriv,
  createDecipheriv,
  type Cipher as Cipheriv,
  type Decipher as Decipheriv,
} from 'node:crypto';
import { concatBytes, equalBytes } from '../../bytes/bytes.ts';
import type { SmCipherSuite } from '../cipher-suite.ts';

const BLOCK = 8;
const ZERO = new Uint8Array(BLOCK);

interface Chain {
  readonly ctx: Cipheriv | Decipheriv;
  /** The context's chaining value: last ciphertext block it produced (encrypt) or consumed (decrypt). */
  last: Uint8Array;
}

interface KeyContexts {
  /** The key bytes the contexts were made with. */
  readonly key: Uint8Array;
  readonly encCbc: Chain;
  readonly decCbc: Chain;
  /** Single DES (K1 ‖ K1) CBC for the MAC chain but its last block; 3DES-EDE (K1, K2) ECB for the last. */
  readonly macCbc: Chain;
  readonly macLast: Cipheriv;
}

const contexts = new WeakMap<Uint8Array, KeyContexts>();

function quiet<T extends Cipheriv | Decipheriv>(c: T): T {
  c.setAutoPadding(false);
  return c;
}

function single(k: Uint8Array): Uint8Array {
  return concatBytes(k, k);
}

function contextsFor(key: Uint8Array): KeyContexts {
  let c = contexts.get(key);
  if (!c || !equalBytes(c.key, key)) {
    if (key.length !== 16)
      throw new RangeError(`2-key 3DES key must be 16 bytes, got ${key.length}`);
    const k1 = single(key.subarray(0, 8));
    c = {
      key: key.slice(),
      encCbc: { ctx: quiet(createCipheriv('des-ede-cbc', key, ZERO)), last: ZERO },
      decCbc: { ctx: quiet(createDecipheriv('des-ede-cbc', key, ZERO)), last: ZERO },
      macCbc: { ctx: quiet(createCipheriv('des-ede-cbc', k1, ZERO)), last: ZERO },
      macLast: quiet(createCipheriv('des-ede-ecb', key, null)),
    };
    contexts.set(key, c);
  }
  return c;
}

function asBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function checkBlocks(data: Uint8Array): void {
  if (data.length === 0 || data.length % BLOCK !== 0)
    throw new RangeError(`3DES input of ${data.length} bytes is not whole blocks`);
}

/** CBC encryption with IV = 0 on a reused context. */
function encryptZeroIv(chain: Chain, data: Uint8Array): Uint8Array {
  checkBlocks(data);
  const input = data.slice();
  for (let i = 0; i < BLOCK; i++) input[i] = (input[i] as number) ^ (chain.last[i] as number);
  const out = asBytes((chain.ctx as Cipheriv).update(input));
  chain.last = out.slice(out.length - BLOCK);
  return out;
}

/** CBC decryption with IV = 0 on a reused context. */
function decryptZeroIv(chain: Chain, data: Uint8Array): Uint8Array {
  checkBlocks(data);
  const out = asBytes((chain.ctx as Decipheriv).update(data)).slice();
  for (let i = 0; i < BLOCK; i++) out[i] = (out[i] as number) ^ (chain.last[i] as number);
  chain.last = data.slice(data.length - BLOCK);
  return out;
}

/**
 * ISO/IEC 9797-1 MAC algorithm 3: H_i = E_K1(D_i ⊕ H_i−1), MAC = E_K1(D_K2(H_q)). Since
 * E_K1(D_K2(E_K1(x))) is two-key 3DES-EDE, the last step is one 3DES block over D_q ⊕ H_q−1:
 * single-DES CBC over the first q−1 blocks, then one 3DES ECB block.
 */
function retailMacFast(key: Uint8Array, padded: Uint8Array): Uint8Array {
  checkBlocks(padded);
  const c = contextsFor(key);
  const head = padded.length - BLOCK;
  const h =
    head > 0 ? encryptZeroIv(c.macCbc, padded.subarray(0, head)).subarray(head - BLOCK) : ZERO;
  const x = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) x[i] = (padded[head + i] as number) ^ (h[i] as number);
  return asBytes(c.macLast.update(x)).slice();
}

export const des3Suite: SmCipherSuite = {
  name: '3des',
  blockSize: BLOCK,
  sscLength: 8,
  encrypt: (kEnc, _ssc, padded) => encryptZeroIv(contextsFor(kEnc).encCbc, padded),
  decrypt: (kEnc, _ssc, cryptogram) => decryptZeroIv(contextsFor(kEnc).decCbc, cryptogram),
  mac: (kMac, padded) => retailMacFast(kMac, padded),
};
