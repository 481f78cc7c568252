/**
 * Messages between a vicc card running in a worker thread and the thread that owns it.
 *
 * Why a thread: a PC/SC client and an emulated card in the same event loop can deadlock. The
 * `smartcard` binding makes some PC/SC calls synchronously (SCardDisconnect, SCardReleaseContext);
 * pcscd may hold the reader lock while it polls the card (GET ATR) and vpcd 0.8 waits for that
 * answer without a timeout — an answer the blocked event loop can never send. Observed in about
 * one run in five of the terminal tests. A card in its own thread answers regardless.
 */
import type { FaultInput } from '../../nfc/faults.ts';
import type { SlotIdentityInput } from '../reader-slot.ts';

/** How the worker builds its card. */
export type CardSpec =
  | { readonly kind: 'default' }
  | { readonly kind: 'echo' }
  | { readonly kind: 'null' }
  /** `module` (file URL) exports `factory(...args)` returning a Card or an object with `.card`. */
  | {
      readonly kind: 'module';
      readonly module: string;
      readonly factory: string;
      readonly args?: readonly unknown[];
    };

export interface ViccWorkerData {
  readonly card: CardSpec;
  readonly host: string;
  readonly port: number;
  readonly faults?: readonly FaultInput[];
  /** UID and historical bytes the virtual reader reports for the card (`FF CA`). */
  readonly identity?: SlotIdentityInput;
  readonly seed: string;
  /** Observe the card (power and exchange events, the default) or not at all (benchmarks). */
  readonly exchanges?: boolean;
}

export type FromWorker =
  | { readonly type: 'ready'; readonly atr: string }
  | { readonly type: 'connected' }
  | { readonly type: 'disconnected'; readonly reason: string }
  | { readonly type: 'power'; readonly kind: string; readonly uid?: string }
  | { readonly type: 'exchange'; readonly command: string; readonly response: string }
  | { readonly type: 'stopped'; readonly faults: readonly string[] }
  | { readonly type: 'error'; readonly message: string };

export type ToWorker = { readonly type: 'stop' };
