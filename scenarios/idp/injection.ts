/**
 * Error injection for SP testing: any outcome of the IdP on demand, for the next AuthnRequest or for
 * one SP, once or `times` times, so an SP team can rehearse (and screenshot) codes 1, 21, 22, 23 and
 * 25 without a card, and see how it handles every other code. An injection takes effect once the
 * request's signature has been verified (the SP, its ACS and the request ID are known), in place of
 * the login: page codes (2–7, 10) show their page, SAML codes send their Response, code 1 sends a
 * success Response for the given citizen (by default the bench's default citizen).
 */
import { z } from 'zod';
import { isErrorCode, type ErrorCode } from './saml/status.ts';

export const injectionSchema = z
  .object({
    code: z
      .number()
      .int()
      .refine(
        (n) => n === 1 || isErrorCode(n),
        'code must be 1 or one of the error codes 2–18, 21–23, 25',
      ),
    /** Entity ID of the SP it applies to; absent = the next request from any SP. */
    sp: z.string().min(1).max(1024).optional(),
    /** How many requests it applies to (default 1). */
    times: z.number().int().min(1).max(1_000_000).default(1),
    /** Fiscal code of the citizen for code 1 (must be in the registry). */
    fiscalCode: z
      .string()
      .regex(/^[A-Z0-9]{16}$/)
      .optional(),
  })
  .strict();

export type InjectionInput = z.input<typeof injectionSchema>;

export interface Injection {
  readonly id: number;
  readonly code: 1 | ErrorCode;
  readonly sp?: string;
  remaining: number;
  readonly fiscalCode?: string;
}

export class Injections {
  private list: Injection[] = [];
  private next = 1;

  add(input: InjectionInput): Injection {
    const v = injectionSchema.parse(input);
    const inj: Injection = {
      id: this.next++,
      code: v.code as 1 | ErrorCode,
      remaining: v.times,
      ...(v.sp ? { sp: v.sp } : {}),
      ...(v.fiscalCode ? { fiscalCode: v.fiscalCode } : {}),
    };
    this.list.push(inj);
    return inj;
  }

  /** The first injection matching `spEntityId` (SP-specific ones before general ones), consumed once. */
  take(spEntityId: string): Injection | undefined {
    const inj =
      this.list.find((i) => i.sp === spEntityId) ?? this.list.find((i) => i.sp === undefined);
    if (!inj) return undefined;
    inj.remaining--;
    if (inj.remaining <= 0) this.list = this.list.filter((i) => i !== inj);
    return inj;
  }

  clear(): void {
    this.list = [];
  }

  pending(): readonly Injection[] {
    return this.list;
  }
}
