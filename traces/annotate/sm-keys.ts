/**
 * Session keys for decrypting the secure-messaging exchanges of a trace (`--sm-keys`), and the
 * decryptor that walks the trace with them. The SSC moves exactly as on the card: +1 for each
 * protected command, +1 for each protected response (ICAO 9303-11 §9.8; ias/README.md §4.2–4.3).
 * A plain command ends the session (ICAO 9303-11 §9.8.4.2; the CardOs rule). After the IAS DAPP
 * INTERNAL AUTHENTICATE the SSC is re-seeded with RND.ICC[4..7] ‖ RND.IFD[4..7] (ias/README.md §5.3
 * step 8). Key spec: `[des3|aes:]KENC:KMAC[:SSC][@SEQ]` (hex; SSC default 0; from record SEQ).
 */
import { HostError } from '../../emulator/src/host-error.ts';
import { parseCommandApdu, type CommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { encodeResponseApdu, type ResponseApdu } from '../../emulator/src/apdu/response-apdu.ts';
import { fromHex, HexFormatError } from '../../emulator/src/bytes/hex.ts';
import { unwrapCommand, unwrapResponse } from '../../emulator/src/sm/sm-codec.ts';
import {
  advanceSsc,
  smSession,
  withSsc,
  type SmSession,
} from '../../emulator/src/sm/sm-session.ts';
import { aesSuite } from '../../emulator/src/sm/suites/aes.ts';
import { des3Suite } from '../../emulator/src/sm/suites/des3.ts';
import { concatBytes } from '../../emulator/src/bytes/bytes.ts';
import { encodeCommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { SW_9000_OK } from '../../emulator/src/apdu/status-words.ts';

export class SmKeyFormatError extends HostError {
  readonly code = 'SM_KEYS_FORMAT';
}

export interface SmKeys {
  readonly session: SmSession;
  /** First trace record (seq) the keys apply to; default: the first protected exchange. */
  readonly fromSeq?: number;
}

export function parseSmKeys(spec: string): SmKeys {
  const [body = '', seqText] = spec.split('@');
  const parts = body.split(':');
  const suiteName = parts[0] === 'des3' || parts[0] === 'aes' ? parts.shift() : 'des3';
  const [kEnc, kMac, ssc] = parts;
  if (kEnc === undefined || kMac === undefined)
    throw new SmKeyFormatError(`expected [des3|aes:]KENC:KMAC[:SSC][@SEQ], got "${spec}"`);
  try {
    const suite = suiteName === 'aes' ? aesSuite : des3Suite;
    const session = smSession(suite, fromHex(kEnc), fromHex(kMac), ssc ? fromHex(ssc) : 0n);
    const fromSeq = seqText === undefined ? undefined : Number(seqText);
    if (fromSeq !== undefined && !Number.isInteger(fromSeq))
      throw new SmKeyFormatError(`bad record number "${seqText}"`);
    return { session, ...(fromSeq !== undefined ? { fromSeq } : {}) };
  } catch (e) {
    if (e instanceof HexFormatError)
      throw new SmKeyFormatError(`bad hex in --sm-keys: ${e.message}`);
    throw e;
  }
}

export type DecryptOutcome =
  | {
      readonly status: 'decrypted';
      readonly plainCommand: Uint8Array;
      readonly plainResponse?: Uint8Array;
      readonly ssc: string;
    }
  | { readonly status: 'error'; readonly message: string; readonly ssc: string };

/** Walks protected exchanges in order; keeps the session between calls. */
export class SmDecryptor {
  private session: SmSession | undefined;
  private readonly pending: SmKeys[];
  private rndIcc: Uint8Array | undefined;
  private dappKey = false;

  constructor(keys: readonly SmKeys[]) {
    this.pending = [...keys].sort((a, b) => (a.fromSeq ?? 0) - (b.fromSeq ?? 0));
  }

  /** A plain exchange: ends the session (and feeds the DAPP re-seed memory). */
  plain(seq: number, command: CommandApdu): void {
    this.session = undefined;
    this.activate(seq, false);
    this.track(command, undefined);
  }

  /** A protected exchange: returns the plain forms, or why not. */
  protectedExchange(
    seq: number,
    wire: CommandApdu,
    response: Uint8Array,
  ): DecryptOutcome | undefined {
    this.activate(seq, true);
    const s = this.session;
    if (s === undefined) return undefined;
    const ssc = (s.ssc + 1n).toString(16).toUpperCase();
    let cmd: CommandApdu;
    try {
      const u = unwrapCommand(s, wire);
      cmd = u.apdu;
      this.session = u.session;
    } catch (e) {
      this.session = advanceSsc(advanceSsc(s));
      return { status: 'error', message: `command: ${(e as Error).message}`, ssc };
    }
    const plainCommand = encodeCommandApdu(cmd);
    if (response.length < 2) return { status: 'decrypted', plainCommand, ssc };
    const body = response.subarray(0, response.length - 2);
    if (body.length === 0) {
      // A plain error status: the card ended the session (ICAO 9303-11 §9.8.4.2).
      this.session = undefined;
      return { status: 'decrypted', plainCommand, plainResponse: response, ssc };
    }
    let plainResp: ResponseApdu;
    try {
      const u = unwrapResponse(this.session as SmSession, cmd.ins, body);
      plainResp = u.response;
      this.session = u.session;
    } catch (e) {
      this.session = advanceSsc(this.session as SmSession);
      return { status: 'error', message: `response: ${(e as Error).message}`, ssc };
    }
    this.track(cmd, plainResp);
    return { status: 'decrypted', plainCommand, plainResponse: encodeResponseApdu(plainResp), ssc };
  }

  private activate(seq: number, isProtected: boolean): void {
    const next = this.pending[0];
    if (next && (next.fromSeq === undefined ? isProtected : seq >= next.fromSeq)) {
      this.session = next.session;
      this.pending.shift();
    }
  }

  /** IAS DAPP (ias/README.md §5.3): remember RND.ICC and re-seed the SSC after INTERNAL AUTHENTICATE. */
  private track(cmd: CommandApdu, resp: ResponseApdu | undefined): void {
    if (cmd.ins === 0x22 && cmd.p1 === 0x41 && cmd.p2 === 0xa4)
      this.dappKey = cmd.data.some(
        (_, i, d) => d[i] === 0x84 && d[i + 1] === 1 && d[i + 2] === 0x82,
      );
    if (cmd.ins === 0x84 && resp && resp.sw === SW_9000_OK && resp.data.length === 8)
      this.rndIcc = resp.data;
    if (
      cmd.ins === 0x88 &&
      this.dappKey &&
      resp?.sw === SW_9000_OK &&
      this.rndIcc &&
      cmd.data.length === 8 &&
      this.session
    ) {
      this.session = withSsc(
        this.session,
        concatBytes(this.rndIcc.subarray(4, 8), cmd.data.subarray(4, 8)),
      );
    }
  }
}

/** Parses a wire command, or undefined when it is not an APDU. */
export function tryParseCommand(bytes: Uint8Array): CommandApdu | undefined {
  try {
    return parseCommandApdu(bytes);
  } catch {
    return undefined;
  }
}
