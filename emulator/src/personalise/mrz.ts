/**
 * Machine-readable zone helpers, ICAO Doc 9303-3 §4.9 (check digits, weights 7-3-1) and
 * ICAO Doc 9303-5 §4.2 (TD1: three lines of 30 characters).
 */

const WEIGHTS = [7, 3, 1] as const;

function charValue(c: string): number {
  if (c === '<') return 0;
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  throw new RangeError(`character '${c}' is not allowed in an MRZ`);
}

/** ICAO 9303-3 §4.9 check digit. */
export function mrzCheckDigit(field: string): string {
  let sum = 0;
  for (let i = 0; i < field.length; i++)
    sum += charValue(field[i] as string) * (WEIGHTS[i % 3] as number);
  return String(sum % 10);
}

/** Upper-case, Latin letters only, other characters to '<' (ICAO 9303-3 §4.6 transliteration, simplified to ASCII). */
export function mrzName(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z]/g, '<');
}

function fit(text: string, length: number): string {
  return (text + '<'.repeat(length)).slice(0, length);
}

export interface Td1Input {
  /** Two characters, e.g. `CI` for the CIE (emrtd/README.md §1.1). */
  readonly documentCode: string;
  readonly issuingState: string;
  readonly documentNumber: string;
  /** YYMMDD */
  readonly birthDate: string;
  readonly sex: 'M' | 'F' | '<';
  /** YYMMDD */
  readonly expiryDate: string;
  readonly nationality: string;
  readonly surname: string;
  readonly givenNames: string;
}

/** The three TD1 lines (ICAO 9303-5 §4.2.2), composite check digit included. */
export function td1Lines(m: Td1Input): [string, string, string] {
  const doc = fit(m.documentNumber, 9);
  const line1 = fit(`${fit(m.documentCode, 2)}${m.issuingState}${doc}${mrzCheckDigit(doc)}`, 30);
  const dob = `${m.birthDate}${mrzCheckDigit(m.birthDate)}`;
  const doe = `${m.expiryDate}${mrzCheckDigit(m.expiryDate)}`;
  const optional2 = '<'.repeat(11);
  const composite = mrzCheckDigit(`${line1.slice(5, 30)}${dob}${doe}${optional2}`);
  const line2 = `${dob}${m.sex}${doe}${fit(m.nationality, 3)}${optional2}${composite}`;
  const line3 = fit(`${mrzName(m.surname)}<<${mrzName(m.givenNames)}`, 30);
  return [line1, line2, line3];
}

/** Document number ‖ check ‖ DOB ‖ check ‖ DOE ‖ check: the BAC/PACE-MRZ key seed input (ICAO 9303-11 §9.7.2). */
export function mrzInformation(
  documentNumber: string,
  birthDate: string,
  expiryDate: string,
): string {
  const doc = fit(documentNumber, 9);
  return `${doc}${mrzCheckDigit(doc)}${birthDate}${mrzCheckDigit(birthDate)}${expiryDate}${mrzCheckDigit(expiryDate)}`;
}
