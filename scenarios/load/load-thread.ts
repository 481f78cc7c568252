/**
 * The worker threads of a load run — the citizens' (load-worker) and the reference SP's
 * (sp-thread) — started one way.
 *
 * Entry: from the sources, `<name>.mjs`, which registers tsx and imports `<name>-main.ts`; from the
 * built package, `<name>-main.js` itself.
 *
 * Young generation: 64 MB rather than V8's default. A login allocates a few MB that die young in
 * each of these threads (pages, SAML documents, APDUs), so a larger nursery means fewer scavenges,
 * whose cost follows what survives, not what was allocated.
 */
import { Worker } from 'node:worker_threads';

export type LoadThreadName = 'load-worker' | 'sp-thread';

const YOUNG_GENERATION_MB = 64;

export function startLoadThread(name: LoadThreadName, workerData: unknown): Worker {
  const entry = import.meta.url.endsWith('.ts')
    ? new URL(`./${name}.mjs`, import.meta.url)
    : new URL(`./${name}-main.js`, import.meta.url);
  return new Worker(entry, {
    workerData,
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
}
