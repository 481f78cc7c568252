/**
 * Loaded by vitest before every test file (vitest.config.ts `setupFiles`). Property tests run with
 * one fixed fast-check seed, so `npm test` is deterministic; a failure report prints the seed and
 * path that replay it. `FC_SEED=<n> npm test` explores other inputs (`npm run fuzz` goes wider).
 */
import fc from 'fast-check';

const DEFAULT_SEED = 20261207;
const seed = Number(process.env['FC_SEED'] ?? DEFAULT_SEED);
if (!Number.isSafeInteger(seed))
  throw new Error(`FC_SEED must be an integer, got '${process.env['FC_SEED']}'`);

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
