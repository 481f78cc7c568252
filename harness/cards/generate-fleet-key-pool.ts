/**
 * Rebuilds the committed fleet key pool (`fleet-key-pool.json`) from its seed:
 *
 * ```sh
 * npx tsx harness/cards/generate-fleet-key-pool.ts [--seed ciebench-fleet-pool-v1] [--slots 32]
 * ```
 * About a second per key on a 2-core machine (97 keys for 32 slots). The test next to the pool
 * re-derives a slot and compares it with the file.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  COMMITTED_POOL_PATH,
  FLEET_POOL_SEED,
  FLEET_POOL_SLOTS,
  keyPoolFile,
} from './fleet-key-pool.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: FLEET_POOL_SEED },
    slots: { type: 'string', default: String(FLEET_POOL_SLOTS) },
    out: { type: 'string', default: COMMITTED_POOL_PATH },
  },
});
const slots = Number(values.slots);
if (!Number.isInteger(slots) || slots < 1 || slots > 1024)
  throw new Error('--slots must be an integer from 1 to 1024');
const started = performance.now();
const file = keyPoolFile(values.seed, slots);
writeFileSync(values.out, `${JSON.stringify(file, null, 2)}\n`);
process.stdout.write(
  `wrote ${values.out}: ${slots} slots from seed '${values.seed}' in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
