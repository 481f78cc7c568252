/**
 * State shared by the building blocks of one inspection (DESIGN.md rule 5: each block gets this
 * narrow record, not the whole inspection system).
 */
import type { Rng } from '../../../emulator/src/crypto/rng.ts';
import type { SymmetricCipher } from '../../../emulator/src/protocols/oids.ts';
import type { StepRecorder } from '../common/step-report.ts';
import type { EmrtdLink } from './emrtd-link.ts';

export interface ReadOptions {
  /** Bytes per READ BINARY after the header (0xE0 as the IPZS .NET SDK, emrtd/README.md §1.6). */
  readonly chunk: number;
  /** Read the rest of a file with one extended-length READ BINARY instead of chunks. */
  readonly extended: boolean;
  /** Address files by SFI in READ BINARY (true) or SELECT them by FID first. */
  readonly bySfi: boolean;
}

export const DEFAULT_READ_OPTIONS: ReadOptions = { chunk: 0xe0, extended: false, bySfi: true };

export interface AccessState {
  readonly method: 'bac' | 'pace';
  /** ID_PICC for Terminal Authentication (emrtd/README.md §2.7 item 5). */
  readonly idPicc: Uint8Array;
  readonly cipher: SymmetricCipher;
}

export interface InspectionSession {
  readonly link: EmrtdLink;
  readonly recorder: StepRecorder;
  readonly rng: Rng;
  readonly read: ReadOptions;
  access: AccessState | undefined;
  /** CARs the chip returned at the end of PACE. */
  paceCars: string[];
  /** Comp(PK_PCD) of the terminal's Chip Authentication key, once CA is done. */
  caCompPkPcd: Uint8Array | undefined;
  /** Names of failed steps that do not fail the inspection (expected probes). */
  readonly tolerated: string[];
}
