/**
 * Per-personality knobs of the generic pipeline. Each option exists because real cards differ on
 * it (ias/README.md §1.3, §4.4, §12; emrtd/README.md §2.1, §4.7) and is validated with zod when a profile
 * supplies it.
 */
import { z } from 'zod';

export const cardOptionsSchema = z
  .object({
    /** Accept extended-length APDUs (ISO/IEC 7816-4 §5.1). When false they get `6700`. */
    extendedLength: z.boolean(),
    /** Largest command data field after chaining is reassembled; beyond it `6700`. */
    maxCommandData: z.number().int().min(1).max(65535),
    /** Largest data field of one response APDU; longer data goes out with `61xx` + GET RESPONSE. */
    maxResponseData: z.number().int().min(1).max(65536),
    /**
     * Response data longer than a short command's Ne of 256: `whole` sends it in one response
     * (what T=1 readers pass on), `61xx` sends 256 bytes and `61xx` (ias/README.md §4.4 [open]).
     */
    longResponses: z.enum(['whole', '61xx']),
    /** T=0 style: answer every case-4 command that has data with `61xx` and no data (ias/README.md §3 row 25). */
    t0Case4: z.boolean(),
    /** Response data longer than Ne: `6Cxx` (exact length), `61xx` (first Ne bytes, rest by GET RESPONSE) or truncate. */
    neTooSmall: z.enum(['6Cxx', '61xx', 'truncate']),
    /** Case-3 commands that produce data: send it anyway (CIE clients rely on it, ias/README.md §3) or drop it. */
    dataWithoutLe: z.enum(['send', 'drop']),
    /** Most bytes one READ BINARY returns (the CIE IAS caps at 231, ias/README.md §2.2 notes). */
    readBinaryMax: z.number().int().min(1).max(65536),
    /**
     * READ BINARY (even INS `B0`) and READ RECORD asking beyond the end of the file: data +
     * `6282`, data + `9000`, or `6Cxx` without data.
     */
    readBeyondEof: z.enum(['6282', '9000', '6Cxx']),
    /**
     * The same for the odd READ BINARY (`B1`, data in DO 53). Cards may differ between the two:
     * the CIE answers the even form with `9000` and the odd one with `6282` (ias/README.md §2.2).
     */
    readBeyondEofOdd: z.enum(['6282', '9000', '6Cxx']),
    /**
     * Outer status word of protected responses: `mirror` repeats DO 99 (ICAO 9303-11 §9.8), `ok`
     * answers `9000` except for `6282`/`6B00` (the CIE IAS policy, ias/README.md §4.3).
     */
    smOuterSw: z.enum(['mirror', 'ok']),
    /** Wrap error statuses in DO 99 (true) or answer them in plain (false) (emrtd/README.md §2.3). */
    smWrapErrors: z.boolean(),
    /** Largest data accumulated over a command chain (bounds memory on hostile input). */
    maxChainedData: z.number().int().min(1).max(65535),
  })
  .strict();

export type CardOptions = z.infer<typeof cardOptionsSchema>;

/** Defaults: an ISO/IEC 7816-4 card with extended length and ICAO-style secure messaging. */
export const DEFAULT_CARD_OPTIONS: CardOptions = {
  extendedLength: true,
  maxCommandData: 65535,
  maxResponseData: 65536,
  longResponses: 'whole',
  t0Case4: false,
  neTooSmall: '6Cxx',
  dataWithoutLe: 'send',
  readBinaryMax: 65536,
  readBeyondEof: '6282',
  readBeyondEofOdd: '6282',
  smOuterSw: 'mirror',
  smWrapErrors: true,
  maxChainedData: 65535,
};

/** Defaults overlaid with a (validated) partial set of options. */
export function cardOptions(partial: Partial<CardOptions> = {}): CardOptions {
  return cardOptionsSchema.parse({ ...DEFAULT_CARD_OPTIONS, ...partial });
}
