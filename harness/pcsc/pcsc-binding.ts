/**
 * The slice of the `smartcard` npm binding (tomkp, N-API; pcsc/README.md "Why the `smartcard` binding") this project
 * uses, as narrow interfaces so tests can substitute a scripted fake. The binding is an optional
 * dependency: it is loaded on first use, and a missing build becomes a clear error.
 */
import { HostError, type FailureKind } from '../../emulator/src/host-error.ts';

export interface PcscCard {
  readonly protocol: number;
  readonly atr: Buffer | null;
  transmit(command: Buffer, options?: { maxRecvLength?: number }): Promise<Buffer>;
  control(code: number, data?: Buffer): Promise<Buffer>;
  getStatus(): { state: number; protocol: number; atr: Buffer };
  disconnect(disposition?: number): void;
  reconnect(shareMode?: number, protocol?: number, initialization?: number): Promise<number>;
}

export interface PcscReader {
  readonly name: string;
  readonly state: number;
  readonly atr: Buffer | null;
  connect(shareMode?: number, protocol?: number): Promise<PcscCard>;
}

export interface PcscContext {
  listReaders(): PcscReader[];
  waitForChange(
    readers?: Array<{ name: string; state: number }>,
    timeout?: number,
  ): Promise<Array<{ name: string; state: number; changed: boolean; atr: Buffer | null }> | null>;
  close(): void;
}

export interface PcscBinding {
  readonly Context: new () => PcscContext;
}

/** PC/SC constants (pcsclite.h; identical in every binding). */
export const SCARD_SHARE_SHARED = 2;
export const SCARD_PROTOCOL_T0 = 1;
export const SCARD_PROTOCOL_T1 = 2;
export const SCARD_LEAVE_CARD = 0;
export const SCARD_RESET_CARD = 1;
export const SCARD_UNPOWER_CARD = 2;
export const SCARD_STATE_EMPTY = 0x10;
export const SCARD_STATE_PRESENT = 0x20;
export const SCARD_STATE_MUTE = 0x200;

export class PcscUnavailableError extends HostError {
  readonly code = 'PCSC_BINDING_MISSING';
  override get kind(): FailureKind {
    return 'environment';
  }
}

let loaded: Promise<PcscBinding> | undefined;

/**
 * The module name is held in a variable so the type check never resolves the package: the binding
 * is optional (it builds only where libpcsclite-dev is installed), and the interfaces above are
 * the project's own declaration of the part it uses.
 */
const BINDING_MODULE: string = 'smartcard';

/** The `smartcard` binding, loaded once. */
export function loadPcscBinding(): Promise<PcscBinding> {
  loaded ??= import(BINDING_MODULE).then(
    (m) => m as unknown as PcscBinding,
    (e: Error) => {
      loaded = undefined;
      throw new PcscUnavailableError(
        `the 'smartcard' PC/SC binding is not available (${e.message}). Install libpcsclite-dev, g++, make and python3, then run \`npm rebuild smartcard\``,
      );
    },
  );
  return loaded;
}
