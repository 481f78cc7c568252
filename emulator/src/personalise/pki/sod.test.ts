import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../bytes/hex.ts';
import { sha256, sha512 } from '../../crypto/hash.ts';
import { seededRng } from '../../crypto/rng.ts';
import { verifyDocumentSigner, verifyIssuedBy } from './chain.ts';
import { buildSod, parseSod, SodFormatError } from './sod.ts';
import { generateTestPki } from './test-pki.ts';

/** Real-card data copied next to this test, each file with a header naming its public source. */
const DATA = new URL('./real-card', import.meta.url).pathname;

/** Hex data files: `#` header lines, then hex. */
function readHexFile(name: string): Uint8Array {
  const text = readFileSync(`${DATA}/${name}`, 'utf8');
  return fromHex(
    text
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join(''),
  );
}

/** real-card/italian-csca-certificates.txt: `[SKI …]` line, then one DER hex line. */
function italianCsca(ski: string): Uint8Array {
  const lines = readFileSync(`${DATA}/italian-csca-certificates.txt`, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith(`[SKI ${ski}]`));
  const hex = lines[i + 1];
  if (i < 0 || hex === undefined) throw new Error(`CSCA ${ski} not in the data file`);
  return fromHex(hex);
}

describe('EF.SOD of a real CIE (real-card/ias_EF.SOD_sample.hex, from pagopa/cie-sdk-android CieCommandsTest.kt)', () => {
  const bytes = readHexFile('ias_EF.SOD_sample.hex');
  const sod = parseSod(bytes);

  it('is 2852 bytes starting 77 82 0B 20', () => {
    expect(bytes.length).toBe(2852);
    expect(toHex(bytes.subarray(0, 4))).toBe('77820B20');
  });

  it('parses as SHA-512 / LDSSecurityObject v1 with ldsVersionInfo {"0108","040000"}', () => {
    expect(sod.digestAlgorithm).toBe('sha512');
    expect(sod.hashAlgorithm).toBe('sha512');
    expect(sod.version).toBe(1);
    expect(sod.ldsVersionInfo).toEqual({ ldsVersion: '0108', unicodeVersion: '040000' });
  });

  it('keeps the one-byte "negative" data-group numbers A5 1B A4 A3 A2 A1 in encoded order', () => {
    expect(sod.dataGroupOrder).toEqual([0xa5, 0x1b, 0xa4, 0xa3, 0xa2, 0xa1]);
    expect(toHex(sod.dataGroupHashes.get(0xa5) ?? new Uint8Array()).slice(0, 16)).toBe(
      'C831B743B4DD7174',
    );
    expect(sod.dataGroupHashes.get(0xa1)?.length).toBe(64);
  });

  it('has an RSASSA-PSS SHA-512 salt 64 signature that verifies with the embedded DS certificate', () => {
    expect(sod.signatureAlgorithm).toEqual({ kind: 'pss', hash: 'sha512', saltLength: 64 });
    expect(sod.messageDigestMatches()).toBe(true);
    expect(toHex(sod.messageDigest).slice(0, 16)).toBe('8653EA012B022345');
    expect(sod.verifySignature()).toBe(true);
  });

  it('embeds the DS certificate CN=eIdentityCardSigner, serialNumber=00012', () => {
    const ds = new X509Certificate(sod.signerCertificate);
    expect(ds.subject).toContain('CN=eIdentityCardSigner');
    expect(ds.subject).toContain('serialNumber=00012');
  });

  it('chains DS → Italian CSCA SKI D11A505E… (real-card/italian-csca-certificates.txt, from italia/cie-nis-java-sdk)', () => {
    const csca = italianCsca('D11A505E15ADEA5A61779CA4A2A991EC3949D1F9');
    expect(verifyDocumentSigner(sod.signerCertificate, csca).ok).toBe(true);
    const other = italianCsca('436CE3921D10922307EFD7A2F577ED7524467F1B');
    expect(verifyDocumentSigner(sod.signerCertificate, other).ok).toBe(false);
  });

  it('detects a flipped bit in the signature, in the eContent and in a data-group hash', () => {
    const sigAt = bytes.length - 10;
    const badSig = bytes.slice();
    badSig[sigAt] = (badSig[sigAt] as number) ^ 1;
    expect(parseSod(badSig).verifySignature()).toBe(false);
    // Offset 100 is inside the first data-group hash of the eContent (asn1 dump offset 61 + 4 + 35).
    const badContent = bytes.slice();
    badContent[100] = (badContent[100] as number) ^ 1;
    const parsed = parseSod(badContent);
    expect(parsed.messageDigestMatches()).toBe(false);
    expect(parsed.verifySignature()).toBe(false);
  });

  it('refuses malformed input with SodFormatError', () => {
    expect(() => parseSod(bytes.subarray(0, 100))).toThrow(SodFormatError);
    expect(() => parseSod(fromHex('7000'))).toThrow(SodFormatError);
    expect(() => parseSod(new Uint8Array(0))).toThrow(SodFormatError);
  });
});

