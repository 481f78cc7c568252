/**
 * Explained divergences: a documented allow-list (JSON, zod-validated). An entry names the trace
 * (file name), optionally the record number on side A and the normalised command prefix, the
 * class it explains and, always, the reason. A divergence matched by an entry is reported as
 * explained and does not fail the diff.
 */
import { HostError } from '../../emulator/src/host-error.ts';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { DiffClass } from './diff.ts';

export const allowEntrySchema = z
  .object({
    /** File name of trace A (basename), or `*`. */
    trace: z.string().min(1),
    class: z.enum([
      'different-sw',
      'different-length',
      'different-tlv-structure',
      'different-data',
      'only-in-a',
      'only-in-b',
    ]),
    /** Record number (seq) of the exchange in trace A (B for only-in-b). */
    seq: z.number().int().positive().optional(),
    /** Prefix of the normalised command (upper-case hex). */
    command: z
      .string()
      .regex(/^[0-9A-F·]*$/)
      .optional(),
    reason: z.string().min(10),
  })
  .strict();

export const allowListSchema = z.array(allowEntrySchema);
export type AllowEntry = z.infer<typeof allowEntrySchema>;

export class AllowListError extends HostError {
  readonly code = 'ALLOW_LIST_FORMAT';
}

export function readAllowList(path: string): AllowEntry[] {
  const parsed = allowListSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success)
    throw new AllowListError(
      `${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

export interface AllowQuery {
  readonly trace: string;
  readonly cls: DiffClass;
  readonly seq: number | undefined;
  readonly command: string;
}

export function findExplanation(
  list: readonly AllowEntry[],
  q: AllowQuery,
): AllowEntry | undefined {
  return list.find(
    (e) =>
      (e.trace === '*' || e.trace === q.trace) &&
      e.class === q.cls &&
      (e.seq === undefined || e.seq === q.seq) &&
      (e.command === undefined || q.command.startsWith(e.command)),
  );
}
