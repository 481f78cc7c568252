/**
 * The current security environment (DESIGN.md §2): what MANAGE SECURITY ENVIRONMENT selected,
 * kept apart from {@link SecurityStatus}. ISO/IEC 7816-4:2020 §7.5.11 (MSE) and §7.5.12 Table 55
 * (control reference templates).
 *
 * ```
 * P1  b4..b1: 1 SET, 2 STORE, 3 RESTORE, 4 ERASE
 *     b5 SM in command data, b6 SM in response data,
 *     b7 computation / decipherment / internal auth / key agreement,
 *     b8 verification / encipherment / external auth
 * P2  (SET) CRT tag: A4 AT, A6 KAT, AA HT, B4 CCT, B6 DST, B8 CT;  (RESTORE/STORE/ERASE) SEID
 * data  the CRT's data objects (80 algorithm, 83 key/CHR, 84 private key, 91 ephemeral key, …)
 * ```
 */
import { parseTlvs, type Tlv, TlvFormatError } from '../bytes/ber-tlv.ts';
import type { CommandApdu } from '../apdu/command-apdu.ts';
import { SW_6A80_INCORRECT_DATA, SW_6A86_INCORRECT_P1P2 } from '../apdu/status-words.ts';
import { CardError } from '../card/card-error.ts';

export const CRT_A4_AT = 0xa4;
export const CRT_A6_KAT = 0xa6;
export const CRT_AA_HT = 0xaa;
export const CRT_B4_CCT = 0xb4;
export const CRT_B6_DST = 0xb6;
export const CRT_B8_CT = 0xb8;

const CRT_TAGS = new Set([CRT_A4_AT, CRT_A6_KAT, CRT_AA_HT, CRT_B4_CCT, CRT_B6_DST, CRT_B8_CT]);

export type MseOperation = 'set' | 'store' | 'restore' | 'erase';

export interface MseCommand {
  readonly operation: MseOperation;
  readonly p1: number;
  /** CRT tag for SET; SEID otherwise. */
  readonly p2: number;
  readonly dos: readonly Tlv[];
}

const OPERATIONS: Readonly<Record<number, MseOperation>> = {
  1: 'set',
  2: 'store',
  3: 'restore',
  4: 'erase',
};

/** Parses an MSE command; throws CardError with `6A86` (P1/P2) or `6A80` (data). */
export function parseMse(apdu: CommandApdu): MseCommand {
  const operation = OPERATIONS[apdu.p1 & 0x0f];
  if (operation === undefined)
    throw new CardError(SW_6A86_INCORRECT_P1P2, `MSE P1 ${apdu.p1.toString(16)} has no operation`);
  if (operation === 'set' && !CRT_TAGS.has(apdu.p2)) {
    throw new CardError(
      SW_6A86_INCORRECT_P1P2,
      `MSE SET with P2 ${apdu.p2.toString(16)} is not a CRT tag`,
    );
  }
  let dos: Tlv[];
  try {
    dos = parseTlvs(apdu.data);
  } catch (e) {
    if (e instanceof TlvFormatError)
      throw new CardError(SW_6A80_INCORRECT_DATA, `MSE data: ${e.message}`);
    throw e;
  }
  return { operation, p1: apdu.p1, p2: apdu.p2, dos };
}

export interface CrtEntry {
  readonly p1: number;
  readonly dos: readonly Tlv[];
}

export class SecurityEnvironment {
  private readonly crts = new Map<number, CrtEntry>();

  set(crt: number, entry: CrtEntry): void {
    this.crts.set(crt, entry);
  }

  get(crt: number): CrtEntry | undefined {
    return this.crts.get(crt);
  }

  /** The value of data object `tag` in the template `crt`, if set. */
  value(crt: number, tag: number): Uint8Array | undefined {
    return this.crts.get(crt)?.dos.find((d) => d.tag === tag)?.value;
  }

  delete(crt: number): void {
    this.crts.delete(crt);
  }

  clear(): void {
    this.crts.clear();
  }
}
