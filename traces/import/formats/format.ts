/** The contract every log-format parser implements (one file per format in this folder). */
import type { ExchangeAssembler } from '../assembler.ts';

export const IMPORT_FORMATS = ['pcscd', 'pcsc-spy', 'opensc', 'hex', 'cie-sdk', 'pn532'] as const;
export type ImportFormatId = (typeof IMPORT_FORMATS)[number];

export interface LogFormat {
  readonly id: ImportFormatId;
  readonly title: string;
  /**
   * How strongly the text looks like this format: the number of lines that only this format
   * would produce (0 = not this format). Used by auto-detection.
   */
  detect(lines: readonly string[]): number;
  /** Feeds every line (1-based line numbers) to the assembler. */
  parse(lines: readonly string[], asm: ExchangeAssembler): void;
}
