/**
 * What the annotator remembers between exchanges: the current application and EF (so FIDs and
 * SFIs get their names), the last MSE (so INTERNAL AUTHENTICATE says which key it used) and the
 * last challenge. Updated only by successful commands, as the card would.
 */
import type { AppId, FileKind } from './tables.ts';

export interface FileRef {
  readonly fid?: number;
  readonly name: string;
  readonly kind?: FileKind;
}

export interface MseInfo {
  readonly p1: number;
  readonly p2: number;
  readonly keyRef?: number;
  readonly algorithm?: number;
  readonly protocol?: string;
}

export interface AnnotationState {
  app: AppId;
  file: FileRef | undefined;
  mse: MseInfo | undefined;
  challenge: Uint8Array | undefined;
}

export function initialState(): AnnotationState {
  return { app: 'mf', file: undefined, mse: undefined, challenge: undefined };
}
