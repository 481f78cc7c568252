/**
 * Italian fiscal code (codice fiscale), D.M. 23/12/1976 and D.P.R. 605/1973: surname and name
 * letters, year, month letter, day (+40 for women), municipality (Belfiore) code, check letter.
 * Omocodia substitutions are not generated.
 */

const MONTHS = 'ABCDEHLMPRST';
const ODD: Readonly<Record<string, number>> = {
  '0': 1,
  '1': 0,
  '2': 5,
  '3': 7,
  '4': 9,
  '5': 13,
  '6': 15,
  '7': 17,
  '8': 19,
  '9': 21,
  A: 1,
  B: 0,
  C: 5,
  D: 7,
  E: 9,
  F: 13,
  G: 15,
  H: 17,
  I: 19,
  J: 21,
  K: 2,
  L: 4,
  M: 18,
  N: 20,
  O: 11,
  P: 3,
  Q: 6,
  R: 8,
  S: 12,
  T: 14,
  U: 16,
  V: 10,
  W: 22,
  X: 25,
  Y: 24,
  Z: 23,
};

function letters(text: string): { consonants: string; vowels: string } {
  const clean = text
    .toUpperCase()
    .normalize('NFD')
    .replace(/[^A-Z]/g, '');
  return { consonants: clean.replace(/[AEIOU]/g, ''), vowels: clean.replace(/[^AEIOU]/g, '') };
}

function surnameCode(surname: string): string {
  const { consonants, vowels } = letters(surname);
  return `${consonants}${vowels}XXX`.slice(0, 3);
}

function nameCode(name: string): string {
  const { consonants, vowels } = letters(name);
  if (consonants.length >= 4) return `${consonants[0]}${consonants[2]}${consonants[3]}`;
  return `${consonants}${vowels}XXX`.slice(0, 3);
}

function evenValue(c: string): number {
  const code = c.charCodeAt(0);
  return code >= 48 && code <= 57 ? code - 48 : code - 65;
}

/** The 16th character, from the first 15. */
export function fiscalCodeCheckChar(first15: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = first15[i] as string;
    // Positions are counted from 1: odd positions are even indexes.
    sum += i % 2 === 0 ? (ODD[c] ?? NaN) : evenValue(c);
  }
  if (Number.isNaN(sum)) throw new RangeError(`invalid fiscal code characters: ${first15}`);
  return String.fromCharCode(65 + (sum % 26));
}

export interface FiscalCodeInput {
  readonly surname: string;
  readonly givenName: string;
  /** ISO date YYYY-MM-DD */
  readonly birthDate: string;
  readonly sex: 'M' | 'F';
  /** Belfiore code of the municipality, e.g. H501 (Roma). */
  readonly municipalityCode: string;
}

export function fiscalCode(p: FiscalCodeInput): string {
  const [y, m, d] = p.birthDate.split('-').map(Number) as [number, number, number];
  const day = String(d + (p.sex === 'F' ? 40 : 0)).padStart(2, '0');
  const first15 = `${surnameCode(p.surname)}${nameCode(p.givenName)}${String(y % 100).padStart(2, '0')}${MONTHS[m - 1]}${day}${p.municipalityCode}`;
  return `${first15}${fiscalCodeCheckChar(first15)}`;
}

export function isValidFiscalCode(code: string): boolean {
  return (
    /^[A-Z]{6}\d{2}[ABCDEHLMPRST]\d{2}[A-Z]\d{3}[A-Z]$/.test(code) &&
    fiscalCodeCheckChar(code.slice(0, 15)) === code[15]
  );
}
