/**
 * How on-card applications compose into one card: each module contributes applications (command
 * tables) and the files and DFs it places under the MF. A CIE is the IAS module plus the eMRTD
 * module plus MF-level files (EF.ATR, EF.CardAccess) over the same synthetic citizen.
 */
import type { DfSpec, EfSpec } from '../iso7816/fs/file-spec.ts';
import type { Application } from './application.ts';

export interface CardModule {
  readonly id: string;
  readonly applications: readonly Application[];
  readonly mfChildren: readonly (DfSpec | EfSpec)[];
}
