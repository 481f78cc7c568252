/**
 * What a load run logs in to: the reference IdP in this process (bench URLs) or an external IdP
 * given by its metadata, and the reference SP registered at it — the runner's actors
 * (scenarios/runner/actors), started the runner's way but without a browser. The run's citizens
 * see the target as a browser and a phone do: the SP's home page, the IdP's pages and its page
 * model, the CAs to trust, the origins whose QR codes and hand-off URLs the app accepts.
 */
import type { IdpConfig } from '../app/app-context.ts';
import {
  externalIdp,
  IdpActorError,
  startReferenceIdp,
  type ExternalIdpOptions,
  type IdpHandle,
} from '../runner/actors/idp.ts';
import { startSp } from '../runner/actors/sp.ts';
import type { IdpActor, SpActor } from '../runner/model.ts';
import { systemClock } from '../../emulator/src/crypto/clock.ts';
import type { BrowserlessModels } from './browserless/outcome.ts';
import { startSpThread, type ThreadedSp } from './sp-thread.ts';

/**
 * What a citizen needs to know of the target, as plain data (it crosses to worker threads): where
 * the SP's home page is, the page models, the CAs, how the phone reaches the IdP.
 */
export interface TargetView {
  readonly spHome: string;
  readonly models: BrowserlessModels;
  readonly browserCa: readonly string[];
  readonly phoneIdp: IdpConfig;
  readonly idpOrigin: string;
  readonly description: string;
}

export interface LoadTarget {
  readonly idp: IdpHandle;
  readonly sp: ThreadedSp;
  readonly models: BrowserlessModels;
  /** CAs a citizen's browser trusts (the IdP's and the SP's TLS). */
  readonly browserCa: readonly string[];
  /** How a citizen's phone reaches the IdP. */
  readonly phoneIdp: IdpConfig;
  readonly description: string;
  close(): Promise<void>;
}

export interface TargetOptions {
  /** An external IdP (metadata, CA, page model); default: the reference IdP in this process. */
  readonly externalIdp?: ExternalIdpOptions;
  readonly sp?: Partial<SpActor>;
  /**
   * Run the reference SP in a worker thread of its own (default true; sp-thread.ts says why).
   * False keeps it in this thread, beside the IdP.
   */
  readonly spThread?: boolean;
}

/** The plain-data view of a started target. */
export function targetView(t: LoadTarget): TargetView {
  return {
    spHome: t.sp.homeUrl,
    models: t.models,
    browserCa: t.browserCa,
    phoneIdp: t.phoneIdp,
    idpOrigin: t.idp.origins[0] ?? '',
    description: t.description,
  };
}

/** Starts the reference IdP (or takes the external one) and the reference SP registered at it. */
export async function startLoadTarget(o: TargetOptions = {}): Promise<LoadTarget> {
  const idpActor: IdpActor = { kind: 'reference', mode: 'bench', defects: [] };
  const idp = o.externalIdp
    ? externalIdp(o.externalIdp)
    : await startReferenceIdp(idpActor, { clock: systemClock, crls: () => [] });
  let sp: ThreadedSp | undefined;
  try {
    const actor: SpActor = {
      kind: 'reference',
      protocol: 'saml',
      binding: 'redirect',
      defects: [],
      ...o.sp,
    };
    sp =
      actor.kind === 'reference' && o.spThread !== false
        ? await startSpThread(actor, idp.metadataXml)
        : await startSp(actor, idp.metadataXml);
    if (idp.kind === 'reference') {
      const r = idp.registerSp(sp.metadataXml);
      if (!r.registered) throw new IdpActorError(`the IdP refused the SP's metadata: ${r.report}`);
    }
  } catch (e) {
    await sp?.close().catch(() => undefined);
    await idp.close().catch(() => undefined);
    throw e;
  }
  const started = sp;
  const browserCa = [idp.tlsCaPem, started.tlsCaPem ?? ''].filter((p) => p.length > 0);
  return {
    idp,
    sp: started,
    models: { idp: idp.pages, sp: started.pages },
    browserCa,
    phoneIdp: { origins: idp.origins, connection: idp.connection },
    description: `${idp.description}; ${started.description}`,
    async close() {
      await started.close().catch(() => undefined);
      await idp.close().catch(() => undefined);
    },
  };
}
