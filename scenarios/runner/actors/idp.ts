/**
 * The IdP actor: the bench's reference IdP in this process (bench URLs, or impersonating the
 * pre-production IdP), or an external IdP reached by its metadata and driven through page
 * selectors. The runner knows an IdP by what a browser and an app see of it: its metadata, its TLS
 * authority, its pages (a page id per page, the buttons' labels, the fields) and the origins the
 * app accepts QR codes and hand-off URLs from.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BenchError } from '../../../emulator/src/host-error.ts';
import { IMPERSONATION_PORTS, type IdpBehaviour, type IdpClock } from '../../idp/config.ts';
import { startIdp, type RunningIdp } from '../../idp/server.ts';
import type { IdpConnection } from '../../app/idp-client.ts';
import type { IdpActor, IdpDefect } from '../model.ts';

/**
 * How the runner finds its way on an IdP's pages. The reference IdP carries a page id in
 * `<body data-page>`; an external IdP gets a selector per page instead.
 */
export const idpPageModelSchema = z
  .object({
    /** CSS selector per page id; a page is "current" when its selector matches. */
    pages: z.record(z.string().regex(/^[a-z0-9-]+$/), z.string().min(1)).default({}),
    buttons: z
      .object({
        smartphone: z.string().default('Prosegui con smartphone'),
        computer: z.string().default('Prosegui con computer'),
        proceed: z.string().default('Prosegui'),
        accept: z.string().default('Acconsento'),
        refuse: z.string().default('Non acconsento'),
        cancel: z.string().default('Annulla'),
        newQr: z.string().default('Genera un nuovo QR Code'),
        /** The desktop page's link into the TLS client-authentication listener. */
        readerLogin: z.string().default('Accedi'),
      })
      .strict()
      .default({
        smartphone: 'Prosegui con smartphone',
        computer: 'Prosegui con computer',
        proceed: 'Prosegui',
        accept: 'Acconsento',
        refuse: 'Non acconsento',
        cancel: 'Annulla',
        newQr: 'Genera un nuovo QR Code',
        readerLogin: 'Accedi',
      }),
    serialField: z.string().default('#seriale'),
    otpField: z.string().default('#otp'),
    qr: z.string().default('#qr svg'),
    /** Attribute of the QR element carrying its payload (for `source: page`). */
    qrPayload: z.string().default('#qr[data-qr-payload]'),
    /** Path fragment of the app hand-off URL a mobile browser is sent to. */
    handoff: z.string().default('/idp/OpenApp?'),
  })
  .strict();

export type IdpPageModel = z.output<typeof idpPageModelSchema>;

export const REFERENCE_PAGES: IdpPageModel = idpPageModelSchema.parse({});

export interface IdpHandle {
  readonly kind: IdpActor['kind'];
  readonly description: string;
  readonly entityId: string;
  readonly metadataXml: string;
  readonly tlsCaPem: string;
  readonly pages: IdpPageModel;
  /** Origins whose QR codes and hand-off URLs the app accepts. */
  readonly origins: readonly string[];
  /** How the app reaches the IdP. */
  readonly connection: IdpConnection;
  readonly hostResolverRules?: string;
  /** The reference IdP in this process (OTP look-up for an external app, events). */
  readonly reference?: RunningIdp;
  /** Registers an SP's metadata (reference IdP); external IdPs are told by their operators. */
  registerSp(xml: string): { readonly registered: boolean; readonly report: string };
  close(): Promise<void>;
}

export class IdpActorError extends BenchError {
  constructor(message: string, kind: 'input' | 'environment' = 'input') {
    super('SCENARIO_IDP', message, kind);
  }
}

/**
 * The timers of the runner's reference IdP. The QR page polls every 250 ms (a journey does not
 * wait 5 s for the page to notice the phone); the login budget is 160 s instead of 600 s, so that
 * a "too slow" journey can pass it with the IdP's clock alone while the SP's AuthnRequest stays
 * within the IdP's IssueInstant window (±180 s). Both are options of the IdP (`A-QR-POLL`,
 * `A-LOGIN-BUDGET`); the QR and OTP lifetimes and tries stay the defaults.
 */
export const RUNNER_IDP_TIMERS = { qrPollMs: 250, loginBudgetMs: 160_000 } as const;

