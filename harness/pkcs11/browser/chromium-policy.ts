/**
 * Chromium's `AutoSelectCertificateForUrls` policy. Without it a browser that receives a TLS
 * CertificateRequest shows a certificate picker — which a headless browser never shows, so the
 * handshake waits forever. Chromium reads machine policies only from
 * `/etc/chromium/policies/managed/*.json` (Debian's build): the file is written there, with URL
 * patterns that cover only the bench's hosts (loopback, and the real IdP host names a browser
 * started by the bench maps to loopback in impersonation). The certificate filter is empty: the
 * browser's NSS database is the bench's own and holds only the card's certificate.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { BenchError } from '../../../emulator/src/host-error.ts';

export const CHROMIUM_POLICY_DIR = '/etc/chromium/policies/managed';
export const CLIENT_CERT_POLICY_FILE = 'ciebench-client-certificate.json';

/** Loopback on any port, and the real IdP hosts (impersonation) on any port. */
export const DEFAULT_PATTERNS: readonly string[] = [
  'https://127.0.0.1:*',
  'https://[*.]idserver.servizicie.interno.gov.it:*',
];

export function clientCertPolicy(patterns: readonly string[] = DEFAULT_PATTERNS): string {
  return `${JSON.stringify(
    {
      AutoSelectCertificateForUrls: patterns.map((pattern) =>
        JSON.stringify({ pattern, filter: {} }),
      ),
    },
    null,
    2,
  )}\n`;
}

/** True when the policy file holds exactly these patterns. */
export function clientCertPolicyInstalled(
  patterns: readonly string[] = DEFAULT_PATTERNS,
  dir: string = CHROMIUM_POLICY_DIR,
): boolean {
  const file = join(dir, CLIENT_CERT_POLICY_FILE);
  return existsSync(file) && readFileSync(file, 'utf8') === clientCertPolicy(patterns);
}

/** Writes the policy file (needs write access to the directory: root on a normal machine). */
export function installClientCertPolicy(
  patterns: readonly string[] = DEFAULT_PATTERNS,
  dir: string = CHROMIUM_POLICY_DIR,
): string {
  const file = join(dir, CLIENT_CERT_POLICY_FILE);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${file}.tmp`, clientCertPolicy(patterns));
    renameSync(`${file}.tmp`, file);
  } catch (e) {
    throw new BenchError(
      'CHROMIUM_POLICY_NOT_WRITABLE',
      `cannot write ${file} (${(e as Error).message}): run \`sudo npx ciebench middleware chromium-policy\``,
      'environment',
    );
  }
  return file;
}

/** Installed, or installable by this process (root); otherwise the reason, with what to run. */
export function clientCertPolicyStatus(): { ok: boolean; reason: string } {
  if (clientCertPolicyInstalled() || process.getuid?.() === 0) return { ok: true, reason: '' };
  return {
    ok: false,
    reason: `the Chromium client-certificate policy is not installed: sudo npx ciebench middleware chromium-policy`,
  };
}

/**
 * Where the processes using a temporarily installed policy say so (one file per use, named by
 * its process id): beside the policy directory, outside what Chromium reads. `TEMPORARY` marks a
 * policy installed by {@link ensureClientCertPolicy} (not by an administrator).
 */
export function policyHoldersDir(dir: string = CHROMIUM_POLICY_DIR): string {
  return join(dirname(dir), '.ciebench-client-certificate-holders');
}
const TEMPORARY = 'installed-temporarily';

let holdings = 0;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Installs the policy if it is not there (root) and holds it until the returned function is
 * called. Several processes may hold it at once (test files run in parallel, a scenario run beside
 * a test): the policy is removed when the last holder lets go, and only if one of them installed
 * it — never one an administrator installed (`ciebench middleware chromium-policy`). A holder whose
 * process died no longer counts. Throws the environment error of {@link installClientCertPolicy}.
 */
export function ensureClientCertPolicy(dir: string = CHROMIUM_POLICY_DIR): () => void {
  const holders = policyHoldersDir(dir);
  const installed = clientCertPolicyInstalled(DEFAULT_PATTERNS, dir);
  if (installed && !existsSync(join(holders, TEMPORARY))) return () => undefined;
  if (!installed) {
    installClientCertPolicy(DEFAULT_PATTERNS, dir);
    mkdirSync(holders, { recursive: true });
    writeFileSync(join(holders, TEMPORARY), '');
  }
  const mine = join(holders, `${process.pid}.${++holdings}`);
  try {
    mkdirSync(holders, { recursive: true });
    writeFileSync(mine, '');
  } catch {
    // Not ours to hold (installed temporarily by root, used by a user): nothing to undo.
    return () => undefined;
  }
  return () => {
    rmSync(mine, { force: true });
    const others = readdirSync(holders).filter(
      (f) => f !== TEMPORARY && alive(Number(f.split('.')[0])),
    );
    if (others.length > 0) return;
    rmSync(join(dir, CLIENT_CERT_POLICY_FILE), { force: true });
    rmSync(holders, { recursive: true, force: true });
  };
}
