/**
 * What the Node tests need to run the Android adapter's Java code: whether Java and Debian's jars
 * are installed (tests skip loudly, or fail under CIE_REQUIRE_INTEGRATION=1, when not), the build
 * (`build.sh`), and the class path of the sample app.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageFile } from '../../../../emulator/src/package-root.ts';

export const ANDROID_DIR = packageFile('harness', 'nfc', 'android');
export const JAVA_DIR = '/usr/share/java';
const RUNTIME_JARS = ['okhttp.jar', 'okio.jar', 'com.android.json.jar'];
const TEST_JARS = ['junit4.jar', 'hamcrest-core.jar'];
export const JAVA_PACKAGES = 'openjdk-17-jdk-headless libokhttp-java libandroid-json-java junit4';

/** Why Java code cannot run here (a sentence with the fix), or undefined. */
export function jvmMissing(withJunit = true): string | undefined {
  for (const tool of ['java', 'javac'])
    if (spawnSync(tool, ['-version'], { stdio: 'ignore' }).status !== 0)
      return `${tool} is not installed (apt-get install ${JAVA_PACKAGES})`;
  const jars = [...RUNTIME_JARS, ...(withJunit ? TEST_JARS : [])].filter(
    (j) => !existsSync(join(JAVA_DIR, j)),
  );
  if (jars.length > 0)
    return `${JAVA_DIR} lacks ${jars.join(', ')} (apt-get install ${JAVA_PACKAGES})`;
  return undefined;
}

/** Runs `build.sh <mode>` with its output in `out`; resolves with the exit code and the output. */
export function runBuild(
  mode: 'jar' | 'test',
  out: string,
  timeoutMs = 900_000,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [join(ANDROID_DIR, 'build.sh'), mode],
      {
        env: { ...process.env, CIEBENCH_ANDROID_BUILD: out },
        maxBuffer: 64 * 1024 * 1024,
        timeout: timeoutMs,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}\n${stderr}` }),
    );
  });
}

/** Class path of the sample app built into `out`. */
export function appClassPath(out: string): string {
  return [
    join(out, 'ciebench-nfc-app.jar'),
    join(out, 'ciebench-nfc-android.jar'),
    ...RUNTIME_JARS.map((j) => join(JAVA_DIR, j)),
  ].join(':');
}