/** The reference IdP's behaviour switch behind each planted defect (scenarios/idp/README.md). */
const DEFECT_SWITCH: Readonly<Record<IdpDefect, Partial<IdpBehaviour>>> = {
  'otp-unchecked': { otpCheck: 'off' },
};

function behaviourFor(defects: readonly IdpDefect[]): Partial<IdpBehaviour> {
  return Object.assign({}, ...defects.map((d) => DEFECT_SWITCH[d])) as Partial<IdpBehaviour>;
}

export interface ReferenceIdpOptions {
  readonly clock: IdpClock;
  readonly crls: () => readonly Uint8Array[];
  /** Also start the OpenID Provider and the trust anchor (journeys over OpenID Connect). */
  readonly oidc?: boolean;
}

export async function startReferenceIdp(a: IdpActor, o: ReferenceIdpOptions): Promise<IdpHandle> {
  const idp = await startIdp({
    mode: a.mode,
    clock: o.clock,
    crls: o.crls,
    timers: RUNNER_IDP_TIMERS,
    behaviour: behaviourFor(a.defects),
    ...(o.oidc ? { oidc: { keys: 'random' } as const } : {}),
  });
  const base = new URL(idp.urls.base);
  // Impersonation: the app resolves the real host to loopback itself and connects to the ports the
  // IdP really listens on for the real host's 443, 8444 and 8445.
  const h = base.hostname;
  const connection: IdpConnection =
    a.mode === 'bench'
      ? { ca: idp.tlsCaPem }
      : {
          ca: idp.tlsCaPem,
          resolve: { [h]: '127.0.0.1' },
          ports: {
            [`${h}:443`]: idp.ports.main,
            [`${h}:${IMPERSONATION_PORTS.desktop}`]: idp.ports.desktop,
            [`${h}:${IMPERSONATION_PORTS.mtls}`]: idp.ports.mtls,
          },
        };
  return {
    kind: 'reference',
    description: `reference IdP (${a.mode === 'bench' ? idp.urls.base : `impersonating ${base.hostname}`})${a.defects.length ? `, planted defects: ${a.defects.join(', ')}` : ''}`,
    entityId: idp.urls.entityId,
    metadataXml: idp.metadata(),
    tlsCaPem: idp.tlsCaPem,
    pages: REFERENCE_PAGES,
    origins: [base.origin],
    connection,
    ...(idp.hostResolverRules ? { hostResolverRules: idp.hostResolverRules } : {}),
    reference: idp,
    registerSp: (xml) => {
      const r = idp.registerSp(xml);
      const report = r.report.findings
        .map((f) => `${f.severity} ${f.rule}: ${f.message}`)
        .join('; ');
      return { registered: r.registered, report: report || 'no finding' };
    },
    close: () => idp.close(),
  };
}

/** What the command line gives for an external IdP. */
export interface ExternalIdpOptions {
  /** IdP metadata file (XML). */
  readonly metadataFile: string;
  /** PEM file of the CA of the IdP's TLS certificate (besides the system's). */
  readonly caFile?: string;
  /** JSON file of page selectors ({@link idpPageModelSchema}). */
  readonly pagesFile?: string;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new IdpActorError(`${what} ${file}: ${(e as Error).message}`);
  }
}

export function externalIdp(o: ExternalIdpOptions): IdpHandle {
  const metadataXml = readText(o.metadataFile, 'IdP metadata');
  const entityId = /entityID="([^"]+)"/.exec(metadataXml)?.[1];
  if (!entityId) throw new IdpActorError(`IdP metadata ${o.metadataFile}: no entityID`);
  let pages = REFERENCE_PAGES;
  if (o.pagesFile) {
    const r = idpPageModelSchema.safeParse(JSON.parse(readText(o.pagesFile, 'IdP page model')));
    if (!r.success)
      throw new IdpActorError(
        `IdP page model ${o.pagesFile}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    pages = r.data;
  }
  const tlsCaPem = o.caFile ? readText(o.caFile, 'IdP CA') : '';
  const origin = new URL(entityId).origin;
  return {
    kind: 'external',
    description: `external IdP ${entityId}`,
    entityId,
    metadataXml,
    tlsCaPem,
    pages,
    origins: [origin],
    connection: tlsCaPem ? { ca: tlsCaPem } : {},
    registerSp: () => ({
      registered: false,
      report: 'an external IdP learns SP metadata from its operator (register the SP there first)',
    }),
    close: async () => undefined,
  };
}
