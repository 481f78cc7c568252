/**
 * Access conditions as data (DESIGN.md §2): a condition names security-status flags that must
 * have been achieved, so profiles can declare them and zod can validate them. Applications choose
 * the flag names (`sm`, `pace`, `pin:81`, `ta:dg3`, …); this module knows none of them.
 *
 * ISO/IEC 7816-4:2020 §5.3.4 (security attributes) in spirit: "always", "never", or a
 * combination of achieved security conditions.
 */
import { z } from 'zod';

export type AccessCondition =
  | 'always'
  | 'never'
  | { readonly allOf: readonly string[] }
  | { readonly anyOf: readonly AccessCondition[] };

export const accessConditionSchema: z.ZodType<AccessCondition> = z.lazy(() =>
  z.union([
    z.literal('always'),
    z.literal('never'),
    z.object({ allOf: z.array(z.string().min(1)).readonly() }).strict(),
    z.object({ anyOf: z.array(accessConditionSchema).readonly() }).strict(),
  ]),
);

/** What an access condition is evaluated against. */
export interface FlagSource {
  has(flag: string): boolean;
}

export function satisfies(condition: AccessCondition, status: FlagSource): boolean {
  if (condition === 'always') return true;
  if (condition === 'never') return false;
  if ('allOf' in condition) return condition.allOf.every((f) => status.has(f));
  return condition.anyOf.some((c) => satisfies(c, status));
}

/** Per-operation conditions of a file. Missing entries mean 'always' for read/select. */
export interface FileAccess {
  readonly read?: AccessCondition | undefined;
  readonly update?: AccessCondition | undefined;
}

export const fileAccessSchema: z.ZodType<FileAccess> = z
  .object({ read: accessConditionSchema.optional(), update: accessConditionSchema.optional() })
  .strict();
