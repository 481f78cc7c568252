import { defineConfig } from 'vitest/config';

/**
 * Test projects (DESIGN.md §5). `npm test` runs all of them. The `integration` project talks
 * to pcscd and external tools; its tests skip (loudly) when pcscd is absent, unless
 * CIE_REQUIRE_INTEGRATION=1 (set by `.ci/run`) makes that a failure.
 */
/** A fixed fast-check seed for every property test (FC_SEED overrides it); projects do not inherit it. */
const setupFiles = ['harness/testing/vitest-setup.ts'];

export default defineConfig({
  test: {
    // Crypto-heavy personalisation (RSA key generation) can be slow on a 2-core CI machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        test: {
          setupFiles,
          name: 'unit',
          include: [
            'emulator/**/*.test.ts',
            'harness/**/*.test.ts',
            'traces/**/*.test.ts',
            'scenarios/**/*.test.ts',
            'conformance/lib/**/*.test.ts',
          ],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          setupFiles,
          name: 'vectors',
          include: ['conformance/vectors/**/*.vectors.test.ts'],
          // Some known-answer runs personalise cards (RSA keys): sized for a busy 2-core machine.
          testTimeout: 120_000,
        },
      },
      {
        test: {
          setupFiles,
          name: 'conformance',
          include: ['conformance/**/*.conformance.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          setupFiles,
          name: 'integration',
          include: ['**/*.integration.test.ts'],
          exclude: ['**/node_modules/**'],
          // Integration tests share pcscd and fixed ports: one file at a time.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
