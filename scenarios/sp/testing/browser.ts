/**
 * Test support: Debian's Chromium driven by playwright-core (never a downloaded browser), with a
 * fresh profile, the bench's TLS authorities trusted only for this browser, and optional host
 * mapping for impersonation. Nothing on the machine changes:
 *
 * - trust: each CA goes into an NSS database under a private HOME (`certutil -A -t C,,`), which is
 *   where Chromium on Linux reads user-trusted roots; without certutil (package libnss3-tools) the
 *   CAs' SPKI hashes go to `--ignore-certificate-errors-spki-list`, which Chromium applies to any
 *   certificate of a chain the server sends (the bench servers send their CA with the leaf);
 * - names: `--host-resolver-rules` maps e.g. the real pre-production IdP host to 127.0.0.1:port
 *   inside this browser only.
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

import { CHROMIUM, HEADLESS_CHROMIUM_FLAGS } from '../../../harness/browser/chromium.ts';

export { CHROMIUM };
/** The flags of the browsers started here (headless). */
export const CHROMIUM_FLAGS = HEADLESS_CHROMIUM_FLAGS;

export interface BenchBrowserOptions {
  /** PEM certificates of the CAs to trust (IdP TLS CA, SP TLS CA…). */
  readonly trustCaPems: readonly string[];
  /** Chromium `--host-resolver-rules` (e.g. `MAP preproduzione.idserver… 127.0.0.1:PORT`). */
  readonly hostResolverRules?: string;
  readonly userAgent?: string;
  /** Force a trust mechanism (default: NSS when certutil is installed). */
  readonly trust?: 'nss' | 'spki-list';
  /**
   * Client certificates per origin (Playwright answers the TLS client-certificate request itself,
   * in Node). Playwright then checks the server certificates against Node's CAs, which do not
   * include the bench CAs, so such a browser does not check server certificates at all.
   */
  readonly clientCertificates?: readonly { origin: string; certPem: string; keyPem: string }[];
}

export interface BenchBrowser {
  readonly context: BrowserContext;
  /** How the CAs were trusted. */
  readonly trust: 'nss' | 'spki-list';
  close(): Promise<void>;
}

function spkiSha256(pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

function nssTrust(home: string, pems: readonly string[]): boolean {
  if (!existsSync('/usr/bin/certutil')) return false;
  const db = join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${db}`, '--empty-password'], { stdio: 'ignore' });
  pems.forEach((pem, i) => {
    const file = join(home, `ca-${i}.pem`);
    writeFileSync(file, pem);
    execFileSync(
      'certutil',
      ['-A', '-d', `sql:${db}`, '-n', `ciebench-ca-${i}`, '-t', 'C,,', '-i', file],
      {
        stdio: 'ignore',
      },
    );
  });
  return true;
}

export async function launchBenchBrowser(o: BenchBrowserOptions): Promise<BenchBrowser> {
  const dir = mkdtempSync(join(tmpdir(), 'ciebench-browser-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  const pems = [...new Set(o.trustCaPems)];
  const viaNss = o.trust !== 'spki-list' && nssTrust(home, pems);
  const args = [...CHROMIUM_FLAGS];
  if (!viaNss) args.push(`--ignore-certificate-errors-spki-list=${pems.map(spkiSha256).join(',')}`);
  if (o.hostResolverRules) args.push(`--host-resolver-rules=${o.hostResolverRules}`);
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args,
    env: { ...process.env, HOME: home },
    ...(o.userAgent ? { userAgent: o.userAgent } : {}),
    ...(o.clientCertificates
      ? {
          clientCertificates: o.clientCertificates.map((c) => ({
            origin: c.origin,
            cert: Buffer.from(c.certPem),
            key: Buffer.from(c.keyPem),
          })),
          ignoreHTTPSErrors: true,
        }
      : {}),
  });
  return {
    context,
    trust: viaNss ? 'nss' : 'spki-list',
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
