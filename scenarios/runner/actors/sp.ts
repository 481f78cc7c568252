/**
 * The SP actor: the reference SP (node-saml, in this process), SimpleSAMLphp or the Shibboleth SP
 * (Debian packages, private Apache instances), or an external SP by URL and metadata. All the
 * bench's SPs share page element ids (`#entra-con-cie`, `#sp-logged-in`, `#attr-<name>`,
 * `#sp-login-failed`, `#sp-error-code`, …; scenarios/sp/README.md); an external SP gets a page
 * model with its own selectors.
 *
 * Besides the page the browser lands on, each SP says whether the browser *holds a session*
 * through a URL of its own (`sessionUrl`), visited in the same browser context after the journey:
 * the end state is read from the SP, not only from the journey's last screen.
 */
import { readFileSync } from 'node:fs';
import type { BrowserContext } from 'playwright-core';
import { z } from 'zod';
import { BenchError } from '../../../emulator/src/host-error.ts';
import { startServiceProvider, type ServiceProvider } from '../../sp/service-provider.ts';
import type { AcsOutcome } from '../../sp/state.ts';
import { thirdPartyStatus } from '../../sp/third-party/environment.ts';
import type { ThirdPartySp } from '../../sp/third-party/instance.ts';
import { startShibbolethSp } from '../../sp/third-party/shibboleth.ts';
import { startSimpleSamlPhp } from '../../sp/third-party/simplesamlphp.ts';
import type { SpActor } from '../model.ts';

export const spPageModelSchema = z
  .object({
    login: z.string().default('#entra-con-cie'),
    loggedIn: z.string().default('#sp-logged-in'),
    loginFailed: z.string().default('#sp-login-failed'),
    /** Where the SP shows the CIE error (`ErrorCode nrNN` or the code). */
    errorText: z.string().default('#sp-login-failed'),
    /** `#attr-<name>` by default. */
    attributePrefix: z.string().default('#attr-'),
    /** Text (regular expression) the session URL shows only to a logged-in browser. */
    sessionPattern: z.string().default('id="sp-logged-in"'),
  })
  .strict();

export type SpPageModel = z.output<typeof spPageModelSchema>;
const BENCH_SP_PAGES: SpPageModel = spPageModelSchema.parse({});

export interface SpSessionView {
  readonly session: boolean;
  readonly status: number;
  readonly url: string;
}

export interface SpHandle {
  readonly kind: SpActor['kind'];
  /** `oidc`: the reference relying party (no SAML metadata to register). */
  readonly protocol?: SpActor['protocol'];
  readonly description: string;
  readonly homeUrl: string;
  readonly entityId: string;
  readonly acsUrl: string;
  readonly metadataXml: string;
  readonly tlsCaPem?: string;
  readonly pages: SpPageModel;
  /** The URL that shows whether the browser holds a session (see {@link sessionState}). */
  readonly sessionUrl: string;
  /** The reference SP's ACS outcome log (its "admin API"); absent for the others. */
  readonly outcomes?: () => readonly AcsOutcome[];
  /** Apache/shibd logs of a third-party SP, for failure messages. */
  readonly logs?: () => string;
  close(): Promise<void>;
}

export class SpActorError extends BenchError {
  constructor(message: string, kind: 'input' | 'environment' = 'input') {
    super('SCENARIO_SP', message, kind);
  }
}

/**
 * Does the browser context hold a session at the SP? Its session URL, opened in a new tab of the
 * same context (same cookies, same trust as the journey's browser).
 */
export async function sessionState(sp: SpHandle, ctx: BrowserContext): Promise<SpSessionView> {
  const page = await ctx.newPage();
  try {
    const r = await page.goto(sp.sessionUrl, { timeout: 30_000 });
    const body = await page.content();
    const status = r?.status() ?? 0;
    return {
      session: status === 200 && new RegExp(sp.pages.sessionPattern).test(body),
      status,
      url: page.url(),
    };
  } finally {
    await page.close();
  }
}

