/**
 * A journey as data: what the scenario runner reads from a catalogue file or a user's own JSON
 * file, validated here with zod before anything starts. The shape follows the OpenID Foundation
 * conformance suite's test plans (actors, a declarative browser script, expected failures keyed by
 * condition) and Keycloak's broker tests (actors injected into the test, the end state checked on
 * the actors themselves, not on the screen alone):
 *
 * ```
 * { id, title, refs[], tags[], actors { card, app, idp, sp, browser }, steps[], oracle }
 * ```
 *
 * `steps` are primitive steps (steps.ts) or uses of a named step group (library.ts), expanded when
 * the file is loaded; `oracle` is where the journey must end (oracle.ts checks it).
 */
import { z } from 'zod';
import { stepInputSchema } from './steps.ts';
import { oracleSchema } from './oracle-model.ts';
import { SP_DEFECTS } from '../sp/config.ts';

/** Identifier of a journey: lower-case words joined by `-` (also a file name). */
export const scenarioIdSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lower-case words joined by "-"')
  .max(80);

/**
 * The card: a card of the registry (`harness/cards/card-registry.ts` grammar) put in a state
 * before the journey starts. `fixed`: the journey needs exactly this card (a command-line
 * `--card` does not replace it, e.g. "not a CIE").
 */
export const cardActorSchema = z
  .object({
    spec: z.string().min(1).max(500).default('default'),
    fixed: z.boolean().default(false),
    state: z
      .object({
        pinTries: z.number().int().min(0).max(3).optional(),
        pukTries: z.number().int().min(0).max(10).optional(),
        certificate: z.enum(['valid', 'expired', 'revoked']).default('valid'),
      })
      .strict()
      .default({ certificate: 'valid' }),
  })
  .strict();

/** The phone: the reference CieID app agent on a channel, or a team's own app (external). */
export const appActorSchema = z
  .object({
    kind: z.enum(['agent', 'external']).default('agent'),
    channel: z.enum(['nfc', 'pcsc', 'in-process']).default('nfc'),
    platform: z.enum(['android', 'ios']).default('android'),
    pinPolicy: z.enum(['app', 'guarded']).default('app'),
    /** `aosp`: AOSP's ISO-DEP (261 bytes, no extended length), the agent going on with short APDUs. */
    isoDep: z.enum(['default', 'aosp']).default('default'),
  })
  .strict();

/** Defects the runner can plant in the reference IdP (to show a journey catches them). */
export const IDP_DEFECTS = ['otp-unchecked'] as const;

export const idpActorSchema = z
  .object({
    kind: z.enum(['reference', 'external']).default('reference'),
    /** Reference IdP: its own URLs, or the real pre-production entityID and host on loopback. */
    mode: z.enum(['bench', 'preprod']).default('bench'),
    defects: z.array(z.enum(IDP_DEFECTS)).max(4).default([]),
  })
  .strict();

export const spActorSchema = z
  .object({
    kind: z.enum(['reference', 'simplesamlphp', 'shibboleth', 'external']).default('reference'),
    /**
     * `oidc`: the reference relying party over OpenID Connect Federation instead of SAML (kind
     * `reference` only); pages, steps and oracle stay the same.
     */
    protocol: z.enum(['saml', 'oidc']).default('saml'),
    binding: z.enum(['redirect', 'post']).default('redirect'),
    /** Reference SP only: checks it is built without (scenarios/sp/README.md, "Deliberate defects"). */
    defects: z.array(z.enum(SP_DEFECTS)).max(10).default([]),
  })
  .strict();

export const browserActorSchema = z
  .object({
    /** `mobile`: a phone's browser (the IdP hands off to the app instead of showing its pages). */
    device: z.enum(['desktop', 'mobile']).default('desktop'),
  })
  .strict();

export const actorsSchema = z
  .object({
    card: cardActorSchema.default({
      spec: 'default',
      fixed: false,
      state: { certificate: 'valid' },
    }),
    app: appActorSchema.default({
      kind: 'agent',
      channel: 'nfc',
      platform: 'android',
      pinPolicy: 'app',
      isoDep: 'default',
    }),
    idp: idpActorSchema.default({ kind: 'reference', mode: 'bench', defects: [] }),
    sp: spActorSchema.default({
      kind: 'reference',
      protocol: 'saml',
      binding: 'redirect',
      defects: [],
    }),
    browser: browserActorSchema.default({ device: 'desktop' }),
  })
  .strict();

/** A reference: the seed step, standard clause or public source the journey reproduces. */
export const refSchema = z.string().min(3).max(300);

export const scenarioInputSchema = z
  .object({
    id: scenarioIdSchema,
    title: z.string().min(3).max(200),
    refs: z.array(refSchema).min(1).max(12),
    tags: z
      .array(z.string().regex(/^[a-z0-9-]+$/))
      .max(12)
      .default([]),
    /**
     * Known defects of an actor this journey runs into (the OpenID conformance suite's expected
     * failures, keyed by condition): a failure whose reason matches `match` is reported as a known
     * defect (skipped, with the reason), and a journey that then passes fails, so the entry is
     * removed once the defect is fixed.
     */
    knownDefects: z
      .array(
        z
          .object({ match: z.string().min(3).max(300), reason: z.string().min(3).max(400) })
          .strict(),
      )
      .max(4)
      .default([]),
    /** Why the journey cannot run yet (it is listed and reported as skipped, with this reason). */
    pending: z.string().min(3).max(400).optional(),
    actors: actorsSchema.default(actorsSchema.parse({})),
    steps: z.array(stepInputSchema).min(1).max(200),
    oracle: oracleSchema,
  })
  .strict();

export type ScenarioInput = z.input<typeof scenarioInputSchema>;
export type CardActor = z.output<typeof cardActorSchema>;
export type AppActor = z.output<typeof appActorSchema>;
export type IdpActor = z.output<typeof idpActorSchema>;
export type SpActor = z.output<typeof spActorSchema>;
export type BrowserActor = z.output<typeof browserActorSchema>;
export type Actors = z.output<typeof actorsSchema>;
export type IdpDefect = (typeof IDP_DEFECTS)[number];
