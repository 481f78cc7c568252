/**
 * Implementation conformance statements (ICS): what a card declares about itself, validated with
 * zod. The ICS selects applicable cases through tokens (the ICAO Part 3 "profile tokens",
 * emrtd/README.md §4.2 and §4.5) and fixes the alternatives the standards leave open (EOF status,
 * `6Cxx` vs `61xx`, outer SW of protected errors, …). Expected values come from the specification
 * clause *and* the ICS — never from what the card under test happens to do.
 */
import { HostError } from '../../emulator/src/host-error.ts';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { fromHex } from '../../emulator/src/bytes/hex.ts';

/** Tokens a case may require. Anything else in an ICS is a typo and is refused. */
export const ICS_TOKENS = [
  // ISO/IEC 7816-4 features
  'EXTENDED_LENGTH',
  'CHAINING',
  'SFI',
  'ODD_READ_BINARY',
  'READ_RECORD',
  'SELECT_PATH',
  'SELECT_PARENT',
  'SELECT_CHILD_DF',
  'SELECT_FCI',
  'SELECT_FCP',
  'SELECT_FMD',
  'SELECT_EF_BY_FID_ANYWHERE',
  'GET_CHALLENGE',
  'SM',
  'LOGICAL_CHANNELS',
  'PROPRIETARY_CLA',
  'PROTECTED_FILE',
  'DEACTIVATED_FILE',
  'RECORD_FILE',
  'MF_AFTER_RESET',
  'SM_TEST_HOOK',
  // CIE IAS (ias/README.md)
  'IAS',
  'IAS-61xx',
  'IAS-SELECT-AID',
  'IAS-SELECT-MF',
  'IAS-GETDATA-TEMPLATE',
  'IAS-GETDATA-SEPARATE',
  // eMRTD (emrtd/README.md §4.2 profile tokens)
  'EMRTD',
  'BAC',
  'PACE',
  'PACE-DH',
  'PACE-ECDH',
  'PACE-CAN',
  'PACE-MRZ',
  /** PACE Chip Authentication Mapping / Integrated Mapping (ICAO Part 3 tokens PACE-CAM; P_51 IM). */
  'PACE-CAM',
  'PACE-IM',
  'CA',
  /** Chip Authentication with an ECDH key (the EC-only borderline cases of ICAO Part 3 I). */
  'CA-ECDH',
  'TA',
  'AA',
  'AA-ECDSA',
  'CARD_SECURITY',
  'EF_DIR',
  'EF_ATR_INFO',
  /** EF.ATR/INFO reachable by SFI 01, as ICAO 9303-10 assigns it (ICAO Part 3 T_2, T_4). */
  'EF_ATR_INFO_SFI',
  'EF_CVCA',
  'DG1',
  'DG2',
  'DG3',
  'DG4',
  'DG5',
  'DG6',
  'DG7',
  'DG8',
  'DG9',
  'DG10',
  'DG11',
  'DG12',
  'DG13',
  'DG14',
  'DG15',
  'DG16',
  /** Biometric data groups encoded to ISO/IEC 39794 (ICAO Part 3 token 39794-5; LDS_C_14..25, LDS_G). */
  'ISO39794',
  // Our test PKI (TA-positive and SOD-chain cases need it)
  'TEST_PKI',
] as const;

/** Tokens only a target can contribute (they describe the path to the card, not the card). */
export const TARGET_TOKENS = [
  /** Malformed frames (< 4 bytes, inconsistent Lc) reach the card unchanged (in-process only). */
  'RAW_FRAMES',
  /** Irreversible cases may run: the target hands out fresh copies of the card. */
  'DISPOSABLE',
] as const;

export type IcsToken = (typeof ICS_TOKENS)[number];
export type TargetToken = (typeof TARGET_TOKENS)[number];

const hex = (min = 1, max = 65535): z.ZodType<string> =>
  z
    .string()
    .regex(/^([0-9A-Fa-f]{2})+$/, 'hex bytes without separators')
    .refine((s) => s.length / 2 >= min && s.length / 2 <= max, `between ${min} and ${max} bytes`);
