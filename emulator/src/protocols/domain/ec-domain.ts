/**
 * Elliptic-curve key agreement over the `@noble/curves` point arithmetic (curves as data, the
 * generator as a field so Generic Mapping can replace it). ICAO Doc 9303-11 §4.4.3.3.1 and §9.4.
 * All supported curves have cofactor 1, so "not the point at infinity" is the whole subgroup check.
 */
import type { WeierstrassPoint, WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';
import { brainpoolP256r1, brainpoolP384r1, brainpoolP512r1 } from '@noble/curves/misc.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { bigIntToBytes, bytesToBigInt, concatBytes } from '../../bytes/bytes.ts';
import { byteLength } from '../../crypto/rsa.ts';
import { randomBelow, type Rng } from '../../crypto/rng.ts';
import { KeyAgreementError, type AgreementDomain } from './agreement-domain.ts';

export type CurveName =
  'P-256' | 'P-384' | 'P-521' | 'brainpoolP256r1' | 'brainpoolP384r1' | 'brainpoolP512r1';

type Point = WeierstrassPoint<bigint>;
type PointCons = WeierstrassPointCons<bigint>;

export const CURVES: Readonly<Record<CurveName, PointCons>> = {
  'P-256': p256.Point,
  'P-384': p384.Point,
  'P-521': p521.Point,
  brainpoolP256r1: brainpoolP256r1.Point,
  brainpoolP384r1: brainpoolP384r1.Point,
  brainpoolP512r1: brainpoolP512r1.Point,
};

export class EcDomain implements AgreementDomain {
  readonly kind = 'ECDH' as const;
  readonly tokenKeyTag = 0x86 as const;
  readonly description: string;
  readonly publicKeyLength: number;
  readonly order: bigint;
  readonly curve: CurveName;
  readonly fieldLength: number;
  /** Field prime. */
  readonly p: bigint;
  private readonly Point: PointCons;
  private readonly G: Point;

  constructor(curve: CurveName, generator?: Point, description?: string) {
    this.curve = curve;
    this.Point = CURVES[curve];
    const params = this.Point.CURVE();
    this.order = params.n;
    this.p = params.p;
    this.fieldLength = byteLength(params.p);
    this.publicKeyLength = 1 + 2 * this.fieldLength;
    this.G = generator ?? this.Point.BASE;
    this.description = description ?? curve;
  }

  randomPrivateKey(rng: Rng): bigint {
    return randomBelow(rng, this.order - 1n) + 1n;
  }

  private encode(point: Point): Uint8Array {
    const a = point.toAffine();
    return concatBytes(
      Uint8Array.of(0x04),
      bigIntToBytes(a.x, this.fieldLength),
      bigIntToBytes(a.y, this.fieldLength),
    );
  }

  private mul(point: Point, k: bigint): Point {
    const s = ((k % this.order) + this.order) % this.order;
    return s === 0n ? this.Point.ZERO : point.multiply(s);
  }

  publicKey(privateKey: bigint): Uint8Array {
    return this.encode(this.mul(this.G, privateKey));
  }

  /** Decodes and validates an uncompressed point (9303-11 §9.4; ICAO Part 3 P_23..P_30, P_41..P_53). */
  decode(encoded: Uint8Array): Point {
    if (encoded.length !== this.publicKeyLength) {
      throw new KeyAgreementError(
        'length',
        `EC point of ${encoded.length} bytes, expected ${this.publicKeyLength}`,
      );
    }
    if (encoded[0] !== 0x04)
      throw new KeyAgreementError(
        'format',
        `EC point format byte ${encoded[0]?.toString(16)} (only 04, uncompressed)`,
      );
    const x = bytesToBigInt(encoded.subarray(1, 1 + this.fieldLength));
    const y = bytesToBigInt(encoded.subarray(1 + this.fieldLength));
    if (x >= this.p || y >= this.p)
      throw new KeyAgreementError('range', 'EC coordinate not below p');
    if (x === 0n && y === 0n) throw new KeyAgreementError('infinity', 'EC point (0,0)');
    const point = this.Point.fromAffine({ x, y });
    try {
      point.assertValidity();
    } catch {
      throw new KeyAgreementError('not-on-curve', 'EC point not on the curve');
    }
    return point;
  }

  checkPublicKey(encoded: Uint8Array): void {
    this.decode(encoded);
  }

  sharedSecret(privateKey: bigint, peerPublicKey: Uint8Array): Uint8Array {
    const k = this.mul(this.decode(peerPublicKey), privateKey);
    if (k.is0()) throw new KeyAgreementError('infinity', 'EC shared point at infinity');
    return bigIntToBytes(k.toAffine().x, this.fieldLength);
  }

  mapGeneric(nonce: Uint8Array, privateKey: bigint, peerMappingKey: Uint8Array): AgreementDomain {
    const H = this.mul(this.decode(peerMappingKey), privateKey);
    if (H.is0()) throw new KeyAgreementError('infinity', 'mapping point H at infinity');
    const mapped = this.mul(this.G, bytesToBigInt(nonce)).add(H);
    if (mapped.is0()) throw new KeyAgreementError('infinity', 'mapped generator at infinity');
    return new EcDomain(this.curve, mapped, `${this.curve}, mapped`);
  }

  compress(publicKey: Uint8Array): Uint8Array {
    return publicKey.slice(1, 1 + this.fieldLength);
  }

  generator(): Uint8Array {
    return this.encode(this.G);
  }
}
