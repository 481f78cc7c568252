/**
 * Synthetic citizens: every personal datum of an emulated card, derived deterministically from a
 * seed. Names are invented (surnames such as PROVATI or SIMULATI are not real families), so no
 * real person's data can appear. The same citizen feeds both applications of one card (IAS and
 * eMRTD).
 *
 * Consistency rules that clients rely on:
 * - the NIS (EF.ID_Servizi, 12 ASCII digits) equals the BCD digits of EF.SN.ICC bytes 5..10
 *   (ias/README.md §2.2 notes: the desktop middleware keys its cache by both);
 * - the document number follows `C[A-Z]\d{5}[A-Z]{2}` (ias/README.md §2.2, e.g. `CA00000AA`);
 * - the fiscal code has a correct check character; the MRZ has correct check digits.
 */
import { seededRng, type Rng } from '../crypto/rng.ts';
import { fiscalCode } from './fiscal-code.ts';
import { td1Lines } from './mrz.ts';

export interface Municipality {
  readonly name: string;
  readonly province: string;
  /** Belfiore (cadastral) code. */
  readonly code: string;
  readonly postalCode: string;
}

export interface Citizen {
  readonly seed: string;
  readonly givenName: string;
  readonly surname: string;
  readonly sex: 'M' | 'F';
  /** YYYY-MM-DD */
  readonly birthDate: string;
  readonly birthPlace: Municipality;
  readonly fiscalCode: string;
  readonly nationality: 'ITA';
  readonly address: { readonly street: string; readonly municipality: Municipality };
  readonly document: {
    readonly number: string;
    /** YYYY-MM-DD */
    readonly issueDate: string;
    readonly expiryDate: string;
    readonly issuingAuthority: string;
  };
  /** Numero Identificativo per i Servizi: 12 ASCII digits (EF 1001). */
  readonly nis: string;
  /** EF.SN.ICC (D003): `5A 0A` + 10 BCD bytes, hex. */
  readonly snIcc: string;
  /** Card access number printed on the card: 6 digits. */
  readonly can: string;
  /** 8 digits each; the PIN is delivered in two halves of 4. */
  readonly pin: string;
  readonly puk: string;
  /** TD1 machine-readable zone. */
  readonly mrz: readonly [string, string, string];
}

const GIVEN_M = [
  'MARIO',
  'LUCA',
  'MARCO',
  'PAOLO',
  'ANDREA',
  'GIOVANNI',
  'STEFANO',
  'MATTEO',
] as const;
const GIVEN_F = [
  'GIULIA',
  'ANNA',
  'SARA',
  'ELENA',
  'CHIARA',
  'FRANCESCA',
  'MARTA',
  'LAURA',
] as const;
const SURNAMES = [
  'PROVATI',
  'ESEMPI',
  'CAMPIONI',
  'FITTIZI',
  'SINTETICI',
  'COLLAUDI',
  'SIMULATI',
  'EMULATI',
] as const;
const STREETS = [
  'VIA DEI TEST',
  'VIA DEL COLLAUDO',
  'PIAZZA DELLE PROVE',
  'VIALE SINTETICO',
] as const;
export const MUNICIPALITIES: readonly Municipality[] = [
  { name: 'ROMA', province: 'RM', code: 'H501', postalCode: '00100' },
  { name: 'MILANO', province: 'MI', code: 'F205', postalCode: '20100' },
  { name: 'NAPOLI', province: 'NA', code: 'F839', postalCode: '80100' },
  { name: 'TORINO', province: 'TO', code: 'L219', postalCode: '10100' },
  { name: 'PALERMO', province: 'PA', code: 'G273', postalCode: '90100' },
  { name: 'BOLOGNA', province: 'BO', code: 'A944', postalCode: '40100' },
  { name: 'FIRENZE', province: 'FI', code: 'D612', postalCode: '50100' },
  { name: 'BARI', province: 'BA', code: 'A662', postalCode: '70100' },
];

/** Uniform-enough integer in [0, below) from 32 random bits (the bias is irrelevant for test data). */
function int(rng: Rng, below: number): number {
  const b = rng.bytes(4);
  const v =
    (b[0] as number) * 0x1000000 +
    (b[1] as number) * 0x10000 +
    (b[2] as number) * 0x100 +
    (b[3] as number);
  return v % below;
}

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[int(rng, list.length)] as T;
}

function digits(rng: Rng, n: number, firstNonZero = false): string {
  let out = '';
  for (let i = 0; i < n; i++)
    out += String(i === 0 && firstNonZero ? 1 + int(rng, 9) : int(rng, 10));
  return out;
}

