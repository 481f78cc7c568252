/**
 * Options of the reference relying party, validated with zod (every problem listed). Defaults are
 * a conformant CIE relying party (italia/spid-cie-oidc-docs `docs/it/metadata_oidc_rp.rst`,
 * `authorization_endpoint.rst`): scope `openid profile`, `prompt=consent login`, `acr_values`
 * SpidL3, ID Token signed RS256 and encrypted RSA-OAEP/A256CBC-HS512, UserInfo signed RS256 and
 * encrypted RSA-OAEP/A256CBC-HS512 (the pair the CIE portal accepts, per integrators' notes),
 * private_key_jwt.
 */
import { z } from 'zod';
import { HostError } from '../../../emulator/src/host-error.ts';
import {
  ACR,
  ACR_VALUES,
  ENCRYPTION_ALGS,
  ENCRYPTION_ENCS,
  SIGNING_ALGS,
} from '../../oidc/profile.ts';

const encryption = z
  .object({ alg: z.enum(ENCRYPTION_ALGS), enc: z.enum(ENCRYPTION_ENCS) })
  .strict();

export const rpOptionsSchema = z
  .object({
    /** The OP's entity ID (its issuer). */
    op: z.url(),
    /** The trust anchor both chains lead to; `jwks` pins its keys (absent: read once at start). */
    trustAnchor: z
      .object({
        entityId: z.url(),
        jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
      })
      .strict(),
    listen: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(0),
    /** Public base URL when behind a proxy (default `https://<listen>:<port>`); also the entity ID. */
    publicUrl: z.url().optional(),
    serviceName: z
      .string()
      .min(1)
      .max(120)
      .default('CIE Bench - servizio OIDC di prova (sintetico)'),
    scope: z
      .string()
      .regex(/^[a-z_ ]+$/)
      .default('openid profile'),
    acrValues: z
      .array(z.enum(ACR_VALUES as [string, ...string[]]))
      .min(1)
      .default([ACR.L3]),
    prompt: z.enum(['consent', 'consent login']).default('consent login'),
    /** The `claims` parameter (object), when the RP asks claims one by one. */
    claims: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    signingAlg: z.enum(SIGNING_ALGS).default('RS256'),
    idTokenEncryption: z
      .union([encryption, z.literal(false)])
      .default({ alg: 'RSA-OAEP', enc: 'A256CBC-HS512' }),
    userinfoEncryption: encryption.default({ alg: 'RSA-OAEP', enc: 'A256CBC-HS512' }),
    /** Ask for a refresh token (`offline_access`) too. */
    offlineAccess: z.boolean().default(false),
    /** `public` or `private` body (trust mark profile asked at registration). */
    organisationType: z.enum(['public', 'private']).default('public'),
    /** Stable keys from a seed; absent: fresh keys at every start. */
    keySeed: z.string().min(1).optional(),
    /** PEM CAs to trust for the OP and the anchor (only these: nothing from the system store). */
    trustCas: z.array(z.string().min(1)).default([]),
    controlToken: z.string().min(16).optional(),
  })
  .strict();

export type RpOptionsInput = z.input<typeof rpOptionsSchema>;
export type RpOptions = z.output<typeof rpOptionsSchema>;

/** Options that cannot run (exit code 2 on the command line). */
export class RpOptionsError extends HostError {
  readonly code = 'RP_OPTIONS_INVALID';
}

export function parseRpOptions(input: RpOptionsInput): RpOptions {
  const r = rpOptionsSchema.safeParse(input);
  if (!r.success)
    throw new RpOptionsError(
      r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  return r.data;
}
