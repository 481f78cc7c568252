import { describe, expect, it } from 'vitest';
import { generateCitizen, luhnDigit, nisFromSnIcc, snIccForNis } from './citizen.ts';
import { fiscalCode, isValidFiscalCode } from './fiscal-code.ts';
import { mrzCheckDigit, mrzInformation, td1Lines } from './mrz.ts';

describe('MRZ (ICAO 9303-3 §4.9, 9303-5 §4.2)', () => {
  it('check digits with weights 7-3-1 (9303-11 Appendix D.2 example L898902C< / 690806 / 940623 → 3 / 1 / 6)', () => {
    expect([mrzCheckDigit('L898902C<'), mrzCheckDigit('690806'), mrzCheckDigit('940623')]).toEqual([
      '3',
      '1',
      '6',
    ]);
  });
  it('TD1 lines of the synthetic profile in emrtd/README.md §1.7 [generated example]', () => {
    expect(
      td1Lines({
        documentCode: 'CI',
        issuingState: 'ITA',
        documentNumber: 'CA00000AA',
        birthDate: '800101',
        sex: 'M',
        expiryDate: '300101',
        nationality: 'ITA',
        surname: 'ROSSI',
        givenNames: 'MARIO',
      }),
    ).toEqual([
      'CIITACA00000AA4<<<<<<<<<<<<<<<',
      '8001014M3001019ITA<<<<<<<<<<<4',
      'ROSSI<<MARIO<<<<<<<<<<<<<<<<<<',
    ]);
    expect(mrzInformation('CA00000AA', '800101', '300101')).toBe('CA00000AA480010143001019');
  });
});

describe('fiscal code (D.M. 23/12/1976)', () => {
  it('computes the well-known placeholder RSSMRA80A01H501U and its check character', () => {
    expect(
      fiscalCode({
        surname: 'ROSSI',
        givenName: 'MARIO',
        birthDate: '1980-01-01',
        sex: 'M',
        municipalityCode: 'H501',
      }),
    ).toBe('RSSMRA80A01H501U');
    expect(isValidFiscalCode('RSSMRA80A01H501U')).toBe(true);
    expect(isValidFiscalCode('RSSMRA80A01H501A')).toBe(false);
  });
  it('adds 40 to the day for women and takes the 1st, 3rd and 4th consonant of long names', () => {
    expect(
      fiscalCode({
        surname: 'BIANCHI',
        givenName: 'FRANCESCA',
        birthDate: '1990-12-31',
        sex: 'F',
        municipalityCode: 'F205',
      }).slice(0, 11),
    ).toBe('BNCFNC90T71');
  });
});

describe('synthetic citizen', () => {
  const c = generateCitizen('unit-test');
  it('is deterministic for a seed and different across seeds', () => {
    expect(generateCitizen('unit-test')).toEqual(c);
    expect(generateCitizen('other').nis).not.toBe(c.nis);
  });
  it('has well-formed identifiers: document CA00000AA pattern, 12-digit NIS, 6-digit CAN, 8-digit PIN/PUK, valid fiscal code', () => {
    expect(c.document.number).toMatch(/^C[A-Z]\d{5}[A-Z]{2}$/);
    expect(c.nis).toMatch(/^[1-9]\d{11}$/);
    expect(c.can).toMatch(/^\d{6}$/);
    expect(c.pin).toMatch(/^\d{8}$/);
    expect(c.puk).toMatch(/^\d{8}$/);
    expect(isValidFiscalCode(c.fiscalCode)).toBe(true);
  });
  it('EF.SN.ICC bytes 5..10 carry the NIS (ias/README.md §2.2 notes) with the real card layout and a Luhn digit', () => {
    expect(c.snIcc).toMatch(/^5A0A938000\d{13}F$/);
    expect(nisFromSnIcc(c.snIcc)).toBe(c.nis);
    // The real read-out 5A0A 9380 0051 8654 7797 299F (cie-PN532 issue #3) has the same shape.
    expect(nisFromSnIcc('5A0A93800051865477972 99F'.replace(/ /g, ''))).toBe('518654779729');
    expect(luhnDigit('7992739871')).toBe('3');
    expect(snIccForNis(c.nis)).toBe(c.snIcc);
  });
  it('the MRZ encodes the citizen: document number, dates, sex, names', () => {
    const [l1, l2, l3] = c.mrz;
    expect(l1.slice(5, 14)).toBe(c.document.number);
    expect(l2.slice(0, 6)).toBe(c.birthDate.slice(2).replace(/-/g, ''));
    expect(l2[7]).toBe(c.sex);
    expect(l2.slice(8, 14)).toBe(c.document.expiryDate.slice(2).replace(/-/g, ''));
    expect(l3.startsWith(`${c.surname}<<${c.givenName}`)).toBe(true);
    for (const line of c.mrz) expect(line).toHaveLength(30);
  });
  it('expires on the birthday ten years after issue', () => {
    expect(Number(c.document.expiryDate.slice(0, 4))).toBe(
      Number(c.document.issueDate.slice(0, 4)) + 10,
    );
    expect(c.document.expiryDate.slice(5)).toBe(
      c.birthDate.slice(5) === '02-29' ? '02-28' : c.birthDate.slice(5),
    );
  });
});
