/**
 * Reporting of the module tests' environment (module-gate.ts checks it): missing pieces skip the
 * file LOUDLY, or fail it under CIE_REQUIRE_INTEGRATION=1 (set by .ci/run), the same rule as the
 * PC/SC tests (harness/pcsc/testing/integration.ts).
 */
import { it } from 'vitest';
import { INTEGRATION_REQUIRED } from './module-gate.ts';

export { INTEGRATION_REQUIRED, moduleGate, runTool, type ModuleGate } from './module-gate.ts';

/** Without the environment: a loud warning, or — when integration is required — a failing test. */
export function reportModuleGate(file: string, gate: { ok: boolean; reason: string }): void {
  if (gate.ok) return;
  if (INTEGRATION_REQUIRED) {
    it(`integration environment for ${file}`, () => {
      throw new Error(`CIE_REQUIRE_INTEGRATION=1 but ${gate.reason}`);
    });
    return;
  }
  console.warn(
    `\n[integration] SKIPPED ${file}: ${gate.reason}\n[integration] setup: .ci/steps/46-pkcs11.sh; with CIE_REQUIRE_INTEGRATION=1 this is a failure.\n`,
  );
}
