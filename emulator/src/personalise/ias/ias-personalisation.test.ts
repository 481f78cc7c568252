import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as asn1js from 'asn1js';
import { bigIntToBytes, bytesToBigInt } from '../../bytes/bytes.ts';
import { fromHex, toHex } from '../../bytes/hex.ts';
import { modPow } from '../../crypto/rsa.ts';
import { seededRng } from '../../crypto/rng.ts';
import { DAPP_CA_PRIVATE_EXPONENT } from '../../applications/ias/interop.ts';
import { defaultCardImage } from '../../profiles/default-card-image.ts';
import { iasPersonalisationFromImage } from '../../state/image-convert.ts';
import { verifyIssuedBy } from '../pki/chain.ts';
import { parseSod } from '../pki/sod.ts';
import { generateTestPki, DEFAULT_PKI_SEED } from '../pki/test-pki.ts';
import { buildIasFiles, CERT_FILE_SIZE } from './ias-files.ts';
import { RFC5114_2048_256 } from './dh-group.ts';

const p = iasPersonalisationFromImage(defaultCardImage());

describe('IAS personalisation (ias/README.md §2.2–2.5)', () => {
  it('the DAPP CA key fits the private exponent hard-coded in every client (§2.4 recipe)', () => {
    const { n, e } = p.keys.ca;
    expect(p.keys.ca.d).toBe(DAPP_CA_PRIVATE_EXPONENT);
    expect(n.toString(2)).toHaveLength(2048);
    for (const seed of ['a', 'b', 'c']) {
      const x = bytesToBigInt(seededRng(seed).bytes(255));
      expect(modPow(modPow(x, DAPP_CA_PRIVATE_EXPONENT, n), e, n)).toBe(x);
    }
    expect(toHex(p.caChr).slice(0, 8)).toBe('00000000');
    expect(p.caChr).toHaveLength(12);
    expect(p.caCha).toHaveLength(7);
  });

  it('RFC 5114 §2.3 group: q divides p − 1 and g has order q', () => {
    const P = bytesToBigInt(RFC5114_2048_256.p);
    const Q = bytesToBigInt(RFC5114_2048_256.q);
    const G = bytesToBigInt(RFC5114_2048_256.g);
    expect((P - 1n) % Q).toBe(0n);
    expect(modPow(G, Q, P)).toBe(1n);
    expect(RFC5114_2048_256.g).toHaveLength(RFC5114_2048_256.p.length);
  });

  it('EF 1004/1005 are 270-byte DER RSAPublicKeys in the §2.2 form (modulus at offset 8 with its leading 00)', () => {
    for (const [file, key] of [
      [p.files.intKpub, p.keys.iccAuth],
      [p.files.serviziKpub, p.keys.servizi],
    ] as const) {
      expect(file).toHaveLength(270);
      expect(toHex(file.subarray(0, 9))).toBe('3082010A0282010100');
      expect(toHex(file.subarray(9, 265))).toBe(toHex(bigIntToBytes(key.n, 256)));
      expect(toHex(file.subarray(265))).toBe('0203010001');
    }
  });

  it('EF.SN.ICC, NIS and document number are consistent (§2.2 notes)', () => {
    expect(toHex(p.files.snIcc.subarray(0, 2))).toBe('5A0A');
    expect(toHex(p.files.snIcc.subarray(5, 11))).toBe(p.citizen.nis);
    expect(new TextDecoder().decode(p.files.idServizi)).toBe(p.citizen.nis);
    expect(new TextDecoder().decode(p.files.seriale)).toMatch(/^C[A-Z]\d{5}[A-Z]{2}$/);
  });

  it('EF 1003: the holder certificate (CN = CF/NIS, serialNumber = IDCIT-<doc>) + zero padding, chained to the TEST holder CA', () => {
    expect(p.files.certCie).toHaveLength(CERT_FILE_SIZE);
    const c = new X509Certificate(p.certificates.holder);
    expect(c.subject).toContain(`CN=${p.citizen.fiscalCode}/${p.citizen.nis}`);
    expect(c.subject).toContain(`serialNumber=IDCIT-${p.citizen.document.number}`);
    expect(c.issuer).toContain('TEST');
    expect(toHex(p.files.certCie.subarray(p.certificates.holder.length))).toMatch(/^(00)+$/);
    expect(
      verifyIssuedBy(
        p.certificates.holder,
        p.certificates.holderCa,
        new Date(`${p.citizen.document.issueDate}T12:00:00Z`),
      ).ok,
    ).toBe(true);
    expect(c.publicKey.export({ format: 'jwk' }).n).toBe(
      Buffer.from(bigIntToBytes(p.keys.holder.n, 256)).toString('base64url'),
    );
  });

  it('EF.DH (D004) is an X9.42 DomainParameters SEQUENCE {p, g, q} of the card group', () => {
    const seq = asn1js.fromBER(p.files.efDh.slice()).result as asn1js.Sequence;
    const ints = seq.valueBlock.value as asn1js.Integer[];
    expect(ints).toHaveLength(3);
    expect(bytesToBigInt(new Uint8Array(ints[0]!.valueBlock.valueHexView))).toBe(
      bytesToBigInt(p.dh.p),
    );
    expect(bytesToBigInt(new Uint8Array(ints[2]!.valueBlock.valueHexView))).toBe(
      bytesToBigInt(p.dh.q),
    );
  });

  it('EF.SOD in both variants hashes exactly what the desktop hashes (§2.5) and chains to the TEST CSCA', () => {
    const pki = generateTestPki(DEFAULT_PKI_SEED);
    for (const variant of ['sha256-pkcs1', 'sha512-pss'] as const) {
      const files = buildIasFiles({
        citizen: p.citizen,
        keys: p.keys,
        dh: p.dh,
        holderCertificate: p.certificates.holder,
        sodVariant: variant,
        signer: pki.documentSigner,
      });
      const sod = parseSod(files.sod);
      expect(sod.verifySignature(), variant).toBe(true);
      expect(sod.digestAlgorithm).toBe(variant === 'sha256-pkcs1' ? 'sha256' : 'sha512');
      expect(sod.version).toBe(variant === 'sha256-pkcs1' ? 0 : 1);
      expect(sod.dataGroupOrder).toEqual([0xa5, 0x1b, 0xa4, 0xa3, 0xa2, 0xa1]);
      expect(sod.verifyDataGroup(0xa1, files.idServizi)).toBe(true);
      expect(sod.verifyDataGroup(0xa2, files.seriale.subarray(0, 9))).toBe(true);
      expect(sod.verifyDataGroup(0xa3, p.certificates.holder)).toBe(true);
      expect(sod.verifyDataGroup(0xa3, files.certCie)).toBe(false);
      expect(sod.verifyDataGroup(0xa4, files.intKpub)).toBe(true);
      expect(sod.verifyDataGroup(0xa5, files.serviziKpub)).toBe(true);
      expect(sod.verifyDataGroup(0x1b, files.efDh)).toBe(true);
      expect(verifyIssuedBy(sod.signerCertificate, pki.csca.certificate).ok).toBe(true);
    }
    expect(toHex(p.files.sod)).toBe(
      toHex(
        buildIasFiles({
          citizen: p.citizen,
          keys: p.keys,
          dh: p.dh,
          holderCertificate: p.certificates.holder,
          sodVariant: p.sodVariant,
          signer: pki.documentSigner,
        }).sod,
      ),
    );
    expect(fromHex(defaultCardImage().ias.certificates.csca)).toEqual(pki.csca.certificate);
  });
});
