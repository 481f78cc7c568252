/**
 * The bench's synthetic citizen registry, the stand-in for the national registry the real IdP
 * draws the date of birth from (the card certificate carries names and the fiscal code, not the
 * date of birth): fiscal code → date of birth, filled from card images and citizen seeds.
 *
 * `A-DOB-FALLBACK`: for a fiscal code not in the registry (a lab's own test card) the date is
 * decoded from the fiscal code itself (DM 12/3/1974 n. 345: year YY, month letter, day + 40 for
 * women), the century chosen so the date is not in the future — as the public IPZS SDK does
 * (pagopa/io-react-native-cie-pid `FiscalCodeUtil.kt`).
 */
import { generateCitizen, type Citizen } from '../../../emulator/src/personalise/citizen.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import type { CardImage } from '../../../emulator/src/state/card-image.ts';

const MONTHS = 'ABCDEHLMPRST';

export interface RegistryEntry {
  readonly fiscalCode: string;
  readonly givenName: string;
  readonly surname: string;
  /** YYYY-MM-DD */
  readonly birthDate: string;
}

/** Date of birth encoded in a fiscal code, or undefined when the code does not encode one. */
export function birthDateFromFiscalCode(cf: string, now: Date): string | undefined {
  const m = /^[A-Z]{6}(\d{2})([A-Z])(\d{2})/.exec(cf);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2] as string) + 1;
  let day = Number(m[3]);
  if (day > 40) day -= 40;
  if (month === 0 || day < 1 || day > 31) return undefined;
  const yy = Number(m[1]);
  const current = now.getUTCFullYear();
  let year = Math.floor(current / 100) * 100 + yy;
  const iso = (y: number): string =>
    `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  if (iso(year) > now.toISOString().slice(0, 10)) year -= 100;
  return iso(year);
}

export class CitizenRegistry {
  private readonly byCf = new Map<string, RegistryEntry>();

  static withDefaults(): CitizenRegistry {
    const r = new CitizenRegistry();
    r.addCitizen(defaultCardImage().citizen);
    return r;
  }

  addCitizen(c: Pick<Citizen, 'fiscalCode' | 'givenName' | 'surname' | 'birthDate'>): void {
    this.byCf.set(c.fiscalCode, {
      fiscalCode: c.fiscalCode,
      givenName: c.givenName,
      surname: c.surname,
      birthDate: c.birthDate,
    });
  }

  addImage(image: CardImage): void {
    this.addCitizen(image.citizen);
  }

  addSeed(seed: string): void {
    this.addCitizen(generateCitizen(seed));
  }

  get(fiscalCode: string): RegistryEntry | undefined {
    return this.byCf.get(fiscalCode);
  }

  /** The date of birth for `fiscalCode`: the registry's, else decoded (`A-DOB-FALLBACK`). */
  birthDate(fiscalCode: string, now: Date): string | undefined {
    return this.byCf.get(fiscalCode)?.birthDate ?? birthDateFromFiscalCode(fiscalCode, now);
  }

  get size(): number {
    return this.byCf.size;
  }
}
