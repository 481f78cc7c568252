/**
 * `npm run fuzz`: the reliability campaign, bounded (under two minutes on a 2-core machine) and
 * replayable: every target draws from its own seed derived from `--seed` (default below, the one
 * CI uses), prints how many inputs it tried and how many violated its invariant, and the run
 * exits 1 if any did. `--only <target>` runs one target. What each target checks is written at
 * the top of its file (harness/fuzz/targets/); the README's robustness section summarises it.
 */
import { cardApdus } from './targets/card-apdus.fuzz.ts';
import { imageFiles } from './targets/image-files.fuzz.ts';
import { memory } from './targets/memory.fuzz.ts';
import { pinCounters } from './targets/pin-counters.fuzz.ts';
import { iasSmMutations, smMutations } from './targets/secure-messaging.fuzz.ts';
import { vpcdStreams, wsFrames } from './targets/transports.fuzz.ts';
import type { FuzzTarget, Tally } from './fuzz-kit.ts';

export const DEFAULT_SEED = 'ciebench-fuzz-v1';

const TARGETS: readonly FuzzTarget[] = [
  cardApdus,
  smMutations,
  iasSmMutations,
  pinCounters,
  imageFiles,
  vpcdStreams,
  wsFrames,
  memory,
];

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const seed = option('--seed') ?? DEFAULT_SEED;
  const only = option('--only');
  const chosen = TARGETS.filter((t) => only === undefined || t.name.includes(only));
  process.stdout.write(`ciebench fuzz — seed '${seed}' (replay: npm run fuzz -- --seed ${seed})\n`);
  const results: { tally: Tally; ms: number }[] = [];
  for (const target of chosen) {
    const started = performance.now();
    process.stdout.write(`… ${target.name}\n`);
    const tally = await target.run(`${seed}/${target.name}`);
    const ms = performance.now() - started;
    results.push({ tally, ms });
    process.stdout.write(
      `  ${tally.target}: ${tally.inputs.toLocaleString('en')} inputs, ${tally.violationCount} violations (${(ms / 1000).toFixed(1)} s) — ${tally.invariant}\n`,
    );
    for (const f of tally.figures) process.stdout.write(`    ${f}\n`);
    for (const v of tally.violations)
      process.stdout.write(`    VIOLATION at input ${v.input}: ${v.what}\n`);
  }
  const total = results.reduce((n, r) => n + r.tally.inputs, 0);
  const bad = results.reduce((n, r) => n + r.tally.violationCount, 0);
  process.stdout.write(
    `\n| target | inputs | violations | seconds |\n|---|---:|---:|---:|\n${results
      .map(
        (r) =>
          `| ${r.tally.target} | ${r.tally.inputs.toLocaleString('en')} | ${r.tally.violationCount} | ${(r.ms / 1000).toFixed(1)} |`,
      )
      .join('\n')}\n| total | ${total.toLocaleString('en')} | ${bad} | |\n`,
  );
  return bad === 0 ? 0 : 1;
}

process.exitCode = await main();
