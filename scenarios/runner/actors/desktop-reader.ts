/**
 * The desktop citizen's computer for a journey "with a reader and the CIE software": the journey's
 * own card object in a reader of this process, paired once with the whole PIN (the CIE software's
 * "Abbina la tua CIE"), the bench daemon behind libciebench-pkcs11.so serving it, and a Chromium of
 * the journey's own whose NSS database (its HOME) holds the module and the bench's TLS CAs. The
 * machine's AutoSelectCertificateForUrls policy lets the headless browser present the card's
 * certificate without a picker (harness/pkcs11/browser/chromium-policy.ts): installed for the
 * journey when this process may (root) and removed after it, exactly as the desktop browser tests
 * do. The browser is the journey's, not the run's: a shared one would resume its TLS session with
 * the IdP's desktop listener (no CertificateVerify, so no card signature) and keep its certificate
 * choice per host.
 *
 * The daemon runs in self-login mode (harness/pkcs11/README.md "PIN entry"): the browser's first
 * session is logged in without a password dialog, and the PIN-entry channel — the CIE software's
 * "Inserisci le ultime 4 cifre del PIN" — is asked at the first signature; the step
 * `idp.reader-login` answers it. Every APDU the daemon sends reaches the card through its trace
 * recorder (card.trace.jsonl); the daemon's events, which never hold digits, go to
 * `middleware.events.jsonl` in the journey's folder.
 */
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Card } from '../../../emulator/src/card/card.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { BenchError } from '../../../emulator/src/host-error.ts';
import type { CardImage } from '../../../emulator/src/state/card-image.ts';
import { ensureClientCertPolicy } from '../../../harness/pkcs11/browser/chromium-policy.ts';
import { createNssProfile, registerModule, trustCa } from '../../../harness/pkcs11/browser/nss.ts';
import { builtModule } from '../../../harness/pkcs11/build.ts';
import type { RunningDaemon } from '../../../harness/pkcs11/daemon/daemon.ts';
import type { MiddlewareEvent } from '../../../harness/pkcs11/daemon/events.ts';
import { serveInProcessCard } from '../../../harness/pkcs11/daemon/serve-card.ts';
import { InProcessPcsc } from '../../../harness/pkcs11/in-process-pcsc.ts';
import { browserStatus, launchRunnerBrowser, type RunnerBrowser } from '../browser.ts';
import type { Scenario } from '../load.ts';

/** The reader of the citizen's computer. */
export const DESKTOP_READER = 'CIE Bench Desktop Reader 00 00';

/** Does the journey log in on the desktop with a reader (so needs this actor)? */
export function usesDesktopReader(s: Pick<Scenario, 'steps'>): boolean {
  return s.steps.some((x) => x.do === 'idp.reader-login');
}

const NSS_TOOLS = ['/usr/bin/certutil', '/usr/bin/modutil'] as const;

/**
 * What a desktop journey needs from the machine, without which it is skipped: the module built
 * (`ciebench middleware build`, CI step 46), NSS's tools and Chromium. The client-certificate
 * policy is not among them: when it is missing and this process cannot install it (not root),
 * starting the desktop fails with the environment error that names the command to run (exit 3).
 */
export function desktopReaderStatus(): { ok: boolean; reason: string } {
  if (!builtModule())
    return {
      ok: false,
      reason:
        'the PKCS#11 module is not built (npx ciebench middleware build; needs gcc, make, pkg-config, libpcsclite-dev, libp11-kit-dev)',
    };
  const tool = NSS_TOOLS.find((t) => !existsSync(t));
  if (tool) return { ok: false, reason: `${tool} is missing (apt-get install libnss3-tools)` };
  return browserStatus();
}

export interface DesktopReader {
  /** The journey's browser, its NSS database holding the module. */
  readonly browser: RunnerBrowser;
  readonly daemon: RunningDaemon;
  /** Calls `listener` with every daemon event from now on; returns what stops that. */
  onEvent(listener: (e: MiddlewareEvent) => void): () => void;
  close(): Promise<void>;
}

export interface DesktopReaderOptions {
  /** The journey's card (the object its trace recorder and oracle read) and its image. */
  readonly card: Card;
  readonly image: CardImage;
  /** The journey's folder: `middleware.events.jsonl` goes there. */
  readonly journeyDir: string;
  readonly seed: string;
  /** TLS CAs the browser trusts (the IdP's, the SP's). */
  readonly trustCaPems: readonly string[];
  readonly hostResolverRules?: string;
  readonly headed: boolean;
}

/** Reader, pairing, daemon, NSS profile, browser; on failure stops what started. */
export async function startDesktopReader(o: DesktopReaderOptions): Promise<DesktopReader> {
  const status = desktopReaderStatus();
  if (!status.ok) throw new BenchError('DESKTOP_READER_MISSING', status.reason, 'environment');
  const built = builtModule();
  if (!built) throw new BenchError('DESKTOP_READER_MISSING', 'module not built', 'environment');
  const undo: (() => Promise<void> | void)[] = [];
  const close = async (): Promise<void> => {
    for (const u of undo.splice(0).reverse()) await Promise.resolve(u()).catch(() => undefined);
  };
  try {
    undo.push(ensureClientCertPolicy());
    // Socket and NSS database under a short temporary path (a Unix socket path is ≤ 107 bytes).
    const dir = mkdtempSync(join(tmpdir(), 'ciebench-desktop-'));
    undo.push(() => rmSync(dir, { recursive: true, force: true }));
    const pcsc = new InProcessPcsc([DESKTOP_READER]);
    pcsc.insert(DESKTOP_READER, o.card);
    undo.push(() => pcsc.remove(DESKTOP_READER));
    const events = join(o.journeyDir, 'middleware.events.jsonl');
    const listeners = new Set<(e: MiddlewareEvent) => void>();
    const daemon = await serveInProcessCard({
      pcsc,
      reader: DESKTOP_READER,
      image: o.image,
      dir,
      pinMode: 'self-login',
      rng: {
        pair: seededRng(`runner-desktop-pair|${o.seed}`),
        daemon: seededRng(`runner-desktop-daemon|${o.seed}`),
      },
      onEvent: (e) => {
        appendFileSync(events, `${JSON.stringify(e)}\n`);
        for (const l of [...listeners]) l(e);
      },
    });
    undo.push(() => daemon.close());
    const env = { ...process.env, CIEBENCH_PKCS11_SOCKET: daemon.socketPath };
    const nss = await createNssProfile(join(dir, 'home'));
    await registerModule(nss, built.module, env);
    for (const [i, pem] of [...new Set(o.trustCaPems)].entries())
      await trustCa(nss, `CIE Bench TLS CA ${i + 1}`, pem);
    const browser = await launchRunnerBrowser({
      trustCaPems: o.trustCaPems,
      ...(o.hostResolverRules ? { hostResolverRules: o.hostResolverRules } : {}),
      headed: o.headed,
      profile: { home: nss.home, env },
    });
    undo.push(() => browser.close());
    const onEvent = (l: (e: MiddlewareEvent) => void): (() => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    };
    return { browser, daemon, onEvent, close };
  } catch (e) {
    await close();
    throw e;
  }
}
