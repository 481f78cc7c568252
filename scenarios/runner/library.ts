/**
 * Named step groups, composed into journeys instead of being copied into each (`{"use":
 * "hybrid-login", "with": {...}}`). A group is a function of validated parameters returning
 * primitive steps; `ciebench scenario show` prints a journey with its groups expanded.
 */
import { z } from 'zod';
import { BenchError } from '../../emulator/src/host-error.ts';
import type { LastFourValue, StepInput, UseStep } from './steps.ts';

interface StepGroup<P extends z.ZodType> {
  readonly summary: string;
  readonly params: P;
  expand(p: z.output<P>): StepInput[];
}

function group<P extends z.ZodType>(g: StepGroup<P>): StepGroup<P> {
  return g;
}

const consent = z.enum(['accept', 'refuse']).default('accept');
const lastFour = z.union([z.enum(['card', 'wrong']), z.string().regex(/^\d{4}$/)]).default('card');

/** The desktop side up to the QR code: SP button, "Prosegui con smartphone", serial. */
const toQr = (): StepInput[] => [
  { do: 'sp.login', expect: { page: 'scelta' } },
  { do: 'idp.choose', option: 'smartphone', expect: { page: 'seriale' } },
  { do: 'idp.serial', serial: 'card', expect: { page: 'qrcode' } },
];

/** The phone side of a hybrid login and the OTP typed on the desktop. */
const qrToConsent = (four: LastFourValue): StepInput[] => [
  { do: 'app.scan-qr', lastFour: four, expect: { ok: true } },
  { do: 'idp.otp', otp: 'from-app', expect: { page: 'consenso' } },
];

const consentStep = (c: 'accept' | 'refuse'): StepInput => ({
  do: 'idp.consent',
  choice: c,
  expect: { page: c === 'accept' ? 'sp-session' : 'sp-error' },
});

export const STEP_GROUPS = {
  'register-card': group({
    summary: 'register the card in the app: serial number, the whole PIN, card on the phone',
    params: z.object({ pin: z.enum(['card', 'new']).default('card') }).strict(),
    expand: (p) => [{ do: 'app.register', pin: p.pin, expect: { ok: true } }],
  }),
  'hybrid-to-qr': group({
    summary: 'desktop: "Entra con CIE", "Prosegui con smartphone", the card serial, the QR page',
    params: z.object({}).strict(),
    expand: () => toQr(),
  }),
  'hybrid-login': group({
    summary: 'desktop + phone: serial, QR scanned, last 4 PIN digits, card, OTP typed, consent',
    params: z.object({ consent, lastFour }).strict(),
    expand: (p) => [...toQr(), ...qrToConsent(p.lastFour), consentStep(p.consent)],
  }),
  'phone-login': group({
    summary:
      'phone only: SP in the phone browser, hand-off to the app, last 4 digits, card, back, consent',
    params: z.object({ consent, lastFour }).strict(),
    expand: (p) => [
      { do: 'sp.login', expect: { page: 'handoff' } },
      { do: 'app.login', mode: 'registered', lastFour: p.lastFour, expect: { ok: true } },
      { do: 'browser.return', expect: { page: 'consenso' } },
      consentStep(p.consent),
    ],
  }),
  'integrated-login': group({
    summary: "an SP's own app with the SDK: the whole PIN (optionally remembered), card, consent",
    params: z
      .object({
        pin: z.enum(['card', 'remembered']).default('card'),
        remember: z.boolean().default(false),
      })
      .strict(),
    expand: (p) => [
      { do: 'sp.login', expect: { page: 'handoff' } },
      {
        do: 'app.login',
        mode: 'integrated',
        pin: p.pin,
        remember: p.remember,
        expect: { ok: true },
      },
      { do: 'browser.return', expect: { page: 'consenso' } },
      consentStep('accept'),
    ],
  }),
} as const;

export type StepGroupName = keyof typeof STEP_GROUPS;

export class StepGroupError extends BenchError {
  constructor(message: string) {
    super('SCENARIO_STEP_GROUP', message, 'input');
  }
}

/** Expands one `use` step into its primitive steps (parameters validated). */
export function expandUse(u: UseStep): StepInput[] {
  const g = (STEP_GROUPS as Record<string, StepGroup<z.ZodType> | undefined>)[u.use];
  if (!g)
    throw new StepGroupError(
      `unknown step group '${u.use}' (known: ${Object.keys(STEP_GROUPS).join(', ')})`,
    );
  const p = g.params.safeParse(u.with);
  if (!p.success)
    throw new StepGroupError(
      `step group '${u.use}': ${p.error.issues.map((i) => `${i.path.join('.') || 'with'}: ${i.message}`).join('; ')}`,
    );
  return g.expand(p.data);
}
