/**
 * Building the PKCS#11 module and the PC/SC relay with the Makefile next to this file
 * (`ciebench middleware build`, `.ci/steps/`, the tests). Needs gcc, make, pkg-config,
 * libpcsclite-dev and libp11-kit-dev (for `p11-kit/pkcs11.h`, the PKCS#11 v2.40 header).
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HostError, type FailureKind } from '../../emulator/src/host-error.ts';
import { packageFile } from '../../emulator/src/package-root.ts';

export const PKCS11_DIR: string = packageFile('harness', 'pkcs11');
export const MODULE_FILE = 'libciebench-pkcs11.so';
export const RELAY_FILE = 'ciebench-pcsc-relay';

export class ModuleBuildError extends HostError {
  readonly code = 'PKCS11_BUILD_FAILED';
  override get kind(): FailureKind {
    return 'environment';
  }
}

export interface BuiltModule {
  readonly module: string;
  readonly relay: string;
}

/** Where `make` puts the binaries by default (harness/pkcs11/build/). */
export function defaultBuildDir(): string {
  return process.env['CIEBENCH_PKCS11_BUILD'] || join(PKCS11_DIR, 'build');
}

/** The built files in `dir`, if both are there. */
export function builtModule(dir: string = defaultBuildDir()): BuiltModule | undefined {
  const module = join(dir, MODULE_FILE);
  const relay = join(dir, RELAY_FILE);
  return existsSync(module) && existsSync(relay) ? { module, relay } : undefined;
}

/** Runs `make` (a no-op when the binaries are newer than the sources). */
export function buildModule(dir: string = defaultBuildDir()): Promise<BuiltModule> {
  return new Promise((resolve, reject) => {
    execFile(
      'make',
      ['-s', '-C', PKCS11_DIR, `BUILD=${dir}`],
      { timeout: 180_000 },
      (e, stdout, stderr) => {
        if (e)
          return reject(
            new ModuleBuildError(
              `building libciebench-pkcs11.so failed (needs gcc, make, pkg-config, libpcsclite-dev, libp11-kit-dev):\n${String(stdout)}${String(stderr)}`,
            ),
          );
        const built = builtModule(dir);
        if (!built)
          return reject(new ModuleBuildError(`make succeeded but ${dir} lacks the binaries`));
        resolve(built);
      },
    );
  });
}

/**
 * The module and its test driver built with AddressSanitizer and UBSan (`make asan`), for the
 * fuzz tests: a memory error that would not crash an ordinary build stops the driver there.
 */
export function buildSanitized(
  dir: string = defaultBuildDir(),
): Promise<{ module: string; driver: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'make',
      ['-s', '-C', PKCS11_DIR, `BUILD=${dir}`, 'asan'],
      { timeout: 300_000 },
      (e, stdout, stderr) => {
        if (e)
          return reject(
            new ModuleBuildError(`make asan failed:\n${String(stdout)}${String(stderr)}`),
          );
        resolve({ module: join(dir, 'asan', MODULE_FILE), driver: join(dir, 'asan', 'p11-check') });
      },
    );
  });
}

/** Modification time of the module (tests rebuild when the sources are newer). */
export function moduleMtime(dir: string = defaultBuildDir()): number {
  const b = builtModule(dir);
  return b ? statSync(b.module).mtimeMs : 0;
}
