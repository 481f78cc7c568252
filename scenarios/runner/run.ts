/**
 * A run: journeys with the actors the command line chose (overriding the definitions'), grouped by
 * environment (journeys with the same IdP and SP share one), run one after the other — the bench's
 * machine is shared and a journey's timing faults must not depend on a neighbour's load.
 */
import { TOOL_NAME, TOOL_VERSION } from '../../emulator/src/version.ts';
import { HostError } from '../../emulator/src/host-error.ts';
import { environmentKey, RunEnvironment, type ExternalActors } from './environment.ts';
import { runJourney } from './executor.ts';
import { journeyName, variantOf, type ExecutorOptions } from './plan.ts';
import type { Scenario } from './load.ts';
import type { AppActor, IdpActor, SpActor } from './model.ts';
import type { JourneyResult, RunResult } from './results.ts';

/** What the command line changes in every journey's actors. */
export interface ActorOverrides {
  /** A card of the registry grammar (journeys whose card is `fixed` keep theirs). */
  readonly card?: string;
  readonly app?: { readonly kind: AppActor['kind']; readonly channel?: AppActor['channel'] };
  readonly idp?: { readonly kind: IdpActor['kind']; readonly mode?: IdpActor['mode'] };
  readonly sp?: SpActor['kind'];
}

export interface RunOptions extends Omit<ExecutorOptions, 'reportDir'> {
  readonly reportDir: string;
  readonly headed: boolean;
  readonly overrides: ActorOverrides;
  readonly external: ExternalActors;
}

/** The journey with the command line's actors. */
export function withOverrides(s: Scenario, o: ActorOverrides): Scenario {
  const a = s.actors;
  const sp = o.sp
    ? { ...a.sp, kind: o.sp, defects: o.sp === 'reference' ? a.sp.defects : [] }
    : a.sp;
  return {
    ...s,
    actors: {
      ...a,
      card: o.card && !a.card.fixed ? { ...a.card, spec: o.card } : a.card,
      app: o.app ? { ...a.app, kind: o.app.kind, channel: o.app.channel ?? a.app.channel } : a.app,
      idp: o.idp ? { ...a.idp, kind: o.idp.kind, mode: o.idp.mode ?? a.idp.mode } : a.idp,
      sp,
    },
  };
}

function errored(s: Scenario, o: RunOptions, reason: string): JourneyResult {
  const variant = variantOf(s, o);
  return {
    id: s.id,
    title: s.title,
    refs: s.refs,
    tags: s.tags,
    variant,
    name: journeyName(s.id, variant),
    verdict: 'error',
    reason,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    steps: [],
    oracle: [],
    saml: [],
    files: { dir: '' },
  };
}

export interface RunProgress {
  /** Called before journey `index` (0-based) of `total`. */
  onJourney?(index: number, total: number, s: Scenario): void;
  onResult?(r: JourneyResult): void;
  onEnvironment?(description: string): void;
}

export async function runScenarios(
  scenarios: readonly Scenario[],
  o: RunOptions,
  progress: RunProgress = {},
): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const planned = scenarios.map((s) => withOverrides(s, o.overrides));
  const groups = new Map<string, Scenario[]>();
  for (const s of planned) {
    const k = environmentKey(s.actors);
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  const results: JourneyResult[] = [];
  const environment: Record<string, string> = {};
  let index = 0;
  for (const group of groups.values()) {
    const first = group[0] as Scenario;
    // Journeys that would skip anyway need no environment.
    let env: RunEnvironment | undefined;
    let envError: string | undefined;
    try {
      env = await RunEnvironment.start(first.actors, { headed: o.headed, external: o.external });
      const d = `${env.idp.description} · ${env.sp.description} · Chromium (trust ${env.browser.trust})`;
      environment[environmentKey(first.actors)] = d;
      progress.onEnvironment?.(d);
    } catch (e) {
      // Bad input (a file, an option) stops the run; a missing environment fails its journeys.
      if (!(e instanceof HostError) || e.kind !== 'environment') throw e;
      envError = `${e.message} (${e.code})`;
      progress.onEnvironment?.(`environment failed: ${envError}`);
    }
    try {
      for (const s of group) {
        progress.onJourney?.(index++, planned.length, s);
        const r = env ? await runJourney(env, s, o) : errored(s, o, `environment: ${envError}`);
        results.push(r);
        progress.onResult?.(r);
      }
    } finally {
      await env?.close();
    }
  }
  return {
    tool: `${TOOL_NAME} ${TOOL_VERSION}`,
    startedAt,
    durationMs: Math.round(performance.now() - t0),
    journeys: results,
    environment,
  };
}
