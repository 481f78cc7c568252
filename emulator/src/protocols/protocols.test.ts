/**
 * Unit tests of the protocol building blocks that the vector tests do not pin: DER helpers,
 * SecurityInfos round trip, the RFC 5114 groups, key validation, the KDF lengths, modexp against
 * the bigint reference, CV certificates and SubjectPublicKeyInfo.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bigIntToBytes, bytesToBigInt } from '../bytes/bytes.ts';
import { toHex } from '../bytes/hex.ts';
import { sha256 } from '../crypto/hash.ts';
import { isProbablePrime, modPow } from '../crypto/rsa.ts';
import { seededRng } from '../crypto/rng.ts';
import { derInteger, derSetOf, oidContent, oidToString } from './asn1/der.ts';
import {
  encodeDhPublicKeyInfo,
  encodeEcPublicKeyInfo,
  parsePublicKeyInfo,
} from './asn1/public-key-info.ts';
import { DhDomain, KeyAgreementError } from './domain/agreement-domain.ts';
import { DH_GROUP_0, DH_GROUP_1, DH_GROUP_2 } from './domain/dh-groups.ts';
import { EcDomain } from './domain/ec-domain.ts';
import { modExp } from './domain/modexp.ts';
import { standardDomain } from './domain/standard-domains.ts';
import { kdf, KDF_ENC } from './kdf.ts';
import {
  chipAuthOid,
  chipAuthProtocol,
  ID_TA_ECDSA_SHA_256,
  paceOid,
  paceProtocol,
} from './oids.ts';
import {
  encodeChipAuthInfo,
  encodePaceInfo,
  encodeSecurityInfos,
  encodeTerminalAuthInfo,
  parseSecurityInfos,
} from './security-infos.ts';
import {
  encodeCvBody,
  encodeCvCertificate,
  parseCvCertificate,
} from './terminal-auth/cv-certificate.ts';
import { curveParams, ecPublicKey, taSign, taVerify } from './terminal-auth/cv-signature.ts';

describe('DER helpers (X.690)', () => {
  it('OID content round trip, including multi-byte arcs (X.690 §8.19)', () => {
    for (const oid of [
      '0.4.0.127.0.7.2.2.4.1.1',
      '1.2.840.10046.2.1',
      '2.23.136.1.1.1',
      '1.3.36.3.3.2.8.1.1.7',
      '2.999.3',
    ])
      expect(oidToString(oidContent(oid))).toBe(oid);
    expect(toHex(oidContent('0.4.0.127.0.7.2.2.4.1.1'))).toBe('04007F00070202040101');
  });
  it('INTEGER is minimal two’s complement; SET OF is sorted (X.690 §8.3, §11.6)', () => {
    expect(toHex(derInteger(0))).toBe('020100');
    expect(toHex(derInteger(0x80))).toBe('02020080');
    expect(toHex(derInteger(0x7f))).toBe('02017F');
    expect(toHex(derSetOf(Uint8Array.of(0x30, 1, 2), Uint8Array.of(0x30, 1, 1)))).toBe(
      '3106300101300102',
    );
  });
});

describe('SecurityInfos (ICAO 9303-11 §9.2)', () => {
  it('PACEInfo, ChipAuthenticationInfo, TerminalAuthenticationInfo encode and parse back', () => {
    const bytes = encodeSecurityInfos([
      encodePaceInfo(paceOid('ECDH', 'GM', 'AES-128'), 13),
      encodeChipAuthInfo(chipAuthOid('DH', '3DES'), 1),
      encodeTerminalAuthInfo(),
    ]);
    const infos = parseSecurityInfos(bytes);
    expect(infos).toContainEqual({
      type: 'pace',
      protocol: paceProtocol('0.4.0.127.0.7.2.2.4.2.2'),
      version: 2,
      parameterId: 13,
    });
    expect(infos).toContainEqual({
      type: 'ca',
      protocol: chipAuthProtocol('0.4.0.127.0.7.2.2.3.1.1'),
      version: 1,
      keyId: 1,
    });
    expect(infos).toContainEqual({ type: 'ta', version: 1 });
  });
  it('unknown SecurityInfos are kept, malformed input is a DerFormatError', () => {
    expect(
      parseSecurityInfos(Uint8Array.of(0x31, 0x07, 0x30, 0x05, 0x06, 0x01, 0x2a, 0x02, 0x00))[0],
    ).toMatchObject({ type: 'unknown', oid: '1.2' });
    expect(() => parseSecurityInfos(Uint8Array.of(0x31, 0x05, 0x30))).toThrow(
      expect.objectContaining({ code: 'DER_FORMAT' }),
    );
  });
  it('PACE OIDs outside 9303-11 (CAM with 3DES, unknown mapping) are not PACE protocols', () => {
    expect(paceProtocol('0.4.0.127.0.7.2.2.4.6.1')).toBeUndefined();
    expect(paceProtocol('0.4.0.127.0.7.2.2.4.5.1')).toBeUndefined();
    expect(paceProtocol('0.4.0.127.0.7.2.2.4.1.1.9')).toBeUndefined();
  });
});

describe('RFC 5114 groups (PACE parameterId 0–2)', () => {
  it('emrtd/README.md §2.5 fingerprint of group 2: SHA-256(p) and q', () => {
    expect(toHex(sha256(bigIntToBytes(DH_GROUP_2.p, 256)))).toBe(
      '0B7835722CB619827610C2549FDDA5587421686C4409A13865E76225522DDCC9',
    );
    expect(DH_GROUP_2.q.toString(16).toUpperCase()).toBe(
      '8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3',
    );
  });
  it.each([DH_GROUP_0, DH_GROUP_1, DH_GROUP_2])('$name: p and q prime, q | p − 1, g^q = 1', (g) => {
    const rng = seededRng('groups');
    expect(isProbablePrime(g.p, rng, 8)).toBe(true);
    expect(isProbablePrime(g.q, rng, 8)).toBe(true);
    expect((g.p - 1n) % g.q).toBe(0n);
    expect(modPow(g.g, g.q, g.p)).toBe(1n);
  });
});

describe('modExp (OpenSSL path) agrees with the bigint reference', () => {
  it('random bases and exponents, including results equal to 1 and edge bases', () => {
    const p = DH_GROUP_2.p;
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: p + 10n }),
        fc.bigInt({ min: 0n, max: 2n ** 300n }),
        (b, e) => {
          expect(modExp(b, e, p)).toBe(modPow(b, e, p));
        },
      ),
      { numRuns: 60, seed: 3 },
    );
    for (const b of [0n, 1n, 2n, p - 2n, p - 1n, DH_GROUP_2.g])
      expect(modExp(b, DH_GROUP_2.q, p)).toBe(modPow(b, DH_GROUP_2.q, p));
  });
});

describe('key validation (ICAO Part 3 P_23..P_30)', () => {
  const ec = standardDomain(13) as EcDomain;
  it('EC: wrong length, format byte 02/03, (0,0), coordinate ≥ p, off-curve → KeyAgreementError', () => {
    const good = ec.publicKey(12345n);
    const mutate = (f: (b: Uint8Array) => void): Uint8Array => {
      const b = good.slice();
      f(b);
      return b;
    };
    const p = bigIntToBytes(ec.p, 32);
    const bads: [string, Uint8Array][] = [
      ['length', good.subarray(0, 64)],
      ['format', mutate((b) => void (b[0] = 0x02))],
      ['infinity', Uint8Array.of(4, ...new Uint8Array(64))],
      ['range', Uint8Array.of(4, ...p, ...good.subarray(33))],
      ['not-on-curve', mutate((b) => void (b[64] = (b[64] as number) ^ 1))],
    ];
    for (const [fault, key] of bads)
      expect(() => ec.checkPublicKey(key), fault).toThrow(expect.objectContaining({ fault }));
    expect(() => ec.checkPublicKey(good)).not.toThrow();
  });
  it('DH: shared secrets agree on both sides; mapping of G.2-style keys gives the same generator', () => {
    const d = new DhDomain(DH_GROUP_0);
    const rng = seededRng('dh');
    const a = d.randomPrivateKey(rng);
    const b = d.randomPrivateKey(rng);
    expect(toHex(d.sharedSecret(a, d.publicKey(b)))).toBe(toHex(d.sharedSecret(b, d.publicKey(a))));
    const s = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    expect(toHex(d.mapGeneric(s, a, d.publicKey(b)).generator())).toBe(
      toHex(d.mapGeneric(s, b, d.publicKey(a)).generator()),
    );
    expect(() => d.checkPublicKey(bigIntToBytes(2n, 128))).toThrow(KeyAgreementError);
  });
});

describe('KDF (ICAO 9303-11 §9.7.1)', () => {
  it('key lengths per cipher, parity only for 3DES', () => {
    const k = Uint8Array.of(1, 2, 3);
    expect(kdf(k, KDF_ENC, 'AES-128')).toHaveLength(16);
    expect(kdf(k, KDF_ENC, 'AES-192')).toHaveLength(24);
    expect(kdf(k, KDF_ENC, 'AES-256')).toHaveLength(32);
    const des = kdf(k, KDF_ENC, '3DES');
    expect(des).toHaveLength(16);
    for (const byte of des)
      expect(
        byte
          .toString(2)
          .split('')
          .filter((c) => c === '1').length % 2,
      ).toBe(1);
  });
});

describe('CV certificates and SubjectPublicKeyInfo', () => {
  it('a CV certificate encodes, parses back and its ECDSA signature verifies (TR-03110 Annex C)', () => {
    const sk = 0x1234567890abcdefn;
    const point = ecPublicKey('brainpoolP256r1', sk);
    const body = encodeCvBody({
      car: 'ITTESTCVCA00001',
      chr: 'ITTESTCVCA00001',
      publicKey: { oid: ID_TA_ECDSA_SHA_256, point, params: curveParams('brainpoolP256r1') },
      chatOid: '0.4.0.127.0.7.3.1.2.1',
      chat: 0xc3,
      effective: '250101',
      expiration: '351231',
    });
    const cert = parseCvCertificate(
      encodeCvCertificate(body, taSign('brainpoolP256r1', ID_TA_ECDSA_SHA_256, sk, body)),
    );
    expect(cert).toMatchObject({
      cpi: 0,
      car: 'ITTESTCVCA00001',
      role: 'cvca',
      chat: 0xc3,
      effective: '250101',
      expiration: '351231',
    });
    expect(taVerify('brainpoolP256r1', ID_TA_ECDSA_SHA_256, point, cert.body, cert.signature)).toBe(
      true,
    );
    const other = body.slice();
    other[other.length - 1] = 9;
    expect(taVerify('brainpoolP256r1', ID_TA_ECDSA_SHA_256, point, other, cert.signature)).toBe(
      false,
    );
  });
  it('DH (X9.42 and PKCS #3) and EC keys survive SubjectPublicKeyInfo encoding', () => {
    const d = new DhDomain(DH_GROUP_2);
    const pk = d.publicKey(77n);
    const x942 = parsePublicKeyInfo(encodeDhPublicKeyInfo(d, pk, 'x942'));
    expect(toHex(x942.publicKey)).toBe(toHex(pk));
    expect((x942.domain as DhDomain).order).toBe(DH_GROUP_2.q);
    expect(toHex(parsePublicKeyInfo(encodeDhPublicKeyInfo(d, pk, 'pkcs3')).publicKey)).toBe(
      toHex(pk),
    );
    const ec = new EcDomain('P-256');
    const epk = ec.publicKey(99n);
    expect(toHex(parsePublicKeyInfo(encodeEcPublicKeyInfo(ec, epk)).publicKey)).toBe(toHex(epk));
    expect(bytesToBigInt(pk)).toBe(modPow(DH_GROUP_2.g, 77n, DH_GROUP_2.p));
  });
});
