/**
 * LDS1 elementary files of the eMRTD application (ICAO Doc 9303-10, 8th ed. 2021, §4.6–4.7;
 * emrtd/README.md §1.6 and §2.9), built from the synthetic citizen.
 *
 * ```
 * EF.COM  60 { 5F01 04 "0107", 5F36 06 "040000", 5C <tags of present DGs> }
 * DG1     61 { 5F1F 5A <TD1 MRZ, 90 characters> }
 * DG11    6B { 5C taglist, 5F0E name, 5F10 personal number, 5F2B DOB YYYYMMDD, 5F11 place of birth, 5F42 address }
 * DG12    6C { 5C taglist, 5F19 issuing authority, 5F26 date of issue YYYYMMDD }
 * DG14    6E { SecurityInfos }
 * EF.CVCA 42 L CAR [42 L CAR], zero padded to 36 bytes (9303-11 §9.2.8 / TR-03110)
 * ```
 * Name fields use the MRZ convention (`SURNAME<<GIVEN<NAMES`), multi-part fields `<` between parts
 * (9303-10 §4.7.11 notes).
 */
import { tlv } from '../../bytes/ber-tlv.ts';
import { asciiBytes, concatBytes } from '../../bytes/bytes.ts';
import type { Citizen } from '../citizen.ts';
import { mrzName } from '../mrz.ts';

export const TAG_60_COM = 0x60;
export const TAG_61_DG1 = 0x61;
export const TAG_6B_DG11 = 0x6b;
export const TAG_6C_DG12 = 0x6c;
export const TAG_6E_DG14 = 0x6e;
const TAG_5C_TAG_LIST = 0x5c;

/** DG number → first tag of the file (9303-10 Table 34; emrtd/README.md §1.6). */
export const DG_TAGS: Readonly<Record<number, number>> = {
  1: 0x61,
  2: 0x75,
  3: 0x63,
  4: 0x76,
  5: 0x65,
  6: 0x66,
  7: 0x67,
  8: 0x68,
  9: 0x69,
  10: 0x6a,
  11: 0x6b,
  12: 0x6c,
  13: 0x6d,
  14: 0x6e,
  15: 0x6f,
  16: 0x70,
};

export const LDS_VERSION = '0107';
export const UNICODE_VERSION = '040000';

export function buildEfCom(dataGroups: readonly number[], ldsVersion = LDS_VERSION): Uint8Array {
  const tags = Uint8Array.from(dataGroups.map((n) => DG_TAGS[n] as number));
  return tlv(
    TAG_60_COM,
    tlv(0x5f01, asciiBytes(ldsVersion)),
    tlv(0x5f36, asciiBytes(UNICODE_VERSION)),
    tlv(TAG_5C_TAG_LIST, tags),
  );
}

export function buildDg1(mrz: readonly [string, string, string]): Uint8Array {
  const text = mrz.join('');
  if (text.length !== 90) throw new RangeError(`TD1 MRZ must be 90 characters, got ${text.length}`);
  return tlv(TAG_61_DG1, tlv(0x5f1f, asciiBytes(text)));
}

function compactDate(iso: string): string {
  return iso.replace(/-/g, '');
}

/** DG11 additional personal details; the field list follows what CIE readers check (emrtd/README.md §1.6). */
export function buildDg11(c: Citizen): Uint8Array {
  const fields: [number, string][] = [
    [0x5f0e, `${mrzName(c.surname)}<<${mrzName(c.givenName)}`],
    [0x5f10, c.fiscalCode],
    [0x5f2b, compactDate(c.birthDate)],
    [0x5f11, `${c.birthPlace.name}<${c.birthPlace.province}`],
    [
      0x5f42,
      `${c.address.street}<${c.address.municipality.postalCode}<${c.address.municipality.name}<${c.address.municipality.province}`,
    ],
  ];
  const tagList = concatBytes(...fields.map(([t]) => Uint8Array.of(t >> 8, t & 0xff)));
  return tlv(
    TAG_6B_DG11,
    tlv(TAG_5C_TAG_LIST, tagList),
    ...fields.map(([t, v]) => tlv(t, asciiBytes(v))),
  );
}

export function buildDg12(c: Citizen): Uint8Array {
  const fields: [number, string][] = [
    [0x5f19, c.document.issuingAuthority],
    [0x5f26, compactDate(c.document.issueDate)],
  ];
  const tagList = concatBytes(...fields.map(([t]) => Uint8Array.of(t >> 8, t & 0xff)));
  return tlv(
    TAG_6C_DG12,
    tlv(TAG_5C_TAG_LIST, tagList),
    ...fields.map(([t, v]) => tlv(t, asciiBytes(v))),
  );
}

export function buildDg14(securityInfos: Uint8Array): Uint8Array {
  return tlv(TAG_6E_DG14, securityInfos);
}

export const EF_CVCA_LENGTH = 36;

/** EF.CVCA: one or two CARs (DO 42), zero padded to 36 bytes. */
export function buildEfCvca(cars: readonly string[]): Uint8Array {
  if (cars.length < 1 || cars.length > 2) throw new RangeError('EF.CVCA holds one or two CARs');
  const body = concatBytes(...cars.map((c) => tlv(0x42, asciiBytes(c))));
  if (body.length > EF_CVCA_LENGTH) throw new RangeError('CARs too long for EF.CVCA');
  const out = new Uint8Array(EF_CVCA_LENGTH);
  out.set(body);
  return out;
}
