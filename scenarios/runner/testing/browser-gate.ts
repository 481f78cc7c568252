/**
 * Test support: is Debian's Chromium there? Without it the runner's browser tests skip loudly, and
 * fail instead under CIE_REQUIRE_INTEGRATION=1 (set by .ci/run), the project's pattern for tests
 * that need a system package.
 */
import { it } from 'vitest';
import { browserStatus } from '../browser.ts';

export const INTEGRATION_REQUIRED = process.env['CIE_REQUIRE_INTEGRATION'] === '1';

export function browserGate(file: string): boolean {
  const s = browserStatus();
  if (s.ok) return true;
  if (INTEGRATION_REQUIRED)
    it(`Chromium for ${file}`, () => {
      throw new Error(`CIE_REQUIRE_INTEGRATION=1 but ${s.reason}`);
    });
  else
    console.warn(
      `\n*** ${file}: ${s.reason}; the scenario runner's browser tests are SKIPPED ***\n`,
    );
  return false;
}
