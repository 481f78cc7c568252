/**
 * eMRTD personalisation: the LDS files of the synthetic citizen (ICAO 9303-10 §4.6–4.7), their
 * consistency (EF.COM ↔ present DGs, DG14 ↔ EF.CardAccess, EF.SOD ↔ every DG), the options, the
 * JSON form and its schema, and determinism.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTlvTree, findTlv } from '../../bytes/ber-tlv.ts';
import { bytesToAscii } from '../../bytes/bytes.ts';
import { fromHex, toHex } from '../../bytes/hex.ts';
import { generateCitizen } from '../citizen.ts';
import { mrzCheckDigit } from '../mrz.ts';
import { DEFAULT_PKI_SEED, generateTestPki } from '../pki/test-pki.ts';
import { parseSod } from '../pki/sod.ts';
import { verifyDocumentSigner } from '../pki/chain.ts';
import { parseSecurityInfos } from '../../protocols/security-infos.ts';
import {
  CIE_EF_CARD_ACCESS,
  emrtdPersonalisationSchema,
  personaliseEmrtd,
  type EmrtdPersonalisation,
} from './personalise-emrtd.ts';
import { syntheticFace } from './synthetic-images.ts';
import { encodeGreyJpeg } from './jpeg-encoder.ts';

const SEED = 'perso-test';
const citizen = generateCitizen(SEED);
const pki = generateTestPki(DEFAULT_PKI_SEED);
const p = personaliseEmrtd(SEED, citizen, pki);
const file = (k: keyof EmrtdPersonalisation['files']): Uint8Array => fromHex(p.files[k] ?? '');

describe('LDS files of the default (CIE-like) personalisation', () => {
  it('EF.CardAccess is the real CIE content (real-card/ef-cardaccess-cie.txt)', () => {
    const base64 = readFileSync(
      new URL('./real-card/ef-cardaccess-cie.txt', import.meta.url),
      'utf8',
    )
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(base64).toHaveLength(1);
    expect(toHex(Buffer.from(base64[0] ?? '', 'base64'))).toBe(p.cardAccess);
    expect(p.cardAccess).toBe('31143012060A04007F00070202040101020102020102');
    expect(p.cardAccess).toBe(toHex(CIE_EF_CARD_ACCESS));
  });

  it('DG1: 61 5D 5F1F 5A + the TD1 MRZ of the citizen, check digits per 9303-3 §4.9', () => {
    const dg1 = file('dg1');
    expect(toHex(dg1.subarray(0, 5))).toBe('615D5F1F5A');
    const mrz = bytesToAscii(dg1.subarray(5));
    expect(mrz).toBe(citizen.mrz.join(''));
    const [l1, l2] = citizen.mrz;
    expect(l1.slice(14, 15)).toBe(mrzCheckDigit(l1.slice(5, 14)));
    expect(l2.slice(6, 7)).toBe(mrzCheckDigit(l2.slice(0, 6)));
    expect(l2.slice(14, 15)).toBe(mrzCheckDigit(l2.slice(8, 14)));
    expect(p.chip.mrzInformation).toBe(`${l1.slice(5, 15)}${l2.slice(0, 7)}${l2.slice(8, 15)}`);
  });

  it('EF.COM: LDS 0107, Unicode 040000, tag list of DG1, DG2, DG3, DG11, DG12, DG14 (emrtd/README.md §1.6)', () => {
    expect(toHex(file('com'))).toBe(
      '60185F0104303130375F3606303430303030' + '5C06' + '6175636B6C6E',
    );
  });

  it('DG11 / DG12 carry the citizen: name, fiscal code, full birth date, birthplace, address; authority, issue date', () => {
    const dg11 = parseTlvTree(file('dg11'))[0];
    const text = (t: number): string =>
      bytesToAscii(findTlv(dg11?.children, t)?.value ?? new Uint8Array(0));
    expect(text(0x5f10)).toBe(citizen.fiscalCode);
    expect(text(0x5f2b)).toBe(citizen.birthDate.replace(/-/g, ''));
    expect(text(0x5f0e)).toBe(`${citizen.surname}<<${citizen.givenName}`);
    expect(toHex(findTlv(dg11?.children, 0x5c)?.value ?? new Uint8Array(0))).toBe(
      '5F0E5F105F2B5F115F42',
    );
    const dg12 = parseTlvTree(file('dg12'))[0];
    expect(bytesToAscii(findTlv(dg12?.children, 0x5f19)?.value ?? new Uint8Array(0))).toBe(
      citizen.document.issuingAuthority,
    );
  });

  it('DG14: CA DH public key (X9.42) + CA DH-3DES v1 + TA v1 + the same PACEInfo as EF.CardAccess', () => {
    const dg14 = parseTlvTree(file('dg14'))[0];
    const infos = parseSecurityInfos(dg14?.value ?? new Uint8Array(0));
    expect(infos.map((i) => i.type).sort()).toEqual(['ca', 'ca-public-key', 'pace', 'ta']);
    expect(infos.find((i) => i.type === 'ca')).toMatchObject({
      protocol: { oid: '0.4.0.127.0.7.2.2.3.1.1', cipher: '3DES' },
      version: 1,
    });
    expect(infos.find((i) => i.type === 'ca-public-key')).toMatchObject({
      oid: '0.4.0.127.0.7.2.2.1.1',
      key: { algorithm: '1.2.840.10046.2.1' },
    });
    expect(infos.filter((i) => i.type === 'pace')).toEqual(parseSecurityInfos(CIE_EF_CARD_ACCESS));
  });

  it('DG2 / DG3: ISO 19794-5 face record (JPEG) and two ISO 19794-4 finger records in CBEFF templates', () => {
    const dg2 = file('dg2');
    expect(toHex(dg2.subarray(0, 1))).toBe('75');
    const bit = findTlv(findTlv(parseTlvTree(dg2)[0]?.children, 0x7f61)?.children, 0x7f60);
    expect(
      toHex(findTlv(findTlv(bit?.children, 0xa1)?.children, 0x88)?.value ?? new Uint8Array(0)),
    ).toBe('0008');
    const record = findTlv(bit?.children, 0x5f2e)?.value ?? new Uint8Array(0);
    expect(bytesToAscii(record.subarray(0, 8))).toBe('FAC\u0000010\u0000');
    expect(toHex(record.subarray(46, 48))).toBe('FFD8');
    const dg3 = parseTlvTree(file('dg3'))[0];
    const group = findTlv(dg3?.children, 0x7f61);
    expect(toHex(findTlv(group?.children, 0x02)?.value ?? new Uint8Array(0))).toBe('02');
    expect(group?.children?.filter((c) => c.tag === 0x7f60)).toHaveLength(2);
  });

  it('EF.CVCA: DO 42 with the CAR of the test CVCA, zero padded to 36 bytes', () => {
    const cvca = file('cvca');
    expect(cvca).toHaveLength(36);
    expect(bytesToAscii(cvca.subarray(2, 2 + (cvca[1] as number)))).toBe('ITCIEBCVCA00001');
    expect(cvca.subarray(2 + (cvca[1] as number)).every((b) => b === 0)).toBe(true);
  });

  it('EF.SOD: SHA-256 hashes of every DG, signature by the shared test DS, DS chains to the test CSCA', () => {
    const sod = parseSod(file('sod'));
    expect(sod.hashAlgorithm).toBe('sha256');
    expect(sod.verifySignature()).toBe(true);
    expect(verifyDocumentSigner(sod.signerCertificate, pki.csca.certificate).ok).toBe(true);
    expect(sod.dataGroupOrder).toEqual([1, 2, 3, 11, 12, 14]);
    for (const [n, k] of [
      [1, 'dg1'],
      [2, 'dg2'],
      [3, 'dg3'],
      [11, 'dg11'],
      [12, 'dg12'],
      [14, 'dg14'],
    ] as const)
      expect(sod.verifyDataGroup(n, file(k)), k).toBe(true);
  });
});

describe('personalisation options, JSON form, determinism', () => {
  it('SOD options: SHA-1 + PKCS#1 + LDSSecurityObject v0 (early cards), SHA-512 + v1', () => {
    const early = personaliseEmrtd(SEED, citizen, pki, {
      sod: { hash: 'sha1', signature: 'pkcs1', ldsSecurityObjectVersion: 0 },
    });
    expect(parseSod(fromHex(early.files.sod))).toMatchObject({
      hashAlgorithm: 'sha1',
      signatureAlgorithm: { kind: 'pkcs1' },
      version: 0,
    });
    const v1 = personaliseEmrtd(SEED, citizen, pki, {
      sod: { hash: 'sha512', ldsSecurityObjectVersion: 1 },
    });
    expect(parseSod(fromHex(v1.files.sod))).toMatchObject({ hashAlgorithm: 'sha512', version: 1 });
  });

  it('several PACEInfos, no DG3, EF.DIR: EF.CardAccess lists them, EF.COM and EF.SOD follow', () => {
    const q = personaliseEmrtd(SEED, citizen, pki, {
      paceInfos: [
        { agreement: 'DH', cipher: '3DES', parameterId: 2 },
        { agreement: 'ECDH', cipher: 'AES-256', parameterId: 16 },
      ],
      withDg3: false,
      withEfDir: true,
    });
    expect(parseSecurityInfos(fromHex(q.cardAccess))).toHaveLength(2);
    expect(q.files.dg3).toBeUndefined();
    expect(q.files.com.endsWith('5C0561756B6C6E')).toBe(true);
    expect(q.efDir).toBe('61094F07A0000002471001');
    expect(parseSod(fromHex(q.files.sod)).dataGroupOrder).toEqual([1, 2, 11, 12, 14]);
  });

  it('an unsupported domain is refused at personalisation (parameterId 8 = P-192 has no implementation)', () => {
    expect(() =>
      personaliseEmrtd(SEED, citizen, pki, {
        paceInfos: [{ agreement: 'ECDH', cipher: 'AES-128', parameterId: 8 }],
      }),
    ).toThrow(/parameterId 8/);
  });

  it('is JSON-serialisable and validated by its zod schema; a tampered record is refused', () => {
    const back = emrtdPersonalisationSchema.parse(JSON.parse(JSON.stringify(p)));
    expect(back).toEqual(p);
    expect(
      emrtdPersonalisationSchema.safeParse({ ...p, chip: { ...p.chip, can: '12345' } }).success,
    ).toBe(false);
    expect(
      emrtdPersonalisationSchema.safeParse({ ...p, files: { ...p.files, dg1: 'XYZ' } }).success,
    ).toBe(false);
  });

  it('same seed, same bytes (images, keys, SOD); another seed, another card', () => {
    expect(personaliseEmrtd(SEED, citizen, pki)).toEqual(p);
    const other = personaliseEmrtd('perso-test-2', generateCitizen('perso-test-2'), pki);
    expect(other.files.dg2).not.toBe(p.files.dg2);
    expect(other.chip.chipAuthenticationKeys[0]?.privateKey).not.toBe(
      p.chip.chipAuthenticationKeys[0]?.privateKey,
    );
  });
});

describe('baseline JPEG encoder (ITU-T T.81)', () => {
  it('SOI, JFIF, DQT, SOF0 with the image size, DHT with 12 DC and 162 AC codes, SOS, stuffed entropy data, EOI', () => {
    const img = syntheticFace('jpeg-test', 64, 48);
    const jpeg = encodeGreyJpeg(img);
    const markers: number[] = [];
    let i = 2;
    expect(toHex(jpeg.subarray(0, 2))).toBe('FFD8');
    while (i < jpeg.length) {
      expect(jpeg[i]).toBe(0xff);
      const m = jpeg[i + 1] as number;
      markers.push(m);
      if (m === 0xd9) break;
      const len = ((jpeg[i + 2] as number) << 8) | (jpeg[i + 3] as number);
      if (m === 0xc0) expect(toHex(jpeg.subarray(i + 5, i + 9))).toBe('00300040');
      if (m === 0xc4) {
        const dc = jpeg.subarray(i + 5, i + 21).reduce((a, b) => a + b, 0);
        const acStart = i + 5 + 16 + dc + 1;
        expect(dc).toBe(12);
        expect(jpeg.subarray(acStart, acStart + 16).reduce((a, b) => a + b, 0)).toBe(162);
      }
      i += 2 + len;
      if (m === 0xda) {
        // entropy-coded segment: every FF is followed by 00 (F.1.2.3) until EOI
        for (; !(jpeg[i] === 0xff && jpeg[i + 1] === 0xd9); i++)
          if (jpeg[i] === 0xff) expect(jpeg[i + 1]).toBe(0x00);
      }
    }
    expect(markers).toEqual([0xe0, 0xdb, 0xc0, 0xc4, 0xda, 0xd9]);
  });
});
