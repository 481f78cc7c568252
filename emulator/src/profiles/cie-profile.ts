/**
 * A CIE personality as declarative, zod-validated data: the ATR the reader shows, the EF.ATR the
 * chip stores (ias/README.md §1.1, §1.4), the pipeline options (CardOptions) and the IAS options
 * where vendors differ, and where each value comes from.
 */
import { HostError } from '../host-error.ts';
import { z } from 'zod';
import { fromHex } from '../bytes/hex.ts';
import { cardOptionsSchema } from '../card/card-options.ts';
import { iasOptionsSchema } from '../applications/ias/ias-options.ts';
import { SOD_VARIANTS } from '../personalise/ias/ias-files.ts';

const hexText = z.string().regex(/^([0-9A-Fa-f]{2}\s?)+$/, 'hex bytes expected');

/** ISO/IEC 7816-3 §8.2.5: when TCK is present, XOR of T0…TCK is 0 (all CIE ATRs carry one, §1.1). */
export function atrChecksumOk(atr: Uint8Array): boolean {
  let x = 0;
  for (let i = 1; i < atr.length; i++) x ^= atr[i] as number;
  return x === 0;
}

export const cieProfileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    label: z.string().min(1),
    /** Name under which the Windows minidriver registers the ATR (CIE_1…CIE_11), null when none. */
    windowsCardName: z.string().nullable(),
    /** The desktop middleware's card type (ATR.h enum name). */
    middlewareType: z.string(),
    vendor: z.string(),
    atr: hexText.refine((h) => atrChecksumOk(fromHex(h)), 'ATR checksum (TCK) is wrong'),
    efAtr: hexText,
    evidence: z
      .object({ atr: z.string(), efAtr: z.string(), quirks: z.string(), paceNonce: z.string() })
      .strict(),
    /** EF.SOD variant cards of this generation carry (§1.5). */
    sodVariant: z.enum(SOD_VARIANTS),
    card: cardOptionsSchema.partial(),
    /** eMRTD application attributes of the chip (emrtd/README.md §1.2). */
    emrtd: z
      .object({
        /** Length of the PACE nonce s in GA step 1: 16 bytes (2018 card) or 8 (2023 card). */
        paceNonceLength: z.union([z.literal(8), z.literal(16), z.literal(32)]),
      })
      .strict(),
    ias: iasOptionsSchema.partial(),
  })
  .strict();

export type CieProfile = z.infer<typeof cieProfileSchema>;

export class ProfileError extends HostError {
  readonly code = 'PROFILE_UNKNOWN';
}
