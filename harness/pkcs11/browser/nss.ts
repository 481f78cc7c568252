/**
 * A private NSS database for a browser (Debian's `libnss3-tools`): created empty, the bench's
 * PKCS#11 module registered in it with `modutil`, CA certificates trusted for TLS with
 * `certutil`. Chromium and Firefox read `$HOME/.pki/nssdb` (Chromium: since M146 the default is
 * `~/.local/share/pki/nssdb`, but an existing `~/.pki/nssdb` is used first), so a browser started
 * with HOME set to a directory holding this database uses it, and nothing of the user's own
 * profile or of the machine changes.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError } from '../../../emulator/src/host-error.ts';

export const NSS_MODULE_NAME = 'CIE Bench';

function run(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args], { timeout: 60_000, env: env ?? process.env }, (e, stdout, stderr) => {
      if (!e) return resolve(`${String(stdout)}${String(stderr)}`);
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new BenchError(
          missing ? 'NSS_TOOLS_MISSING' : 'NSS_TOOL_FAILED',
          missing
            ? `${cmd} is not installed (apt-get install libnss3-tools)`
            : `${cmd} ${args.join(' ')}: ${String(stdout)}${String(stderr)}`.trim(),
          'environment',
        ),
      );
    });
  });
}

export interface NssProfile {
  /** The HOME to start the browser with. */
  readonly home: string;
  /** `sql:<home>/.pki/nssdb`. */
  readonly db: string;
}

/** Creates `home/.pki/nssdb` (empty password). */
export async function createNssProfile(home: string): Promise<NssProfile> {
  const dir = join(home, '.pki', 'nssdb');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const db = `sql:${dir}`;
  await run('certutil', ['-N', '-d', db, '--empty-password']);
  return { home, db };
}

/**
 * Registers the module. `modutil` loads it to read its slots: `env` should point the module at
 * the daemon (CIEBENCH_PKCS11_SOCKET) when it is not at the default path.
 */
export async function registerModule(
  p: NssProfile,
  library: string,
  env?: NodeJS.ProcessEnv,
): Promise<void> {
  await run(
    'modutil',
    ['-dbdir', p.db, '-add', NSS_MODULE_NAME, '-libfile', library, '-force'],
    env,
  );
}

/** Trusts a CA (PEM) for TLS servers in the profile. */
export async function trustCa(p: NssProfile, nickname: string, pem: string): Promise<void> {
  const file = join(p.home, `.ca-${nickname.replace(/[^A-Za-z0-9]+/g, '-')}.pem`);
  writeFileSync(file, pem);
  await run('certutil', ['-A', '-d', p.db, '-n', nickname, '-t', 'CT,,', '-a', '-i', file]);
}

/** `modutil -list` of the profile (diagnostics). */
export function listModules(p: NssProfile): Promise<string> {
  return run('modutil', ['-dbdir', p.db, '-list']);
}
