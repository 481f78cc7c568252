/**
 * The one browser the bench drives: Debian's package `chromium` through `playwright-core`, never a
 * downloaded browser. Every launch in the project (tests, runner, IdP demo, PKCS#11 desktop rig)
 * takes its flags from here so that they cannot drift apart.
 */

/** Debian's package `chromium`. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Flags of every bench browser: no network of its own (background requests, component updates,
 * sync, QUIC — a test run must see only the requests its journey makes), no first-run UI, no GPU,
 * and no sandbox (CI runs as root, where Chromium's sandbox refuses to start).
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** {@link CHROMIUM_FLAGS} of a headless browser. */
export const HEADLESS_CHROMIUM_FLAGS: readonly string[] = ['--headless', ...CHROMIUM_FLAGS];
