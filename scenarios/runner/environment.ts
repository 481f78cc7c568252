/**
 * What journeys of one run share: the IdP, the SP (registered at each other), the browser process,
 * the IdP's clock and the CRLs it reads. Journeys whose IdP and SP actors are the same share one
 * environment (the catalogue runs on one IdP and one SP); the card, the phone and the browser
 * context are the journey's own.
 *
 * The IdP's clock is the machine's clock plus an offset the runner moves: a journey that lets time
 * pass (`time.pass`) starts with the IdP that many seconds in the past, and each `time.pass` moves
 * it forward, so the journey's last answer is issued at the real time the SP expects (the SP's
 * own clock is never moved) while the IdP has seen the time go by.
 */
import type { IdpClock } from '../idp/config.ts';
import type { IdpActor, SpActor } from './model.ts';
import { launchRunnerBrowser, type RunnerBrowser } from './browser.ts';
import {
  externalIdp,
  IdpActorError,
  startReferenceIdp,
  type ExternalIdpOptions,
  type IdpHandle,
} from './actors/idp.ts';
import { externalSp, startSp, type ExternalSpOptions, type SpHandle } from './actors/sp.ts';
import { startOidcRp } from './actors/oidc-rp.ts';

/** The IdP's clock: real time plus an offset the runner moves. */
export class RunClock implements IdpClock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  get offset(): number {
    return this.offsetMs;
  }
  /** Puts the clock `ms` in the past (a journey about to let `ms` pass). */
  rewind(ms: number): void {
    this.offsetMs = -ms;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  reset(): void {
    this.offsetMs = 0;
  }
}

export interface EnvironmentSpec {
  readonly idp: IdpActor;
  readonly sp: SpActor;
}

export interface ExternalActors {
  readonly idp?: ExternalIdpOptions;
  readonly sp?: ExternalSpOptions;
}

export interface EnvironmentOptions {
  readonly headed: boolean;
  readonly external: ExternalActors;
}

/** The key that decides which journeys share an environment. */
export function environmentKey(s: EnvironmentSpec): string {
  return JSON.stringify({
    idp: { kind: s.idp.kind, mode: s.idp.mode, defects: [...s.idp.defects].sort() },
    sp: {
      kind: s.sp.kind,
      protocol: s.sp.protocol,
      binding: s.sp.binding,
      defects: [...s.sp.defects].sort(),
    },
  });
}

export class RunEnvironment {
  readonly spec: EnvironmentSpec;
  readonly clock: RunClock;
  readonly idp: IdpHandle;
  readonly sp: SpHandle;
  readonly browser: RunnerBrowser;
  /** Replaced, never changed in place: the IdP re-reads its CRLs when the list it gets is new. */
  private readonly crls: { list: readonly Uint8Array[] };

  private constructor(
    spec: EnvironmentSpec,
    clock: RunClock,
    idp: IdpHandle,
    sp: SpHandle,
    browser: RunnerBrowser,
    crls: { list: readonly Uint8Array[] },
  ) {
    this.spec = spec;
    this.clock = clock;
    this.idp = idp;
    this.sp = sp;
    this.browser = browser;
    this.crls = crls;
  }

  /** Starts the IdP, the SP (registered at the IdP) and the browser; stops what started on failure. */
  static async start(spec: EnvironmentSpec, o: EnvironmentOptions): Promise<RunEnvironment> {
    const clock = new RunClock();
    const crls: { list: readonly Uint8Array[] } = { list: [] };
    const started: { close(): Promise<void> }[] = [];
    try {
      const idp =
        spec.idp.kind === 'external'
          ? externalIdp(requireOption(o.external.idp, 'an external IdP needs --idp-metadata'))
          : await startReferenceIdp(spec.idp, {
              clock,
              crls: () => crls.list,
              oidc: spec.sp.protocol === 'oidc',
            });
      started.push(idp);
      const sp =
        spec.sp.kind === 'external'
          ? externalSp(
              requireOption(o.external.sp, 'an external SP needs --sp-url and --sp-metadata'),
            )
          : spec.sp.protocol === 'oidc'
            ? await startOidcRp(spec.sp, idp)
            : await startSp(spec.sp, idp.metadataXml);
      started.push(sp);
      // An RP registers at the trust anchor when it starts (startOidcRp), not with SAML metadata.
      if (idp.kind === 'reference' && sp.protocol !== 'oidc') {
        const r = idp.registerSp(sp.metadataXml);
        if (!r.registered)
          throw new IdpActorError(`the IdP refused the SP's metadata: ${r.report}`);
      }
      const browser = await launchRunnerBrowser({
        trustCaPems: [idp.tlsCaPem, sp.tlsCaPem ?? ''].filter((p) => p.length > 0),
        ...(idp.hostResolverRules ? { hostResolverRules: idp.hostResolverRules } : {}),
        headed: o.headed,
      });
      return new RunEnvironment(spec, clock, idp, sp, browser, crls);
    } catch (e) {
      for (const s of started.reverse()) await s.close().catch(() => undefined);
      throw e;
    }
  }

  /** Adds a CRL the IdP reads (a revoked card's, for one journey). */
  publishCrl(crl: Uint8Array): void {
    this.crls.list = [...this.crls.list, crl];
  }

  /** Back to the state between journeys: real time, no journey CRL. */
  resetBetweenJourneys(): void {
    this.clock.reset();
    if (this.crls.list.length > 0) this.crls.list = [];
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.sp.close().catch(() => undefined);
    await this.idp.close().catch(() => undefined);
  }
}

function requireOption<T>(v: T | undefined, message: string): T {
  if (v === undefined) throw new IdpActorError(message);
  return v;
}
