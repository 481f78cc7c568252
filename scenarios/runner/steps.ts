/**
 * The primitive steps of a journey, one per thing a citizen (or the clock, or the card) does, and
 * the expectations a step may carry. Each step names its actor in its `do` (`sp.`, `idp.`,
 * `app.`, `card.`, `time.`, `comune.`). Secrets are symbolic: `card` is the card's PIN (or PUK)
 * as the citizen knows it, `wrong` a wrong one, `new` the new PIN chosen in the journey, `old` the
 * PIN before the last change — so no definition needs a PIN written in it, and a physical card's
 * PIN comes from the environment.
 */
import { z } from 'zod';
import { FaultSchema } from '../../harness/nfc/faults.ts';

const pin = z.union([z.enum(['card', 'wrong', 'new', 'old']), z.string().regex(/^\d{8}$/)]);
const lastFour = z.union([z.enum(['card', 'wrong']), z.string().regex(/^\d{4}$/)]);
const serial = z.union([z.literal('card'), z.string().regex(/^[A-Za-z0-9]{1,12}$/)]);

/** Page ids: the IdP's `data-page` ids, `handoff` (the app hand-off URL), the SP's end pages. */
export const pageIdSchema = z
  .string()
  .regex(/^[a-z0-9-]+$/)
  .max(40);

/** What a step may expect; each step kind accepts only the fields that make sense for it. */
const browserExpect = z
  .object({ page: pageIdSchema.optional(), text: z.string().min(1).max(300).optional() })
  .strict();
const appExpect = z
  .object({
    ok: z.literal(true).optional(),
    event: z
      .string()
      .regex(/^[A-Z_]+$/)
      .optional(),
    triesLeft: z.number().int().min(0).max(10).optional(),
  })
  .strict();

const faults = z.array(FaultSchema).max(20).optional();
const label = z.string().min(1).max(120).optional();

const browserStep = <T extends string, S extends z.ZodRawShape>(name: T, shape: S) =>
  z
    .object({ do: z.literal(name), name: label, expect: browserExpect.optional(), ...shape })
    .strict();
const appStep = <T extends string, S extends z.ZodRawShape>(name: T, shape: S) =>
  z.object({ do: z.literal(name), name: label, expect: appExpect.optional(), ...shape }).strict();
const plainStep = <T extends string, S extends z.ZodRawShape>(name: T, shape: S) =>
  z.object({ do: z.literal(name), name: label, ...shape }).strict();

export const stepSchema = z.discriminatedUnion('do', [
  // The browser (desktop, or the phone's browser with a mobile device).
  browserStep('sp.login', {}),
  browserStep('idp.choose', { option: z.enum(['smartphone', 'computer']) }),
  browserStep('idp.serial', { serial: serial.default('card') }),
  browserStep('idp.otp', {
    otp: z
      .union([z.enum(['from-app', 'wrong']), z.string().regex(/^\d{1,8}$/)])
      .default('from-app'),
  }),
  browserStep('idp.consent', { choice: z.enum(['accept', 'refuse']) }),
  browserStep('idp.cancel', {}),
  browserStep('idp.new-qr', {}),
  browserStep('idp.reload', {}),
  browserStep('browser.return', {}),
  /**
   * Desktop with a reader: "Accedi" on the IdP's page; the browser answers the TLS client-certificate
   * request with the card's certificate through a PKCS#11 module, which asks the last 4 digits.
   */
  browserStep('idp.reader-login', { lastFour: lastFour.default('card') }),
  /** The citizen looks at the browser: nothing is done, the page the step expects is awaited. */
  z
    .object({
      do: z.literal('browser.wait'),
      name: label,
      expect: browserExpect.refine((e) => e.page !== undefined, 'browser.wait needs expect.page'),
    })
    .strict(),
  // The phone.
  appStep('app.register', {
    serial: serial.default('card'),
    pin: pin.default('card'),
    replace: z.boolean().default(false),
    faults,
  }),
  appStep('app.scan-qr', {
    lastFour: lastFour.default('card'),
    /** `screenshot`: decode the QR from a screenshot of the page (the phone's camera). */
    source: z.enum(['screenshot', 'page']).default('screenshot'),
    faults,
  }),
  appStep('app.login', {
    mode: z.enum(['registered', 'integrated']).default('registered'),
    lastFour: lastFour.default('card'),
    /** Integrated mode: the whole PIN typed, or `remembered` (the app's stored PIN is used). */
    pin: z.union([pin, z.literal('remembered')]).default('card'),
    remember: z.boolean().default(false),
    cancel: z.boolean().default(false),
    faults,
  }),
  appStep('app.change-pin', {
    old: pin.default('card'),
    new: pin.default('new'),
    /** `other`: the PIN is changed on another device (the desktop software, another phone). */
    device: z.enum(['this', 'other']).default('this'),
    faults,
  }),
  appStep('app.unblock', { puk: pin.default('card'), new: pin.default('new'), faults }),
  appStep('app.forget', {}),
  // The card, the clock, the Comune.
  plainStep('card.away', {}),
  plainStep('card.back', {}),
  plainStep('time.pass', { seconds: z.number().int().min(1).max(170) }),
  plainStep('comune.reprint-pin', { half: z.enum(['first', 'second']).default('first') }),
]);

/** A use of a named step group of library.ts, with its parameters. */
export const useStepSchema = z
  .object({
    use: z.string().regex(/^[a-z0-9-]+$/),
    with: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const stepInputSchema = z.union([stepSchema, useStepSchema]);

export type Step = z.output<typeof stepSchema>;
export type StepInput = z.input<typeof stepSchema>;
export type StepKind = Step['do'];
export type UseStep = z.output<typeof useStepSchema>;
export type PinValue = z.output<typeof pin>;
export type LastFourValue = z.output<typeof lastFour>;
export type BrowserExpect = z.output<typeof browserExpect>;
export type AppExpect = z.output<typeof appExpect>;
