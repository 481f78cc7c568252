/**
 * The runner's browser: Debian's Chromium (`/usr/bin/chromium`, never a downloaded browser) driven
 * by playwright-core, headless by default (`--headed` for a person to watch). One browser process
 * per run environment, one fresh context (cookies, HAR) per journey.
 *
 * The bench's TLS authorities (IdP, SPs) are trusted by this browser only: an NSS database under
 * a private HOME (`certutil -A -t C,,`, package libnss3-tools), where Chromium on Linux reads
 * user-trusted roots; without certutil their SPKI hashes go to `--ignore-certificate-errors-spki-
 * list` (the bench servers send their CA with the leaf). Impersonated host names are mapped with
 * `--host-resolver-rules`, inside this browser only. Nothing on the machine changes.
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { BenchError } from '../../emulator/src/host-error.ts';

import { CHROMIUM, CHROMIUM_FLAGS } from '../../harness/browser/chromium.ts';

export { CHROMIUM, CHROMIUM_FLAGS };

/** A phone's browser (Chrome on Android): the IdP hands such a browser off to the app. */
export const MOBILE_USER_AGENT =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36';

/** Viewport of every journey page (screenshots stay small enough for one report per run). */
export const VIEWPORT = { width: 1000, height: 720 } as const;

export interface RunnerBrowserOptions {
  readonly trustCaPems: readonly string[];
  readonly hostResolverRules?: string;
  readonly headed?: boolean;
  /**
   * A HOME prepared by the caller (its `.pki/nssdb` already trusts `trustCaPems`, and holds a
   * PKCS#11 module: a desktop journey's card), and the environment that reaches that module.
   * The caller owns the directory.
   */
  readonly profile?: { readonly home: string; readonly env: NodeJS.ProcessEnv };
}

export interface JourneyContextOptions {
  readonly device: 'desktop' | 'mobile';
  /** Where the context's HAR is written when it closes. */
  readonly harPath: string;
}

export interface RunnerBrowser {
  readonly trust: 'nss' | 'spki-list';
  newJourneyContext(o: JourneyContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

export class BrowserMissingError extends BenchError {
  constructor(message: string) {
    super('BROWSER_MISSING', message, 'environment');
  }
}

function spkiSha256(pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * Makes Chromium started with `HOME=home` trust `pems` as roots (an NSS database in
 * `home/.pki/nssdb`); false when certutil (libnss3-tools) is missing.
 */
export function nssTrust(home: string, pems: readonly string[]): boolean {
  if (!existsSync('/usr/bin/certutil')) return false;
  const db = join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${db}`, '--empty-password'], { stdio: 'ignore' });
  pems.forEach((pem, i) => {
    const file = join(home, `ca-${i}.pem`);
    writeFileSync(file, pem);
    execFileSync(
      'certutil',
      ['-A', '-d', `sql:${db}`, '-n', `ciebench-${i}`, '-t', 'C,,', '-i', file],
      {
        stdio: 'ignore',
      },
    );
  });
  return true;
}

/** Is Debian's Chromium there? (The reason to print when it is not.) */
export function browserStatus(): { ok: boolean; reason: string } {
  return existsSync(CHROMIUM)
    ? { ok: true, reason: '' }
    : { ok: false, reason: `${CHROMIUM} is missing (apt-get install -y chromium)` };
}

async function playwright(): Promise<typeof import('playwright-core')> {
  try {
    return await import('playwright-core');
  } catch (e) {
    throw new BrowserMissingError(
      `playwright-core cannot be loaded (${(e as Error).message}); install it beside cie-bench: npm i -E playwright-core@1.65.1`,
    );
  }
}

export async function launchRunnerBrowser(o: RunnerBrowserOptions): Promise<RunnerBrowser> {
  const status = browserStatus();
  if (!status.ok) throw new BrowserMissingError(status.reason);
  const { chromium } = await playwright();
  const dir = o.profile ? undefined : mkdtempSync(join(tmpdir(), 'ciebench-runner-browser-'));
  const home = o.profile?.home ?? join(dir as string, 'home');
  if (dir) mkdirSync(home);
  const pems = [...new Set(o.trustCaPems)];
  const viaNss = o.profile ? true : nssTrust(home, pems);
  const removeDir = (): void => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  const args = [...CHROMIUM_FLAGS, ...(o.headed ? [] : ['--headless'])];
  if (!viaNss) args.push(`--ignore-certificate-errors-spki-list=${pems.map(spkiSha256).join(',')}`);
  if (o.hostResolverRules) args.push(`--host-resolver-rules=${o.hostResolverRules}`);
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: !o.headed,
      args,
      env: { ...(o.profile?.env ?? process.env), HOME: home },
    });
  } catch (e) {
    removeDir();
    throw new BrowserMissingError(`Chromium did not start: ${(e as Error).message}`);
  }
  return {
    trust: viaNss ? 'nss' : 'spki-list',
    newJourneyContext: (c) =>
      browser.newContext({
        viewport: VIEWPORT,
        ...(c.device === 'mobile' ? { userAgent: MOBILE_USER_AGENT } : {}),
        recordHar: { path: c.harPath, content: 'embed', mode: 'full' },
        locale: 'it-IT',
      }),
    close: async () => {
      await browser.close();
      removeDir();
    },
  };
}
