/**
 * PIN-try safety guard for physical cards: a wrapper channel that refuses any command that could
 * consume the last remaining try of a PIN/PUK, unless the user passed `--allow-last-try`. A lab
 * that blocks a real CIE's PIN has to take the card to the issuer.
 *
 * Guarded commands (ISO/IEC 7816-4:2020): VERIFY with data (§7.5.6) and CHANGE REFERENCE DATA with
 * P1 = 00 (old value checked, §7.5.7). Before one is sent, the remaining tries for its reference
 * (P2) must be known and at least 2:
 *
 * - plain command: the guard asks the card first with VERIFY without data (§7.5.6: the card answers
 *   63Cx with x tries left, or 9000 when already verified; no try is consumed);
 * - secure-messaging command: a plain probe would end the SM session (DESIGN.md §3), so the
 *   guard relies on what it learned on this channel: earlier probes and the status words of earlier
 *   VERIFY answers (outer SW, or DO'99' inside the protected response). Unknown means refused.
 *
 * Counts are learned from every VERIFY/CHANGE REFERENCE DATA answer and forgotten on connect/reset.
 */
import { HostError } from '../../emulator/src/host-error.ts';
import { claHasSm } from '../../emulator/src/apdu/cla.ts';
import { parseCommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { INS_20_VERIFY, INS_24_CHANGE_REFERENCE_DATA } from '../../emulator/src/apdu/ins.ts';
import { findTlv, parseTlvs, TlvFormatError } from '../../emulator/src/bytes/ber-tlv.ts';
import type { ApduChannel } from '../channel/apdu-channel.ts';
import {
  SW_6983_AUTH_METHOD_BLOCKED,
  SW_9000_OK,
  retriesOf63C,
  swFromResponse,
} from '../../emulator/src/apdu/status-words.ts';

export type PinGuardCode = 'PIN_GUARD_LAST_TRY' | 'PIN_GUARD_BLOCKED' | 'PIN_GUARD_UNKNOWN_TRIES';

export class PinGuardError extends HostError {
  readonly code: PinGuardCode;
  constructor(code: PinGuardCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Tries left for a reference; Infinity = just verified (the counter is back at its maximum). */
type Tries = number;

export interface PinGuardOptions {
  readonly allowLastTry?: boolean;
  /** Called with each decision, for logs. */
  readonly onDecision?: (text: string) => void;
}

const HINT = 'pass --allow-last-try (allowLastTry) to send it anyway';

/** Tries left according to a status word: 63Cx → x, 6983 → 0, 9000 → verified; else unknown. */
export function triesFromSw(sw: number): Tries | undefined {
  const left = retriesOf63C(sw);
  if (left !== undefined) return left;
  if (sw === SW_6983_AUTH_METHOD_BLOCKED) return 0;
  if (sw === SW_9000_OK) return Number.POSITIVE_INFINITY;
  return undefined;
}

function swOf(response: Uint8Array): number {
  return response.length >= 2 ? swFromResponse(response) : -1;
}

/** The SW a protected response carries in DO'99' (ICAO 9303-11 §9.8.6), else its outer SW. */
function innerSw(response: Uint8Array): number {
  try {
    const do99 = findTlv(parseTlvs(response.subarray(0, response.length - 2)), 0x99);
    if (do99 && do99.value.length === 2)
      return ((do99.value[0] as number) << 8) | (do99.value[1] as number);
  } catch (e) {
    if (!(e instanceof TlvFormatError)) throw e;
  }
  return swOf(response);
}

interface Header {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  /** Bytes after the header (a VERIFY with a body carries a value to check). */
  readonly body: number;
}

/** Read from the raw bytes: a malformed command is judged by its header, never waved through. */
function header(c: Uint8Array): Header | undefined {
  if (c.length < 4) return undefined;
  return {
    cla: c[0] as number,
    ins: c[1] as number,
    p1: c[2] as number,
    p2: c[3] as number,
    body: c.length - 4,
  };
}

/**
 * Whether a protected command carries data: a cryptogram DO (87 or 85) in its body (ISO/IEC
 * 7816-4:2020 §6). A protected VERIFY without one only asks for the tries left. Anything that does
 * not parse counts as carrying data (never waved through).
 */
function protectedCarriesData(c: Uint8Array): boolean {
  try {
    return parseTlvs(parseCommandApdu(c).data).some((d) => d.tag === 0x87 || d.tag === 0x85);
  } catch {
    return true;
  }
}

function consumesTry(h: Header, c: Uint8Array): boolean {
  if (h.ins === INS_20_VERIFY) return claHasSm(h.cla) ? protectedCarriesData(c) : h.body > 1;
  return h.ins === INS_24_CHANGE_REFERENCE_DATA && h.p1 === 0x00;
}

export class PinGuardChannel implements ApduChannel {
  readonly kind: string;
  readonly description: string;
  private readonly inner: ApduChannel;
  private readonly options: PinGuardOptions;
  private readonly known = new Map<number, Tries>();

  constructor(inner: ApduChannel, options: PinGuardOptions = {}) {
    this.inner = inner;
    this.options = options;
    this.kind = inner.kind;
    this.description = `${inner.description} (PIN guard${options.allowLastTry ? ': last try allowed' : ''})`;
  }

  async connect(): Promise<Uint8Array> {
    this.known.clear();
    return this.inner.connect();
  }

  async reset(): Promise<Uint8Array> {
    this.known.clear();
    return this.inner.reset();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    const apdu = header(command);
    if (apdu && consumesTry(apdu, command) && !this.options.allowLastTry) await this.check(apdu);
    const response = await this.inner.transmit(command);
    if (apdu && (apdu.ins === INS_20_VERIFY || apdu.ins === INS_24_CHANGE_REFERENCE_DATA)) {
      const tries = triesFromSw(claHasSm(apdu.cla) ? innerSw(response) : swOf(response));
      if (tries !== undefined) this.known.set(apdu.p2, tries);
    }
    return response;
  }

  private async check(apdu: Header): Promise<void> {
    const ref = apdu.p2;
    const refHex = ref.toString(16).toUpperCase().padStart(2, '0');
    const tries = claHasSm(apdu.cla) ? this.known.get(ref) : await this.probe(apdu);
    if (tries === undefined) {
      throw new PinGuardError(
        'PIN_GUARD_UNKNOWN_TRIES',
        `refused: the tries left for reference ${refHex} are unknown, so this command could use the last one; ${HINT}`,
      );
    }
    if (tries === 0)
      throw new PinGuardError(
        'PIN_GUARD_BLOCKED',
        `refused: reference ${refHex} is blocked (no tries left)`,
      );
    if (tries <= 1)
      throw new PinGuardError(
        'PIN_GUARD_LAST_TRY',
        `refused: reference ${refHex} has 1 try left and a wrong value would block it; ${HINT}`,
      );
    this.options.onDecision?.(
      `PIN guard: reference ${refHex} has ${tries === Infinity ? 'all' : tries} tries left, command allowed`,
    );
  }

  /** VERIFY without data on the same reference and logical channel: consumes no try. */
  private async probe(apdu: Header): Promise<Tries | undefined> {
    const cla = apdu.cla & 0x03;
    const response = await this.inner.transmit(Uint8Array.of(cla, INS_20_VERIFY, 0x00, apdu.p2));
    const tries = triesFromSw(swOf(response));
    if (tries !== undefined) this.known.set(apdu.p2, tries);
    return tries;
  }
}
