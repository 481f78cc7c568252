/**
 * The scenario runner with an external app that is a JVM program built on the bench's Android
 * adapter (`harness/nfc/android`, `HybridLoginApp`): the runner plays the desktop browser
 * (Chromium), the reference SP and the reference IdP, serves the journey's card on an NFC endpoint
 * and publishes `external-app.json` at the QR step; the Java app, told only that file's path, reads
 * the QR payload, the endpoint and the IdP's CA from it, logs in on the card through
 * `BenchNfcAdapter`/`BenchIsoDep`, and signs the IdP's challenge; the runner types the OTP and the
 * journey ends with a session at the SP. Needs Chromium, Java and Debian's jars: skipped loudly
 * without them, a failure under CIE_REQUIRE_INTEGRATION=1.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { defaultCardImage } from '../../emulator/src/profiles/default-card-image.ts';
import { appClassPath, jvmMissing, runBuild } from '../../harness/nfc/android/testing/jvm.ts';
import { readScenarioFile } from './load.ts';
import { runScenarios } from './run.ts';
import { browserGate } from './testing/browser-gate.ts';

const REQUIRED = process.env['CIE_REQUIRE_INTEGRATION'] === '1';
const browserOk = browserGate('scenarios/runner/jvm-external-app.integration.test.ts');
const jvm = jvmMissing(false);
const dir = mkdtempSync(join(tmpdir(), 'ciebench-runner-jvm-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the Java app on the runner's publication; its JSON lines and exit code. */
function runJavaApp(published: string): Promise<{ code: number; lines: string[]; stderr: string }> {
  const args = [
    '-cp',
    appClassPath(join(dir, 'build')),
    'ciebench.nfc.app.HybridLoginApp',
    '--external-app',
    published,
    '--pin',
    defaultCardImage().state.pin.value,
    '--seed',
    'runner-jvm-app',
  ];
  return new Promise((resolve) => {
    execFile('java', args, { timeout: 300_000 }, (error, stdout, stderr) =>
      resolve({
        code: error ? Number(error.code ?? 1) : 0,
        lines: String(stdout)
          .split('\n')
          .filter((l) => l.startsWith('{')),
        stderr: String(stderr),
      }),
    );
  });
}

if (browserOk && jvm === undefined) {
  it('--app external: the JVM app on the Android adapter completes the hybrid journey', async () => {
    const build = await runBuild('jar', join(dir, 'build'));
    expect(build.code, build.output).toBe(0);
    const file = join(dir, 'jvm-hybrid.json');
    writeFileSync(
      file,
      JSON.stringify({
        id: 'jvm-hybrid',
        title: 'a hybrid login whose phone is the JVM app on the Android adapter',
        refs: ['harness/nfc/README.md, Android apps'],
        steps: [{ use: 'hybrid-login' }],
        oracle: { sp: { session: true }, saml: 1, card: { pinTries: 3 } },
      }),
    );
    // The app starts when the runner says where it published the QR step (its terminal line).
    let app: ReturnType<typeof runJavaApp> | undefined;
    const run = await runScenarios([readScenarioFile(file)], {
      reportDir: join(dir, 'report'),
      headed: false,
      showSecrets: false,
      overrides: { app: { kind: 'external' } },
      external: {},
      onLine: (line) => {
        const published = /QR payload in (\S+external-app\.json)$/.exec(line)?.[1];
        if (published && !app) app = runJavaApp(published);
      },
    });
    expect(app, 'the runner published no external-app.json').toBeDefined();
    const done = await (app as ReturnType<typeof runJavaApp>);
    expect(done.code, `${done.lines.join('\n')}\n${done.stderr}`).toBe(0);
    const events = done.lines.map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toEqual(['external-app', 'qr', 'tag', 'card', 'challenge', 'otp']);
    const [j] = run.journeys;
    expect(run.journeys.length).toBe(1);
    expect(j?.verdict, j?.reason).toBe('passed');
    expect(j?.variant.app).toBe('external');
    // The runner saw the app's APDUs on the journey's card and every oracle check held.
    const scan = j?.steps.find((x) => x.do === 'app.scan-qr');
    expect(scan?.verdict).toBe('passed');
    expect(scan?.notes.join(' ')).toMatch(/the external app used the card \(\d+ trace records\)/);
    expect(j?.oracle.length).toBeGreaterThan(0);
    expect(j?.oracle.filter((c) => !c.ok)).toEqual([]);
    expect(j?.steps.map((x) => x.verdict).filter((v) => v !== 'passed')).toEqual([]);
    console.info(
      `[jvm-external-app] ${j?.steps.length} steps in ${j?.durationMs} ms; ${scan?.notes.join(' ')}; oracle: ${j?.oracle.map((c) => c.what).join(', ')}`,
    );
  }, 400_000);
} else if (jvm !== undefined && REQUIRED) {
  it('external JVM app environment', () => {
    throw new Error(`CIE_REQUIRE_INTEGRATION=1 but ${jvm}`);
  });
} else if (jvm !== undefined) {
  console.warn(
    `\n[integration] SKIPPED scenarios/runner/jvm-external-app (the Android adapter's JVM app): ${jvm}\n[integration] with CIE_REQUIRE_INTEGRATION=1 this is a failure.\n`,
  );
  it.skip(`external JVM app (${jvm})`, () => undefined);
}
