/**
 * The layering the house keeps: emulator ← harness ← traces ← conformance ← scenarios. A folder
 * imports only from folders to its left; the command-line root (`harness/cli/`) and the bench
 * (`harness/bench/`) compose everything and are exempt. Test helpers (`testing/` folders) serve
 * tests only: no production file imports one.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../emulator/src/package-root.ts';

const LAYERS = ['emulator', 'harness', 'traces', 'conformance', 'scenarios'] as const;
const COMPOSITION_ROOT = ['harness/cli/', 'harness/bench/'];

interface Import {
  readonly from: string;
  readonly to: string;
}

/** Relative module specifiers of a source file: static, side-effect and dynamic imports. */
export function specifiers(source: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm;
  for (const m of source.matchAll(re)) out.push(m[2] as string);
  return out;
}

function sourceFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: PACKAGE_ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => /\.(ts|mts|mjs)$/.test(f) && LAYERS.some((l) => f.startsWith(`${l}/`)));
}

function imports(): Import[] {
  return sourceFiles().flatMap((file) =>
    specifiers(readFileSync(join(PACKAGE_ROOT, file), 'utf8')).map((spec) => ({
      from: file,
      to: normalize(relative(PACKAGE_ROOT, join(PACKAGE_ROOT, dirname(file), spec))),
    })),
  );
}

const layerOf = (path: string): number => LAYERS.findIndex((l) => path.startsWith(`${l}/`));
/** Tests, benchmarks and the fuzz campaign (`*.fuzz.ts`, `npm run fuzz`) may use test helpers. */
const isTest = (path: string): boolean => /\.(test|bench|fuzz)\.ts$/.test(path);
const inTesting = (path: string): boolean => /(^|\/)testing(\/|\.ts$)/.test(path);

describe('layering', () => {
  const all = imports();

  it('reads the imports of every layer (the check sees something)', () => {
    expect(all.length).toBeGreaterThan(1000);
    for (const layer of LAYERS.slice(0, 4))
      expect(all.some((i) => i.from.startsWith(`${layer}/`))).toBe(true);
  });

  it('imports point one way: emulator ← harness ← traces ← conformance ← scenarios', () => {
    const upward = all.filter(
      (i) =>
        !COMPOSITION_ROOT.some((root) => i.from.startsWith(root)) &&
        layerOf(i.to) > layerOf(i.from),
    );
    expect(upward.map((i) => `${i.from} → ${i.to}`)).toEqual([]);
  });

  it('production code never imports a test helper', () => {
    const leaks = all.filter(
      (i) => !isTest(i.from) && !inTesting(i.from) && (inTesting(i.to) || isTest(i.to)),
    );
    expect(leaks.map((i) => `${i.from} → ${i.to}`)).toEqual([]);
  });

  it('the specifier scanner sees static, dynamic and side-effect imports', () => {
    expect(
      specifiers(
        "import a from '../x.ts';\nimport '../y.ts';\nconst m = await import('./z.ts');\nexport { b } from \"../w.ts\";",
      ),
    ).toEqual(['../x.ts', '../y.ts', './z.ts', '../w.ts']);
  });
});