const location = z.enum(['mf', 'app']);

const transparentEf = z
  .object({
    fid: hex(2, 2),
    sfi: z.number().int().min(1).max(30).optional(),
    size: z.number().int().min(1).max(65535),
    in: location,
  })
  .strict();

const isoSection = z
  .object({
    /** A DF selectable by DF name (AID), with an optional FID. */
    application: z.object({ aid: hex(1, 16), fid: hex(2, 2).optional() }).strict(),
    /** A readable transparent EF, longer than one short response if possible. */
    longEf: transparentEf,
    /** A second readable transparent EF. */
    shortEf: transparentEf,
    recordEf: z
      .object({
        fid: hex(2, 2),
        sfi: z.number().int().min(1).max(30),
        in: location,
        records: z.array(z.number().int().min(1)).min(2),
      })
      .strict()
      .optional(),
    protectedEf: z
      .object({ fid: hex(2, 2), in: location })
      .strict()
      .optional(),
    deactivatedEf: z
      .object({ fid: hex(2, 2), in: location })
      .strict()
      .optional(),
    /** A FID that exists nowhere on the card and an AID no application has. */
    absentFid: hex(2, 2),
    absentAid: hex(5, 16),
    /** An SFI no EF of the long EF's DF has. */
    absentSfi: z.number().int().min(1).max(30),
    /** A command that accepts chaining, and data to split over two segments. */
    chaining: z
      .object({ header: hex(4, 4), data: hex(2, 255) })
      .strict()
      .optional(),
    /**
     * INS values the card does not implement (for `6D00`). Pick values ISO/IEC 7816-4 does not
     * define: these probes reach physical cards too, and a defined INS such as `0E` (ERASE
     * BINARY) or `E8` (TERMINATE EF) must never be sent as a probe.
     */
    unsupportedIns: z.array(hex(1, 1)).min(1),
  })
  .strict();

const behaviour = z
  .object({
    /** READ BINARY asking beyond the end: remaining data with `6282` (ISO) or `9000` (ICAO E_4), or `6Cxx`. */
    readBeyondEof: z.enum(['6282', '9000', '6Cxx']),
    /** The same for the odd INS `B1` (default: as `readBeyondEof`); real CIEs: B0 `9000`, B1 `6282`. */
    readBeyondEofOdd: z.enum(['6282', '9000', '6Cxx']).optional(),
    /** Ne smaller than a fixed-length response: `6Cxx`, data + `61xx`, or truncation. */
    neTooSmall: z.enum(['6Cxx', '61xx', 'truncate']),
    /** Short commands with more than 256 bytes to return: one long response or `61xx`. */
    longResponses: z.enum(['whole', '61xx']),
    /** Most bytes one READ BINARY returns. */
    readBinaryMax: z.number().int().min(1).max(65536),
    /** Case-4 commands always answered `61xx` (T=0 style). */
    t0Case4: z.boolean(),
    /** Outer SW of protected responses: `mirror` DO 99, or `ok` (9000 except 6282/6B00). */
    smOuterSw: z.enum(['mirror', 'ok']),
    /** Error statuses of protected commands come back wrapped in DO 99 (true) or in plain. */
    smWrapErrors: z.boolean(),
  })
  .strict();

const smSection = z
  .object({
    /** How the ISO suite's SM cases get a session: a test hook, IAS DH, PACE with the CAN, or BAC. */
    establish: z.enum(['test-hook', 'ias-dh', 'pace', 'bac']),
    /** For `test-hook`: the command that installs the session and its keys (test cards only). */
    hook: z
      .object({
        command: hex(4, 64),
        suite: z.enum(['des3', 'aes']),
        kEnc: hex(16, 32),
        kMac: hex(16, 32),
        ssc: hex(8, 16),
      })
      .strict()
      .optional(),
    /** An EF readable under the session (its size is declared), in the application DF. */
    ef: transparentEf,
  })
  .strict();

