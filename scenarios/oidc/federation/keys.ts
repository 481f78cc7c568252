/**
 * Key pairs of the federation's bench entities (trust anchor, OpenID Provider, relying parties) as
 * JSON Web Keys, derived deterministically from a seed (the same seed gives the same keys, so a
 * trust mark or a registration survives a restart of the bench). RSA keys come from the
 * emulator's seeded generator (2048 bits, e = 65537); P-256 keys from a seeded scalar. Each key
 * carries its RFC 7638 thumbprint as `kid`, as CIE entity configurations do (every JWK in a
 * federation JWKS must have a `kid`: italia/spid-cie-oidc-docs `docs/it/entity_configuration.rst`).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { generateRsaKey, rsaPrivateKeyObject } from '../../../emulator/src/crypto/rsa.ts';

/** A public JWK as published in a JWKS (`kid`, `use`, `alg` when known). */
export interface PublicJwk {
  readonly kty: string;
  readonly kid: string;
  readonly use?: 'sig' | 'enc';
  readonly alg?: string;
  readonly [k: string]: unknown;
}

export interface JwkPair {
  readonly kid: string;
  readonly use: 'sig' | 'enc';
  readonly alg: string;
  readonly publicJwk: PublicJwk;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** RFC 7638 §3: SHA-256 over the required members in lexicographic order, base64url. */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string {
  const members =
    jwk['kty'] === 'RSA'
      ? { e: jwk['e'], kty: 'RSA', n: jwk['n'] }
      : jwk['kty'] === 'EC'
        ? { crv: jwk['crv'], kty: 'EC', x: jwk['x'], y: jwk['y'] }
        : undefined;
  if (!members) throw new TypeError(`no thumbprint for kty ${String(jwk['kty'])}`);
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function pair(privateKey: KeyObject, use: 'sig' | 'enc', alg: string): JwkPair {
  const publicKey = createPublicKey(privateKey);
  const raw = publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  const kid = jwkThumbprint(raw);
  return {
    kid,
    use,
    alg,
    publicJwk: { ...(raw as { kty: string }), kid, use, alg },
    privateKey,
    publicKey,
  };
}

const cache = new Map<string, JwkPair>();

/** RSA-2048 key for `alg` (RS256/PS256 to sign, RSA-OAEP/RSA-OAEP-256 to encrypt), from `seed`. */
export function rsaJwk(seed: string, use: 'sig' | 'enc' = 'sig', alg = 'RS256'): JwkPair {
  const id = `rsa|${seed}|${use}|${alg}`;
  let k = cache.get(id);
  if (!k) {
    const base = cache.get(`rsa-key|${seed}`)?.privateKey;
    const key =
      base ?? rsaPrivateKeyObject(generateRsaKey(seededRng(`ciebench-jwk|${seed}`), 2048));
    if (!base) cache.set(`rsa-key|${seed}`, pair(key, use, alg));
    k = pair(key, use, alg);
    cache.set(id, k);
  }
  return k;
}

/** P-256 key (ES256) from `seed`. */
export function ecJwk(seed: string): JwkPair {
  const id = `ec|${seed}`;
  let k = cache.get(id);
  if (!k) {
    const rng = seededRng(`ciebench-jwk-ec|${seed}`);
    const d = p256.utils.randomSecretKey(rng.bytes(48));
    const pub = p256.getPublicKey(d, false);
    const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
    const privateKey = createPrivateKey({
      format: 'jwk',
      key: {
        kty: 'EC',
        crv: 'P-256',
        d: b64(d),
        x: b64(pub.slice(1, 33)),
        y: b64(pub.slice(33, 65)),
      },
    });
    k = pair(privateKey, 'sig', 'ES256');
    cache.set(id, k);
  }
  return k;
}

/**
 * A fresh random key (RSA-2048 for the RS, PS and RSA-OAEP algorithms, P-256 for ES256): for entities that need no
 * stable keys, such as a relying party registered anew at every start, and for tests.
 */
export function randomJwk(use: 'sig' | 'enc' = 'sig', alg = 'RS256'): JwkPair {
  const { privateKey } =
    alg === 'ES256' || alg.startsWith('ECDH')
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return pair(privateKey, use, alg);
}

/** A JWKS of public keys. */
export function jwks(...keys: readonly JwkPair[]): { keys: PublicJwk[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}
