/**
 * File contents of the IAS application (ias/README.md §2.2) and its EF.SOD (§2.5):
 *
 * | FID  | content                                                       | SOD DG | hashed bytes      |
 * |------|---------------------------------------------------------------|--------|-------------------|
 * | D003 | `5A 0A` + 10 BCD bytes (PAN = 938000 ‖ NIS ‖ Luhn ‖ F)         | —      |                   |
 * | D004 | X9.42 DomainParameters {p, g, q} (DER) [open: real format]     | 1B     | DER length        |
 * | 1001 | NIS, 12 ASCII digits (= BCD digits of D003 bytes 5..10)        | A1     | 12 bytes          |
 * | 1002 | document number, 9 ASCII                                       | A2     | first 9 bytes     |
 * | 1003 | holder certificate DER + zero padding to 2048 bytes [inferred] | A3     | DER length        |
 * | 1004 | `30 82 01 0A 02 82 01 01 00 <n> 02 03 01 00 01` (key 82)       | A4     | DER length        |
 * | 1005 | same, key 83                                                   | A5     | DER length        |
 * | 1006 | `77 82 …` SignedData, DG order A5 1B A4 A3 A2 A1 (sample)      | —      |                   |
 *
 * SOD variants: `sha256-pkcs1` (LDS v0, SHA-256, RSA PKCS#1 v1.5 — older cards, desktop SHA-256
 * path) and `sha512-pss` (LDS v1, SHA-512, RSASSA-PSS — newer cards and the real sample).
 */
import * as asn1js from 'asn1js';
import { asciiBytes } from '../../bytes/bytes.ts';
import { fromHex } from '../../bytes/hex.ts';
import type { DhGroup } from '../../applications/ias/dh.ts';
import type { Citizen } from '../citizen.ts';
import { der } from '../pki/asn1-helpers.ts';
import { buildSod, type SodOptions } from '../pki/sod.ts';
import type { KeyAndCert } from '../pki/test-pki.ts';
import { rsaPublicKeyDer } from '../pki/x509.ts';
import type { IasKeys } from './ias-personalisation.ts';

export const SOD_VARIANTS = ['sha256-pkcs1', 'sha512-pss'] as const;
export type SodVariant = (typeof SOD_VARIANTS)[number];

/** Size of EF 1003 (certificate + zero padding) [inferred: real files are ~1.3–2 KB, §2.2]. */
export const CERT_FILE_SIZE = 2048;

export interface IasFiles {
  readonly snIcc: Uint8Array;
  readonly efDh: Uint8Array;
  readonly idServizi: Uint8Array;
  readonly seriale: Uint8Array;
  readonly certCie: Uint8Array;
  readonly intKpub: Uint8Array;
  readonly serviziKpub: Uint8Array;
  readonly sod: Uint8Array;
}

export interface IasFilesInput {
  readonly citizen: Citizen;
  readonly keys: IasKeys;
  readonly dh: DhGroup;
  readonly holderCertificate: Uint8Array;
  readonly sodVariant: SodVariant;
  readonly signer: KeyAndCert;
}

/** X9.42 DomainParameters ::= SEQUENCE { p, g, q } (RFC 3279 §2.3.3). */
export function efDhContent(dh: DhGroup): Uint8Array {
  const int = (b: Uint8Array): asn1js.Integer =>
    new asn1js.Integer({
      valueHex: ((b[0] as number) & 0x80 ? Uint8Array.of(0, ...b) : b).slice(),
    });
  return der(new asn1js.Sequence({ value: [int(dh.p), int(dh.g), int(dh.q)] }));
}

export function sodOptions(variant: SodVariant, signer: KeyAndCert): SodOptions {
  return variant === 'sha256-pkcs1'
    ? { hash: 'sha256', signature: 'pkcs1', ldsSecurityObjectVersion: 0, signer }
    : { hash: 'sha512', signature: 'pss', ldsSecurityObjectVersion: 1, signer };
}

function padTo(data: Uint8Array, size: number): Uint8Array {
  if (data.length > size)
    throw new RangeError(`certificate of ${data.length} bytes exceeds EF 1003 (${size})`);
  const out = new Uint8Array(size);
  out.set(data);
  return out;
}

export function buildIasFiles(input: IasFilesInput): IasFiles {
  const { citizen, keys } = input;
  const snIcc = fromHex(citizen.snIcc);
  const efDh = efDhContent(input.dh);
  const idServizi = asciiBytes(citizen.nis);
  const seriale = asciiBytes(citizen.document.number);
  const intKpub = rsaPublicKeyDer(keys.iccAuth);
  const serviziKpub = rsaPublicKeyDer(keys.servizi);
  const sod = buildSod(
    [
      { number: 0xa5, content: serviziKpub },
      { number: 0x1b, content: efDh },
      { number: 0xa4, content: intKpub },
      { number: 0xa3, content: input.holderCertificate },
      { number: 0xa2, content: seriale.subarray(0, 9) },
      { number: 0xa1, content: idServizi },
    ],
    sodOptions(input.sodVariant, input.signer),
  );
  return {
    snIcc,
    efDh,
    idServizi,
    seriale,
    certCie: padTo(input.holderCertificate, CERT_FILE_SIZE),
    intKpub,
    serviziKpub,
    sod,
  };
}
