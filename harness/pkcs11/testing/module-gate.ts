/**
 * What the module's integration tests need from the machine, checked once per file: the C build
 * (gcc, make, pkg-config, libp11-kit-dev, libpcsclite-dev), and per test file the tools it drives.
 * No vitest here (the bench uses it too); reporting a missing environment is in gate.ts.
 */
import { execFile } from 'node:child_process';
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

export { runTool } from './run-tool.ts';
