/**
 * Where the installed package lives, whether this module runs from the TypeScript sources of a
 * checkout (`emulator/src/…`) or from the compiled JavaScript (`dist/emulator/src/…`): the
 * nearest folder above it that holds the project's `package.json`. Data files that ship with the
 * package (the default card image, ICS files, the reader driver's sources) are located from here,
 * so both forms read the same files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'cie-bench';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown };
      if (pkg.name === PACKAGE_NAME) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`cannot find the ${PACKAGE_NAME} package.json above ${dir}`);
    dir = parent;
  }
}

/** Absolute path of the package's root folder. */
export const PACKAGE_ROOT: string = findRoot();

/** Absolute path of a file shipped with the package, given relative to the package root. */
export function packageFile(...segments: string[]): string {
  return join(PACKAGE_ROOT, ...segments);
}
