/**
 * Where a journey must end, checked on every actor that has something to say about it (Keycloak's
 * tests check the end state through the server, not the screen alone):
 *
 * - `sp`: the service provider opened a session with the card holder's attributes (seen on its
 *   page *and* on its session endpoint), or it did not — and then which CIE error it shows;
 * - `saml`: the status of the last Response the IdP sent through the browser (1 = Success, else the
 *   CIE error code `ErrorCode nrNN` with its status URNs); `none`: no Response was sent;
 * - `idp`: the IdP page the browser is left on (its `data-page` id);
 * - `app`: the last outcome on the phone (ok, or the event it showed);
 * - `card`: the card's counters, read back from the card itself;
 * - `registration`: whether the phone still holds the card's registration, and the state of its
 *   stored PIN half.
 */
import { z } from 'zod';

const errorCode = z.union([z.literal(21), z.literal(22), z.literal(23), z.literal(25)]);

export const oracleSchema = z
  .object({
    sp: z
      .discriminatedUnion('session', [
        z.object({ session: z.literal(true) }).strict(),
        z.object({ session: z.literal(false), errorCode: errorCode.optional() }).strict(),
      ])
      .optional(),
    saml: z
      .union([z.literal('none'), z.literal(1), errorCode, z.number().int().min(8).max(18)])
      .optional(),
    idp: z
      .object({ page: z.string().regex(/^[a-z0-9-]+$/) })
      .strict()
      .optional(),
    app: z
      .object({
        ok: z.literal(true).optional(),
        event: z
          .string()
          .regex(/^[A-Z_]+$/)
          .optional(),
        triesLeft: z.number().int().min(0).max(10).optional(),
      })
      .strict()
      .optional(),
    card: z
      .object({
        pinTries: z.number().int().min(0).max(3).optional(),
        pukTries: z.number().int().min(0).max(10).optional(),
      })
      .strict()
      .optional(),
    registration: z
      .object({
        present: z.boolean(),
        half: z.enum(['ok', 'suspect', 'uncertain']).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((o) => Object.keys(o).length > 0, 'an oracle names at least one end state');

export type Oracle = z.output<typeof oracleSchema>;
