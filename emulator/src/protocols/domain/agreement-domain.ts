/**
 * Key-agreement domains for PACE and Chip Authentication: one interface, a Diffie-Hellman and an
 * elliptic-curve implementation (curves as data handed to generic algebra, the noble pattern).
 *
 * ICAO Doc 9303-11 (8th ed. 2021): §4.4.3.3.1 Generic Mapping, §9.4 public-key encodings,
 * §9.5.1 standardized domain parameters; emrtd/README.md §2.5.
 *
 * ```
 * encodings   DH public value: unsigned big-endian, padded to |p|
 *             EC point: 04 ‖ x ‖ y, each padded to the field size
 * shared      DH: y^x mod p padded to |p|;  EC: x-coordinate of k·P padded to the field size
 * GM mapping  DH: h = PK^x, g~ = g^s · h        EC: H = k·PK, G~ = s·G + H
 * Comp()      DH: SHA-1(public value);       EC: x-coordinate      (TA, 9303-11 §7.1.2)
 * ```
 * Public keys from the other side are validated before use (9303-11 §4.4.3.3 and the ICAO Part 3
 * ISO7816_P_23..30 cases): exact encoding length, DH 1 < y < p − 1 with y^q = 1, EC coordinates
 * below p, point on the curve, not the point at infinity. Failures raise {@link KeyAgreementError}.
 */
import { HostError } from '../../host-error.ts';
import { bigIntToBytes, bytesToBigInt } from '../../bytes/bytes.ts';
import { byteLength } from '../../crypto/rsa.ts';
import { sha1 } from '../../crypto/hash.ts';
import { randomBelow, type Rng } from '../../crypto/rng.ts';
import type { AgreementKind } from '../oids.ts';
import type { DhGroup } from './dh-groups.ts';
import { modExp } from './modexp.ts';

export type KeyAgreementFault =
  'length' | 'format' | 'range' | 'subgroup' | 'not-on-curve' | 'infinity' | 'degenerate';

export class KeyAgreementError extends HostError {
  readonly code = 'KEY_AGREEMENT';
  readonly fault: KeyAgreementFault;
  constructor(fault: KeyAgreementFault, message: string) {
    super(message);
    this.fault = fault;
  }
}

export interface AgreementDomain {
  readonly kind: AgreementKind;
  readonly description: string;
  /** Length of an encoded public key. */
  readonly publicKeyLength: number;
  /** Order of the generator (q for DH, n for EC). */
  readonly order: bigint;
  /** Tag of the public key inside the PACE token input `7F49` (9303-11 §4.4.3.4 / §9.4). */
  readonly tokenKeyTag: 0x84 | 0x86;
  randomPrivateKey(rng: Rng): bigint;
  publicKey(privateKey: bigint): Uint8Array;
  /** Throws {@link KeyAgreementError} when `encoded` is not a valid public key of this domain. */
  checkPublicKey(encoded: Uint8Array): void;
  sharedSecret(privateKey: bigint, peerPublicKey: Uint8Array): Uint8Array;
  /** Generic Mapping: the domain with the mapped generator. */
  mapGeneric(nonce: Uint8Array, privateKey: bigint, peerMappingKey: Uint8Array): AgreementDomain;
  /** Comp(): the compressed public key used by Terminal Authentication. */
  compress(publicKey: Uint8Array): Uint8Array;
  /** The generator, encoded like a public key (tests and reports). */
  generator(): Uint8Array;
}

function privateKeyIn(rng: Rng, order: bigint): bigint {
  return randomBelow(rng, order - 1n) + 1n;
}

export class DhDomain implements AgreementDomain {
  readonly kind = 'DH' as const;
  readonly tokenKeyTag = 0x84 as const;
  readonly description: string;
  readonly publicKeyLength: number;
  readonly order: bigint;
  readonly p: bigint;
  readonly g: bigint;

  constructor(
    group: Pick<DhGroup, 'p' | 'g' | 'q'>,
    description = `DH ${byteLength(group.p) * 8}-bit`,
  ) {
    this.p = group.p;
    this.g = group.g;
    this.order = group.q;
    this.description = description;
    this.publicKeyLength = byteLength(group.p);
  }

  randomPrivateKey(rng: Rng): bigint {
    return privateKeyIn(rng, this.order);
  }

  publicKey(privateKey: bigint): Uint8Array {
    return bigIntToBytes(modExp(this.g, privateKey, this.p), this.publicKeyLength);
  }

  private decode(encoded: Uint8Array): bigint {
    if (encoded.length !== this.publicKeyLength) {
      throw new KeyAgreementError(
        'length',
        `DH public value of ${encoded.length} bytes, expected ${this.publicKeyLength}`,
      );
    }
    const y = bytesToBigInt(encoded);
    if (y <= 1n || y >= this.p - 1n)
      throw new KeyAgreementError('range', 'DH public value outside 1 < y < p − 1');
    if (modExp(y, this.order, this.p) !== 1n)
      throw new KeyAgreementError('subgroup', 'DH public value not in the order-q subgroup');
    return y;
  }

  checkPublicKey(encoded: Uint8Array): void {
    this.decode(encoded);
  }

  sharedSecret(privateKey: bigint, peerPublicKey: Uint8Array): Uint8Array {
    const k = modExp(this.decode(peerPublicKey), privateKey, this.p);
    if (k === 1n) throw new KeyAgreementError('degenerate', 'DH shared secret is 1');
    return bigIntToBytes(k, this.publicKeyLength);
  }

  mapGeneric(nonce: Uint8Array, privateKey: bigint, peerMappingKey: Uint8Array): AgreementDomain {
    const h = modExp(this.decode(peerMappingKey), privateKey, this.p);
    if (h === 1n) throw new KeyAgreementError('degenerate', 'mapping secret h is 1');
    const gMapped = (modExp(this.g, bytesToBigInt(nonce), this.p) * h) % this.p;
    return new DhDomain({ p: this.p, g: gMapped, q: this.order }, `${this.description}, mapped`);
  }

  compress(publicKey: Uint8Array): Uint8Array {
    return sha1(publicKey);
  }

  generator(): Uint8Array {
    return bigIntToBytes(this.g, this.publicKeyLength);
  }
}
