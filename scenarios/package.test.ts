/**
 * The package as a stranger installs it: build, `npm pack`, install the tarball into a new
 * consumer project offline (from the npm cache `npm ci` filled, with the project's lock file for
 * the dependencies' exact versions), then run there, with plain Node and no TypeScript loader:
 * the README's quick start, a vitest file that embeds a card and completes an IAS login, and the
 * installed `ciebench` binary.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageFile } from '../emulator/src/package-root.ts';

const exec = promisify(execFile);
const root = packageFile();
const work = mkdtempSync(join(tmpdir(), 'ciebench-pack-'));
const consumer = join(work, 'consumer');
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface PackageJson {
  readonly version: string;
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
}

/** The README's quick-start block (the one marked for this test). */
export function readmeQuickStart(readme: string): string {
  const m = /<!-- quick-start:[^>]*-->\s*```js\n([\s\S]*?)```/.exec(readme);
  if (!m?.[1]) throw new Error('README has no marked quick-start block');
  return m[1];
}

async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const r = await exec(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  return r.stdout;
}

describe('the packed package, installed in a consumer project', () => {
  beforeAll(async () => {
    await run('npm', ['run', '-s', 'build'], root);
    const packed = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
      root,
    );
    const tarball = join(work, (JSON.parse(packed) as { filename: string }[])[0]?.filename ?? '');
    const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
    const deps = { ...ours.dependencies };
    const devDeps = { vitest: ours.devDependencies['vitest'] as string };
    await run('mkdir', ['-p', consumer], work);
    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        version: '1.0.0',
        type: 'module',
        private: true,
        dependencies: deps,
        devDependencies: devDeps,
      }),
    );
    // The project's lock gives every dependency's exact version and integrity, so npm installs
    // them from its cache without asking the registry.
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, unknown>;
    };
    lock.packages[''] = {
      name: 'consumer',
      version: '1.0.0',
      dependencies: deps,
      devDependencies: devDeps,
    };
    writeFileSync(join(consumer, 'package-lock.json'), JSON.stringify(lock));
    await run(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball],
      consumer,
    );
  }, 600_000);

  it('runs the README quick start with plain Node (no TypeScript loader)', async () => {
    const script = readmeQuickStart(readFileSync(join(root, 'README.md'), 'utf8'));
    writeFileSync(join(consumer, 'quick-start.mjs'), script);
    const out = await run(process.execPath, ['quick-start.mjs'], consumer);
    expect(out).toMatch(/^ATR 3B[0-9A-F]+$/m);
    expect(out).toMatch(/^pass 3082/m);
  });

  it('runs a vitest file that embeds a card and completes an IAS login', async () => {
    writeFileSync(
      join(consumer, 'login.test.js'),
      [
        "import { expect, test } from 'vitest';",
        "import { createCard, iasLogin, resolveCardSpec } from 'cie-bench';",
        "test('IAS login on an emulated CIE of another personality', async () => {",
        "  const card = createCard('gemalto');",
        "  const report = await iasLogin(card, { card: 'gemalto', style: 'android' });",
        "  expect(report.verdict).toBe('pass');",
        "  expect(resolveCardSpec('gemalto').personality).toBe('gemalto');",
        '});',
        "test('a wrong PIN is refused with the tries left', async () => {",
        '  const report = await iasLogin(createCard(), { pin: "00000000" });',
        "  expect(report.verdict).toBe('fail');",
        '  expect(report.error?.code).toBe("PIN_WRONG");',
        '});',
        '',
      ].join('\n'),
    );
    const out = await run(
      process.execPath,
      [join(consumer, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=verbose'],
      consumer,
    );
    expect(out).toMatch(/2 passed/);
  });

  it('installs the ciebench command, compiled', async () => {
    const bin = join(consumer, 'node_modules', '.bin', 'ciebench');
    const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
    expect((await run(bin, ['--version'], consumer)).trim()).toBe(`ciebench ${ours.version}`);
    expect(await run(bin, ['apdu', '00A4040C0DA0000000308000000009816001'], consumer)).toMatch(
      /SW_9000_OK/,
    );
  });
});