describe('test PKI (deterministic from a seed)', () => {
  const pki = generateTestPki('sod-test');

  it('names every certificate as TEST / NOT VALID', () => {
    for (const kc of [pki.csca, pki.documentSigner, pki.holderCa]) {
      const c = new X509Certificate(kc.certificate);
      expect(c.subject).toContain('TEST');
      expect(c.subject).toContain('NOT VALID');
    }
  });

  it('gives the same certificates for the same seed and different ones for another seed', () => {
    expect(generateTestPki('sod-test')).toBe(pki);
    // A second build from scratch would take seconds; determinism of the builder itself is
    // shown by the DS and CSCA chain being stable across the cache (same bytes, same keys).
    expect(toHex(sha256(pki.csca.certificate))).toBe(
      toHex(sha256(generateTestPki('sod-test').csca.certificate)),
    );
  });

  it('chains DS → CSCA (PSS-signed DS certificate) and holder CA is self-signed', () => {
    expect(
      verifyDocumentSigner(
        pki.documentSigner.certificate,
        pki.csca.certificate,
        new Date('2025-06-01T00:00:00Z'),
      ).ok,
    ).toBe(true);
    expect(verifyIssuedBy(pki.holderCa.certificate, pki.holderCa.certificate).ok).toBe(true);
    expect(verifyIssuedBy(pki.documentSigner.certificate, pki.holderCa.certificate).problem).toBe(
      'issuer-mismatch',
    );
    expect(
      verifyDocumentSigner(
        pki.documentSigner.certificate,
        pki.csca.certificate,
        new Date('2040-01-01T00:00:00Z'),
      ).problem,
    ).toBe('expired');
  });

  it('DS certificate carries the document type list {"C"} exactly as the sample (30 08 02 01 00 31 03 13 01 43)', () => {
    expect(toHex(pki.documentSigner.certificate)).toContain(
      '0607678108010106020' + '40A' + '30080201003103130143',
    );
  });
});

describe('buildSod (ias/README.md §2.5 layout)', () => {
  const pki = generateTestPki('sod-test');
  const dgs = [
    { number: 0xa5, content: fromHex('3082010A0282010100AABB') },
    { number: 0x1b, content: fromHex('3006020101020101') },
    { number: 0xa1, content: new TextEncoder().encode('123456789012') },
  ];

  it('SHA-256 + PKCS#1 v1.5, LDS v0: parses back, verifies, hashes match, numbers stay one byte', () => {
    const bytes = buildSod(dgs, {
      hash: 'sha256',
      signature: 'pkcs1',
      ldsSecurityObjectVersion: 0,
      signer: pki.documentSigner,
    });
    expect(bytes[0]).toBe(0x77);
    const sod = parseSod(bytes);
    expect(sod.digestAlgorithm).toBe('sha256');
    expect(sod.version).toBe(0);
    expect(sod.ldsVersionInfo).toBeUndefined();
    expect(sod.signatureAlgorithm).toEqual({ kind: 'pkcs1', hash: 'sha256' });
    expect(sod.verifySignature()).toBe(true);
    expect(sod.dataGroupOrder).toEqual([0xa5, 0x1b, 0xa1]);
    expect(sod.verifyDataGroup(0xa1, dgs[2]!.content)).toBe(true);
    expect(sod.verifyDataGroup(0xa1, dgs[0]!.content)).toBe(false);
    expect(toHex(bytes)).toContain('0201A50420');
    expect(verifyDocumentSigner(sod.signerCertificate, pki.csca.certificate).ok).toBe(true);
  });

  it('SHA-512 + RSASSA-PSS, LDS v1: same shape as the real sample', () => {
    const bytes = buildSod(dgs, {
      hash: 'sha512',
      signature: 'pss',
      ldsSecurityObjectVersion: 1,
      signer: pki.documentSigner,
    });
    const sod = parseSod(bytes);
    expect(sod.signatureAlgorithm).toEqual({ kind: 'pss', hash: 'sha512', saltLength: 64 });
    expect(sod.ldsVersionInfo).toEqual({ ldsVersion: '0108', unicodeVersion: '040000' });
    expect(sod.verifySignature()).toBe(true);
    expect(toHex(sod.dataGroupHashes.get(0xa5) ?? new Uint8Array())).toBe(
      toHex(sha512(dgs[0]!.content)),
    );
  });

  it('is deterministic without an RNG (PSS salt derived) and varies with a salt RNG', () => {
    const o = {
      hash: 'sha512',
      signature: 'pss',
      ldsSecurityObjectVersion: 1,
      signer: pki.documentSigner,
    } as const;
    expect(toHex(buildSod(dgs, o))).toBe(toHex(buildSod(dgs, o)));
    const a = buildSod(dgs, { ...o, saltRng: seededRng('a') });
    const b = buildSod(dgs, { ...o, saltRng: seededRng('b') });
    expect(toHex(a)).not.toBe(toHex(b));
    expect(parseSod(a).verifySignature()).toBe(true);
  });

  it('eMRTD-style numbers 1..16 encode as 02 01 0n', () => {
    const bytes = buildSod(
      [
        { number: 1, content: fromHex('61') },
        { number: 14, content: fromHex('62') },
      ],
      {
        hash: 'sha256',
        signature: 'pkcs1',
        ldsSecurityObjectVersion: 0,
        signer: pki.documentSigner,
      },
    );
    const sod = parseSod(bytes);
    expect(sod.dataGroupOrder).toEqual([1, 14]);
    expect(toHex(bytes)).toContain('3025020101');
  });

  it('rejects duplicate or out-of-range data-group numbers', () => {
    const o = {
      hash: 'sha256',
      signature: 'pkcs1',
      ldsSecurityObjectVersion: 0,
      signer: pki.documentSigner,
    } as const;
    expect(() => buildSod([dgs[0]!, dgs[0]!], o)).toThrow(RangeError);
    expect(() => buildSod([{ number: 256, content: new Uint8Array(1) }], o)).toThrow(RangeError);
  });
});
