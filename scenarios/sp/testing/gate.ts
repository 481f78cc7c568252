/**
 * Test support: tests that need system packages (apache2, SimpleSAMLphp, Shibboleth SP, Debian's
 * chromium) skip LOUDLY when they are missing, and fail instead when CIE_REQUIRE_INTEGRATION=1
 * (set by .ci/run), so CI can never pass by skipping.
 */
import { existsSync } from 'node:fs';
import { it } from 'vitest';
import { CHROMIUM } from './browser.ts';

export const INTEGRATION_REQUIRED = process.env['CIE_REQUIRE_INTEGRATION'] === '1';

export interface EnvGate {
  readonly ok: boolean;
  readonly reason: string;
}

export function chromiumGate(): EnvGate {
  return existsSync(CHROMIUM)
    ? { ok: true, reason: '' }
    : { ok: false, reason: `${CHROMIUM} is missing (apt-get install -y chromium)` };
}

export function allOf(...gates: EnvGate[]): EnvGate {
  const bad = gates.filter((g) => !g.ok);
  return bad.length === 0
    ? { ok: true, reason: '' }
    : { ok: false, reason: bad.map((g) => g.reason).join('; ') };
}

/**
 * Call at the top of a `describe` body or file: without the environment, a warning naming what is
 * missing (or, under CIE_REQUIRE_INTEGRATION=1, a failing test). Returns whether to run.
 */
export function requireEnvironment(file: string, gate: EnvGate): boolean {
  if (gate.ok) return true;
  if (INTEGRATION_REQUIRED) {
    it(`environment for ${file}`, () => {
      throw new Error(`CIE_REQUIRE_INTEGRATION=1 but ${gate.reason}`);
    });
    return false;
  }
  console.warn(
    `\n[integration] SKIPPED ${file}: ${gate.reason}\n[integration] setup: .ci/steps/40-third-party-sp.sh; with CIE_REQUIRE_INTEGRATION=1 this is a failure.\n`,
  );
  return false;
}
