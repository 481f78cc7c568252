/**
 * How on-card applications compose into one card: each module contributes applications (command
 * tables) and the files and DFs it places under the MF. A CIE is the IAS module plus the eMRTD
 * module plus MF-level files (EF.ATR, EF.CardAccess) over the same synthetic citizen.
 */
import type { DfSpec, EfSpec } from '../iso7816/fs/file-spec.ts';
import type { Application, HandlerTable } from './application.ts';

export interface CardModule {
  readonly id: string;
  /** Applications selected through this module's DFs. */
  readonly applications: readonly Application[];
  readonly mfChildren: readonly (DfSpec | EfSpec)[];
  /**
   * Commands the module must receive while the MF is current (PACE runs with the MF selected, as
   * real CIE readers do): given the MF application's table, returns it with the module's entries
   * added or replaced; the other entries stay as they are. The composer applies the modules in
   * order.
   */
  extendMfHandlers?(base: HandlerTable): HandlerTable;
}
