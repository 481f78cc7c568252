/**
 * IAS-specific personality options (the generic ones are CardOptions). Every option exists
 * because no public evidence settles the behaviour, or it is vendor-dependent (README.md §12);
 * the defaults are the behaviour every client of README.md §0 accepts.
 */
import { z } from 'zod';

export const iasOptionsSchema = z
  .object({
    /**
     * SELECT by the IAS AID: `mf` selects the IAS root (= MF); `not-found` answers `6A82`, as the
     * card in the italia/cie-PN532 issue #5 log did (README.md §11, §12 item 9; iOS then falls
     * back to `00 A4 00 00`). Default `mf`: the issue requires both select forms everywhere.
     */
    iasAidSelect: z.enum(['mf', 'not-found']),
    /** GET DATA forms accepted (§1.3: accept both on every personality [inferred]). */
    getDataTemplate: z.boolean(),
    getDataSeparate: z.boolean(),
    /**
     * CRT tags accepted by MSE SET selecting the terminal key by CHR for EXTERNAL AUTHENTICATE:
     * ST cards reject `B6`, others accept both (§1.3, ISDK comment).
     */
    externalAuthCrt: z.array(z.enum(['A4', 'B6'])).min(1),
    /**
     * Reading EF 1002/1003: after DAPP and PIN (every client verifies first, so all accept it)
     * or after DAPP only (§10, §12 item 7 [open]).
     */
    protectedFileAccess: z.enum(['dapp+pin', 'dapp']),
  })
  .strict();

export type IasOptions = z.infer<typeof iasOptionsSchema>;

export const DEFAULT_IAS_OPTIONS: IasOptions = {
  iasAidSelect: 'mf',
  getDataTemplate: true,
  getDataSeparate: true,
  externalAuthCrt: ['A4', 'B6'],
  protectedFileAccess: 'dapp+pin',
};

export function iasOptions(partial: Partial<IasOptions> = {}): IasOptions {
  return iasOptionsSchema.parse({ ...DEFAULT_IAS_OPTIONS, ...partial });
}