function letter(rng: Rng): string {
  return String.fromCharCode(65 + int(rng, 26));
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function randomDate(
  rng: Rng,
  fromYear: number,
  toYear: number,
): { y: number; m: number; d: number } {
  const y = fromYear + int(rng, toYear - fromYear + 1);
  const m = 1 + int(rng, 12);
  const d = 1 + int(rng, daysIn(y, m));
  return { y, m, d };
}

/** Luhn check digit (ISO/IEC 7812-1 Annex B) for the PAN of EF.SN.ICC. */
export function luhnDigit(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let v = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
  }
  return String((10 - (sum % 10)) % 10);
}

/** EF.SN.ICC content for a NIS: `5A 0A` ‖ BCD("938000" ‖ NIS ‖ Luhn) ‖ F pad — the real card's layout (ias/README.md §2.2). */
export function snIccForNis(nis: string): string {
  if (!/^\d{12}$/.test(nis)) throw new RangeError('NIS must be 12 digits');
  const pan = `938000${nis}`;
  return `5A0A${pan}${luhnDigit(pan)}F`;
}

/** The 12 hex digits the desktop middleware derives from EF.SN.ICC bytes 5..10 (equal to the NIS). */
export function nisFromSnIcc(snIccHex: string): string {
  return snIccHex.replace(/\s/g, '').slice(10, 22);
}

/**
 * Identifiers a caller fixes instead of drawing them (a fleet numbers its citizens so that no two
 * share a NIS or a document number); the random stream is consumed as without them, so every other
 * field is the seed's.
 */
export interface CitizenOverrides {
  /** 12 digits, first non-zero. */
  readonly nis?: string;
  /** CA00000AA layout. */
  readonly documentNumber?: string;
}

export function generateCitizen(seed: string, overrides: CitizenOverrides = {}): Citizen {
  if (overrides.nis !== undefined && !/^[1-9]\d{11}$/.test(overrides.nis))
    throw new RangeError('NIS override must be 12 digits, the first non-zero');
  if (
    overrides.documentNumber !== undefined &&
    !/^C[A-Z]\d{5}[A-Z]{2}$/.test(overrides.documentNumber)
  )
    throw new RangeError('document number override must follow CA00000AA');
  const rng = seededRng(`ciebench-citizen|${seed}`);
  const sex = int(rng, 2) === 0 ? 'M' : 'F';
  const givenName = pick(rng, sex === 'M' ? GIVEN_M : GIVEN_F);
  const surname = pick(rng, SURNAMES);
  const b = randomDate(rng, 1950, 2005);
  const birthDate = `${b.y}-${pad2(b.m)}-${pad2(b.d)}`;
  const birthPlace = pick(rng, MUNICIPALITIES);
  const residence = pick(rng, MUNICIPALITIES);
  const issue = randomDate(rng, 2021, 2025);
  // The CIE expires on the holder's birthday after ten years (Feb 29 becomes Feb 28).
  const expYear = issue.y + 10;
  const expDay = Math.min(b.d, daysIn(expYear, b.m));
  const drawnNumber = `C${letter(rng)}${digits(rng, 5)}${letter(rng)}${letter(rng)}`;
  const drawnNis = digits(rng, 12, true);
  const number = overrides.documentNumber ?? drawnNumber;
  const nis = overrides.nis ?? drawnNis;
  const can = digits(rng, 6);
  const pin = digits(rng, 8);
  const puk = digits(rng, 8);
  const street = `${pick(rng, STREETS)} ${1 + int(rng, 200)}`;
  const expiryDate = `${expYear}-${pad2(b.m)}-${pad2(expDay)}`;
  const yymmdd = (iso: string): string => iso.slice(2).replace(/-/g, '');
  const mrz = td1Lines({
    documentCode: 'CI',
    issuingState: 'ITA',
    documentNumber: number,
    birthDate: yymmdd(birthDate),
    sex,
    expiryDate: yymmdd(expiryDate),
    nationality: 'ITA',
    surname,
    givenNames: givenName,
  });
  return {
    seed,
    givenName,
    surname,
    sex,
    birthDate,
    birthPlace,
    fiscalCode: fiscalCode({
      surname,
      givenName,
      birthDate,
      sex,
      municipalityCode: birthPlace.code,
    }),
    nationality: 'ITA',
    address: { street, municipality: residence },
    document: {
      number,
      issueDate: `${issue.y}-${pad2(issue.m)}-${pad2(issue.d)}`,
      expiryDate,
      issuingAuthority: `COMUNE DI ${residence.name}`,
    },
    nis,
    snIcc: snIccForNis(nis),
    can,
    pin,
    puk,
    mrz,
  };
}
