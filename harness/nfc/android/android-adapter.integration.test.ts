/**
 * The Android adapter's JVM suites (`harness/nfc/android/build.sh test`, JUnit 4 on Debian's OpenJDK)
 * from `npm test`, so a developer sees them next to the rest: they run when Java and Debian's jars
 * are installed and are skipped LOUDLY otherwise — a failure when CIE_REQUIRE_INTEGRATION=1 (CI,
 * where `.ci/steps/45-android-jvm.sh` installs them and also runs the suites on its own).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ANDROID_DIR as HERE, jvmMissing, runBuild } from './testing/jvm.ts';

const REQUIRED = process.env['CIE_REQUIRE_INTEGRATION'] === '1';

/** Number of `@Test` methods under a source folder: JUnit must report exactly that many. */
function countTests(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) n += countTests(path);
    else if (name.endsWith('Test.java'))
      n += (readFileSync(path, 'utf8').match(/^\s*@Test\b/gm) ?? []).length;
  }
  return n;
}

const reason = jvmMissing();
const out = mkdtempSync(join(tmpdir(), 'ciebench-android-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

if (reason === undefined) {
  it('builds the adapter and passes its JVM suites (plain JVM, then with the Android API stand-ins)', async () => {
    const run = await runBuild('test', out);
    expect(run.code, run.output).toBe(0);
    const totals = [...run.output.matchAll(/^OK \((\d+) tests?\)$/gm)].map((m) => Number(m[1]));
    expect(totals, run.output).toEqual([
      countTests(join(HERE, 'src', 'test', 'java')),
      countTests(join(HERE, 'src', 'android-test', 'java')),
    ]);
    expect(existsSync(join(out, 'ciebench-nfc-android.jar'))).toBe(true);
  }, 900_000);
} else if (REQUIRED) {
  it('Android adapter environment', () => {
    throw new Error(`CIE_REQUIRE_INTEGRATION=1 but ${reason}`);
  });
} else {
  console.warn(
    `\n[integration] SKIPPED harness/nfc/android (JVM suites of the Android adapter): ${reason}\n[integration] with CIE_REQUIRE_INTEGRATION=1 this is a failure.\n`,
  );
  it.skip(`Android adapter JVM suites (${reason})`, () => undefined);
}
