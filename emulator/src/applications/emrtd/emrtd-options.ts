/**
 * Behaviour switches of the emulated eMRTD application: every one exists because real CIEs (or the
 * ICAO test standard) allow more than one behaviour (README.md §6 item 2, §7 open questions).
 */
import { z } from 'zod';

export const emrtdOptionsSchema = z
  .object({
    /** Basic Access Control accepted (README.md §1.2: supported; on post-2022 cards [open]). */
    bac: z.boolean().default(true),
    /** Length of the PACE nonce s: 16 bytes on a 2018 card, 8 on a 2023 card (README.md §1.2). */
    paceNonceLength: z.union([z.literal(8), z.literal(16), z.literal(32)]).default(8),
    /**
     * Chaining bit of the GA dialogue: `strict` answers steps 1–3 without CLA 10 with 6985 and a
     * chained step 4 with 6883 (ICAO Part 3 P_54..P_57 expect an error); `lenient` ignores it.
     */
    paceChaining: z.enum(['strict', 'lenient']).default('strict'),
    /**
     * DO 87/88 (CARs of the trust points) in the last GA response: `with-chat` only for EAC
     * terminals that sent a CHAT (TR-03110), `always` (ICAO 9303-11 Appendix G.2 does so),
     * `never`. The CIE's behaviour is [open]; `with-chat` keeps the answer every client parses.
     */
    paceCarInResponse: z.enum(['with-chat', 'always', 'never']).default('with-chat'),
    /**
     * Anti-hammering after a wrong PACE password. There is no retry counter for CAN/MRZ (as on real
     * cards, README.md §1.5); instead a delay: `stall` holds the failing answer for `ms`
     * (what a slow chip does), `refuse` answers MSE:Set AT for PACE with 6985 until `ms` have
     * passed on the card clock.
     */
    paceFailureDelay: z
      .object({ ms: z.number().int().min(0).max(60_000), mode: z.enum(['stall', 'refuse']) })
      .strict()
      .default({ ms: 0, mode: 'stall' }),
    /**
     * SELECT of a data group (EF.DG1–DG16) before BAC or PACE: `6982` refuses it (ICAO Part 3
     * ISO7816_B_3 expects exactly that for DG1; B_1..B_18 accept `6982` or `9000`), `9000`
     * selects it (reading stays refused). EF.COM and EF.SOD are always selectable (C_16 expects
     * `9000` for a plain SELECT of EF.COM). README.md "Choices made on [open] points".
     */
    dgSelectBeforeAccess: z.enum(['6982', '9000']).default('6982'),
    /** GET CHALLENGE must ask for exactly 8 bytes (ICAO 9303-11 §4.3.4.1 / README.md §4.7: else 6700). */
    strictChallengeLength: z.boolean().default(true),
  })
  .strict();

export type EmrtdOptions = z.infer<typeof emrtdOptionsSchema>;
export type EmrtdOptionsInput = z.input<typeof emrtdOptionsSchema>;
