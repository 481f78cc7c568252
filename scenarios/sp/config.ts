/**
 * Options of the reference service provider, validated with zod. Everything has a default, so
 * `startServiceProvider({ idpMetadataXml })` is a complete, conformant CIE SP on loopback. The
 * identity in the defaults is synthetic ("CIE Bench" public body, IPA code `ciebench`).
 *
 * `defects` builds a deliberately non-conformant SP: each named defect turns one check off (the
 * table in README.md lists what each disables); the scenario runner uses them to show which bad
 * responses a weak SP would accept.
 */
import { z } from 'zod';
import { HostError } from '../../emulator/src/host-error.ts';
import { DEFAULT_SP_KEY_SEED, type PemKeyPair } from './keys.ts';

/** Checks a defective SP skips; the names say what the SP then accepts. */
export const SP_DEFECTS = [
  'accept-unsigned-response',
  'accept-unsigned-assertion',
  'skip-in-response-to',
  'skip-audience',
  'skip-time-window',
  'skip-destination',
  'skip-recipient',
  'skip-issuer',
  'skip-authn-context',
  'skip-attributes',
] as const;
export type SpDefect = (typeof SP_DEFECTS)[number];

export const SPID_LEVELS = ['SpidL1', 'SpidL2', 'SpidL3'] as const;
export type SpidLevel = (typeof SPID_LEVELS)[number];
export const authnContextClassRef = (level: SpidLevel): string =>
  `https://www.spid.gov.it/${level}`;

const publicEntity = z.object({
  kind: z.literal('public'),
  /** Code of the body in the Indice PA (mandatory for public bodies). */
  ipaCode: z.string().min(1).max(64),
  ipaCategory: z.string().min(1).max(16).optional(),
});

const privateEntity = z.object({
  kind: z.literal('private'),
  /** VAT number with the ISO 3166-1 alpha-2 prefix, no spaces (e.g. IT12345678901). */
  vatNumber: z
    .string()
    .regex(/^[A-Z]{2}[0-9A-Z]{2,13}$/)
    .optional(),
  fiscalCode: z.string().min(1).max(32),
  /** ATECO / NACE rev. 2 codes, one element each (e.g. 62.01). */
  nace2Codes: z
    .array(z.string().regex(/^\d{2}(\.\d{1,2}){0,2}$/))
    .min(1)
    .max(16),
});

export const contactSchema = z.object({
  entity: z.discriminatedUnion('kind', [publicEntity, privateEntity]),
  /** ISTAT ("Belfiore") code of the registered office, upper case (e.g. H501), or a foreign ZIP. */
  municipality: z.string().min(1).max(16),
  province: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  /** Defaults to the organisation name for the administrative contact. */
  company: z.string().min(1).max(256).optional(),
  email: z.email(),
  telephone: z
    .string()
    .regex(/^\+\d{6,15}$/)
    .optional(),
});
export type SpContact = z.infer<typeof contactSchema>;

const organizationSchema = z.object({
  name: z.string().min(1).max(256),
  displayName: z.string().min(1).max(256),
  url: z.url(),
});

const DEFAULT_ORGANIZATION = {
  name: 'CIE Bench - servizio di prova (sintetico)',
  displayName: 'CIE Bench SP',
  url: 'https://ciebench.invalid/',
};

const DEFAULT_CONTACT = {
  entity: { kind: 'public' as const, ipaCode: 'ciebench' },
  municipality: 'H501',
  province: 'RM',
  email: 'cie-sp@ciebench.invalid',
};

export const spOptionsSchema = z.object({
  /** HTTPS (default; certificate from the TLS authority) or plain HTTP, both on `host`. */
  protocol: z.enum(['https', 'http']).default('https'),
  /** Address to bind; loopback by default. */
  host: z.string().min(1).default('127.0.0.1'),
  /** 0 = any free port (tests and the scenario runner). */
  port: z.number().int().min(0).max(65535).default(0),
  /** Base URL the browser uses, when it is not `protocol://host:port` (e.g. a mapped host name). */
  publicUrl: z.url().optional(),
  /** Defaults to `<base URL>/metadata`. */
  entityId: z.string().min(1).max(1024).optional(),
  /** Default binding of the AuthnRequest (`/login?binding=` overrides it per login). */
  binding: z.enum(['redirect', 'post']).default('redirect'),
  /** How the request names the ACS: URL + ProtocolBinding, or AssertionConsumerServiceIndex. */
  acsBy: z.enum(['url', 'index']).default('url'),
  level: z.enum(SPID_LEVELS).default('SpidL3'),
  comparison: z.enum(['exact', 'minimum']).default('exact'),
  organization: organizationSchema.default(DEFAULT_ORGANIZATION),
  administrativeContact: contactSchema.default(DEFAULT_CONTACT),
  /** The external technology partner, when there is one (second ContactPerson). */
  technicalContact: contactSchema.optional(),
  /** AttributeConsumingService/ServiceName: a service-class id or `urn:uuid:<uuid4>`. */
  serviceName: z.string().min(1).max(255).default('urn:uuid:6f7c2a4e-2b1d-4c1e-9a57-3e0f5b8d9c21'),
  defects: z.array(z.enum(SP_DEFECTS)).default([]),
  /** `idp`: after clearing its own session the SP sends the browser to the IdP's logout URL. */
  logout: z.enum(['local', 'idp']).default('idp'),
  /** How long an issued request ID stays acceptable as InResponseTo. */
  requestTtlSeconds: z.number().int().min(1).max(86_400).default(600),
  clockSkewSeconds: z.number().int().min(0).max(600).default(30),
  sessionTtlSeconds: z.number().int().min(1).max(86_400).default(1800),
  /** Seed of the SP's signing key and TLS key (same seed, same metadata). */
  keySeed: z.string().min(1).default(DEFAULT_SP_KEY_SEED),
});

export type SpOptionsInput = z.input<typeof spOptionsSchema>;
export type SpOptions = z.output<typeof spOptionsSchema>;

/** What cannot be JSON: the IdP metadata and key material (all PEM / XML strings). */
export interface SpMaterial {
  /** The identity provider's SAML metadata (XML). */
  readonly idpMetadataXml: string;
  /** SAML signing key + certificate; default: derived from `keySeed`, self-signed. */
  readonly signing?: PemKeyPair;
  /** TLS key + certificate for HTTPS; default: issued by `tlsAuthority` for the SP's host names. */
  readonly tls?: PemKeyPair;
  /** CA that issues the default TLS certificate; default: the SP's own TEST TLS CA. */
  readonly tlsAuthority?: PemKeyPair;
  /** Bearer token of the control API (`/api/*`); default: a random one. */
  readonly controlToken?: string;
}

/** Bad SP options (exit 2). */
export class SpConfigError extends HostError {
  readonly code = 'SP_CONFIG';
}

/** Validates options; the error lists every problem with its path. */
export function parseSpOptions(input: SpOptionsInput): SpOptions {
  const r = spOptionsSchema.safeParse(input);
  if (!r.success) throw new SpConfigError(`invalid SP options:\n${z.prettifyError(r.error)}`);
  return r.data;
}

export function hasDefect(options: SpOptions, defect: SpDefect): boolean {
  return options.defects.includes(defect);
}