const secrets = z
  .object({
    pin: z
      .string()
      .regex(/^[0-9]{8}$/)
      .optional(),
    puk: z
      .string()
      .regex(/^[0-9]{8}$/)
      .optional(),
    can: z
      .string()
      .regex(/^[0-9]{6}$/)
      .optional(),
    /** MRZ_information (document number, DOB, DOE with check digits; emrtd/README.md §2.2). */
    mrz: z
      .string()
      .regex(/^[0-9A-Z<]{24}$/)
      .optional(),
  })
  .strict();

/** CIE IAS declarations (ias/README.md). */
const iasSection = z
  .object({
    pinTries: z.number().int().min(1).max(15),
    pukTries: z.number().int().min(1).max(15),
    /** CRT tags that select the terminal key by CHR (ias/README.md §1.3: ST cards accept A4 only). */
    externalAuthCrt: z.array(z.enum(['A4', 'B6'])).min(1),
    /** EF 1002/1003 readable after DAPP + PIN, or after DAPP alone (§12 item 7 [open]). */
    protectedFileAccess: z.enum(['dapp+pin', 'dapp']),
    /** EF.ATR family the mobile clients will detect (§1.4). */
    efAtrFamily: z.enum(['nxp', 'st', 'itj4', 'gemalto', 'gemalto2']),
  })
  .strict();

/** eMRTD declarations (emrtd/README.md). */
const emrtdSection = z
  .object({
    /** The exact EF.CardAccess the vendor declares (LDS_I_4 checks it byte for byte). */
    cardAccess: hex(1, 4096).optional(),
  })
  .strict();

export const icsSchema = z
  .object({
    ics: z.literal(1),
    personality: z.string().min(1),
    description: z.string().min(1),
    tokens: z.array(z.enum(ICS_TOKENS)),
    iso: isoSection,
    behaviour,
    sm: smSection.optional(),
    secrets: secrets.optional(),
    ias: iasSection.optional(),
    emrtd: emrtdSection.optional(),
  })
  .strict();

export type Ics = z.infer<typeof icsSchema>;
export type IcsTransparentEf = z.infer<typeof transparentEf>;
export type IasIcs = z.infer<typeof iasSection>;

export class IcsError extends HostError {
  readonly code = 'ICS_INVALID';
}

/** Validates an ICS object; the message lists every problem with its path. */
export function parseIcs(value: unknown, source = 'ICS'): Ics {
  const r = icsSchema.safeParse(value);
  if (!r.success) {
    throw new IcsError(
      `${source}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  if (r.data.sm?.establish === 'test-hook' && !r.data.sm.hook)
    throw new IcsError(`${source}: sm.establish test-hook needs sm.hook`);
  return r.data;
}

export async function loadIcsFile(path: string): Promise<Ics> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new IcsError(`cannot read ICS ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new IcsError(`${path}: not JSON (${(e as Error).message})`);
  }
  return parseIcs(json, path);
}

/** Hex field of the ICS as bytes (already validated). */
export function icsBytes(text: string): Uint8Array {
  return fromHex(text);
}

/** The declared end-of-file status of READ BINARY `B0` or, with `odd`, `B1`. */
export function eofMode(ics: Ics, odd = false): '6282' | '9000' | '6Cxx' {
  return odd
    ? (ics.behaviour.readBeyondEofOdd ?? ics.behaviour.readBeyondEof)
    : ics.behaviour.readBeyondEof;
}

/** Why a case is not applicable, or undefined when it is. */
export function notApplicableReason(
  tokens: ReadonlySet<string>,
  applies: readonly string[] = [],
  unless: readonly string[] = [],
): string | undefined {
  const missing = applies.filter((t) => !tokens.has(t));
  if (missing.length > 0) return `ICS does not declare ${missing.join(', ')}`;
  const present = unless.filter((t) => tokens.has(t));
  if (present.length > 0) return `ICS declares ${present.join(', ')}`;
  return undefined;
}
