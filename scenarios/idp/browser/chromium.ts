/**
 * Debian's Chromium started by the bench (the browser tests, `ciebench idp browser`), driven by
 * playwright-core (never a downloaded browser): a fresh profile, the bench TLS server key trusted
 * by its SPKI hash only (no trust store is touched), and in impersonation mode the real IdP host
 * names mapped to loopback (`--host-resolver-rules`). Without /usr/bin/chromium the tests skip with
 * a loud warning, and fail when CIE_REQUIRE_INTEGRATION=1 (set by `.ci/run`) says the environment
 * must be complete.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { RunningIdp } from '../server.ts';
import { CHROMIUM, CHROMIUM_FLAGS } from '../../../harness/browser/chromium.ts';

export { CHROMIUM };

/** True when Chromium is there; otherwise warns, or throws when the environment must be complete. */
export function chromiumAvailable(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  const msg = `${what}: ${CHROMIUM} is missing (apt-get install chromium); the browser tests are SKIPPED`;
  if (process.env['CIE_REQUIRE_INTEGRATION'] === '1')
    throw new Error(`${msg} — not allowed with CIE_REQUIRE_INTEGRATION=1`);
  console.warn(`\n*** ${msg} ***\n`);
  return false;
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

type LaunchOptions = NonNullable<Parameters<typeof chromium.launchPersistentContext>[1]>;

/** What the browser needs to know of the IdP. */
export type BrowserTrust = Pick<RunningIdp, 'tlsSpkiSha256' | 'hostResolverRules'>;

export async function launchChromium(
  idp: BrowserTrust,
  o: { clientCertificates?: LaunchOptions['clientCertificates']; headless?: boolean } = {},
): Promise<Browser> {
  const dir = mkdtempSync(join(tmpdir(), 'ciebench-chromium-'));
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: o.headless ?? true,
    args: [
      ...(o.headless === false ? [] : ['--headless']),
      ...CHROMIUM_FLAGS,
      `--ignore-certificate-errors-spki-list=${idp.tlsSpkiSha256}`,
      ...(idp.hostResolverRules ? [`--host-resolver-rules=${idp.hostResolverRules}`] : []),
    ],
    // With client certificates Playwright makes the TLS connection itself (in Node) and checks the
    // server against Node's CAs, which do not include the bench TEST CA: it must not check there.
    ...(o.clientCertificates
      ? { clientCertificates: o.clientCertificates, ignoreHTTPSErrors: true }
      : {}),
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