function reference(sp: ServiceProvider, a: SpActor): SpHandle {
  return {
    kind: 'reference',
    description: `reference SP (node-saml) ${sp.urls.base}${a.defects.length ? `, built without: ${a.defects.join(', ')}` : ''}`,
    homeUrl: `${sp.urls.base}/`,
    entityId: sp.urls.entityId,
    acsUrl: sp.urls.acs,
    metadataXml: sp.metadataXml,
    ...(sp.tlsCaPem ? { tlsCaPem: sp.tlsCaPem } : {}),
    pages: BENCH_SP_PAGES,
    sessionUrl: sp.urls.attributes,
    outcomes: () => sp.outcomes,
    close: () => sp.close(),
  };
}

function thirdParty(sp: ThirdPartySp, sessionUrl: string, pattern?: string): SpHandle {
  return {
    kind: sp.kind,
    description: `${sp.kind === 'shibboleth' ? 'Shibboleth SP' : 'SimpleSAMLphp'} ${sp.baseUrl}`,
    homeUrl: sp.homeUrl,
    entityId: sp.entityId,
    acsUrl: sp.acsUrl,
    metadataXml: sp.metadataXml,
    tlsCaPem: sp.tlsCaPem,
    pages: pattern ? { ...BENCH_SP_PAGES, sessionPattern: pattern } : BENCH_SP_PAGES,
    sessionUrl,
    logs: () => sp.logs(),
    close: () => sp.stop(),
  };
}

/** Starts a bench SP for `idpMetadataXml` (external SPs come from {@link externalSp}). */
export async function startSp(a: SpActor, idpMetadataXml: string): Promise<SpHandle> {
  if (a.defects.length > 0 && a.kind !== 'reference')
    throw new SpActorError(`SP defects are options of the reference SP only, not of ${a.kind}`);
  switch (a.kind) {
    case 'reference':
      return reference(
        await startServiceProvider(
          { binding: a.binding, defects: [...a.defects] },
          { idpMetadataXml },
        ),
        a,
      );
    case 'simplesamlphp':
    case 'shibboleth': {
      const st = thirdPartyStatus(a.kind);
      if (!st.ok) throw new SpActorError(st.reason, 'environment');
      if (a.kind === 'simplesamlphp') {
        const sp = await startSimpleSamlPhp({ idpMetadataXml });
        return thirdParty(sp, `${sp.baseUrl}/?action=attributes`);
      }
      const sp = await startShibbolethSp({ idpMetadataXml });
      // The Session handler lists the session's attributes; without one: "A valid session was not found."
      return thirdParty(sp, `${sp.baseUrl}/Shibboleth.sso/Session`, 'Authentication Time:');
    }
    case 'external':
      throw new SpActorError('an external SP is given with --sp-url and --sp-metadata');
  }
}

export interface ExternalSpOptions {
  readonly homeUrl: string;
  readonly metadataFile: string;
  readonly sessionUrl?: string;
  readonly caFile?: string;
  readonly pagesFile?: string;
}

export function externalSp(o: ExternalSpOptions): SpHandle {
  const read = (f: string, what: string): string => {
    try {
      return readFileSync(f, 'utf8');
    } catch (e) {
      throw new SpActorError(`${what} ${f}: ${(e as Error).message}`);
    }
  };
  const metadataXml = read(o.metadataFile, 'SP metadata');
  const entityId = /entityID="([^"]+)"/.exec(metadataXml)?.[1];
  const acsUrl = /AssertionConsumerService[^>]*Location="([^"]+)"/.exec(metadataXml)?.[1];
  if (!entityId || !acsUrl)
    throw new SpActorError(`SP metadata ${o.metadataFile}: no entityID or ACS location`);
  let pages = BENCH_SP_PAGES;
  if (o.pagesFile) {
    const r = spPageModelSchema.safeParse(JSON.parse(read(o.pagesFile, 'SP page model')));
    if (!r.success)
      throw new SpActorError(
        `SP page model ${o.pagesFile}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    pages = r.data;
  }
  return {
    kind: 'external',
    description: `external SP ${entityId}`,
    homeUrl: o.homeUrl,
    entityId,
    acsUrl,
    metadataXml,
    ...(o.caFile ? { tlsCaPem: read(o.caFile, 'SP CA') } : {}),
    pages,
    sessionUrl: o.sessionUrl ?? o.homeUrl,
    close: async () => undefined,
  };
}
