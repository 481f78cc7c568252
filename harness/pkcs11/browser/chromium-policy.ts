/**
 * Chromium's `AutoSelectCertificateForUrls` policy. Without it a browser that receives a TLS
 * CertificateRequest shows a certificate picker — which a headless browser never shows, so the
 * handshake waits forever. Chromium reads machine policies only from
 * `/etc/chromium/policies/managed/*.json` (Debian's build): the file is written there, with URL
 * patterns that cover only the bench's hosts (loopback, and the real IdP host names a browser
 * started by the bench maps to loopback in impersonation). The certificate filter is empty: the
 * browser's NSS database is the bench's own and holds only the card's certificate.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
