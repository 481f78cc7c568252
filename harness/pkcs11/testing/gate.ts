/**
 * What the module's integration tests need from the machine, checked once per file: the C build
 * (gcc, make, pkg-config, libp11-kit-dev, libpcsclite-dev), and per test file the tools it drives.
 * Missing pieces skip the file LOUDLY, or fail it under CIE_REQUIRE_INTEGRATION=1 (set by .ci/run),
 * the same rule as the PC/SC tests (harness/pcsc/testing/integration.ts).
 */
import { execFile } from 'node:child_process';
import { it } from 'vitest';
import { buildModule, type BuiltModule } from '../build.ts';
import { engineDir } from '../engine.ts';

export const INTEGRATION_REQUIRED = process.env['CIE_REQUIRE_INTEGRATION'] === '1';

export interface ModuleGate {
  readonly ok: boolean;
  readonly reason: string;
  readonly built: BuiltModule | undefined;
}

function has(tool: string): Promise<boolean> {
  return new Promise((resolve) => execFile('sh', ['-c', `command -v ${tool}`], (e) => resolve(!e)));
}

/** Builds the module (and the test driver) and checks the tools; never throws. */
export async function moduleGate(
  needs: { tools?: readonly string[]; engine?: boolean } = {},
): Promise<ModuleGate> {
  const fail = (reason: string): ModuleGate => ({ ok: false, reason, built: undefined });
  let built: BuiltModule;
  try {
    built = await buildModule();
  } catch (e) {
    return fail((e as Error).message.split('\n')[0] ?? 'build failed');
  }
  for (const t of needs.tools ?? [])
    if (!(await has(t)))
      return fail(
        `${t} is not installed (apt-get install opensc gnutls-bin libnss3-tools curl chromium)`,
      );
  if (needs.engine && !engineDir())
    return fail(
      'the OpenSSL PKCS#11 engine is not installed (apt-get install libengine-pkcs11-openssl)',
    );
  return { ok: true, reason: '', built };
}

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
    `\n[integration] SKIPPED ${file}: ${gate.reason}\n[integration] setup: .ci/steps/45-pkcs11.sh; with CIE_REQUIRE_INTEGRATION=1 this is a failure.\n`,
  );
}

export { runTool } from './run-tool.ts';
