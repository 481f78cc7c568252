/**
 * The repository stands on its own: a clone with nothing beside it must build, test and make
 * sense. Every tracked text file (source, test, script, data header, document) is scanned for
 *
 * - paths into the team's private reference folder next to the clone (the parent directory's
 *   shared folder, its spec and data sub-folders),
 * - the names of the private specification documents (the facts they held live in the READMEs
 *   next to the code, which cite the public sources),
 * - citations of tracker items of this project ("issue" followed by a number, the acceptance
 *   checklist items), which mean nothing to someone holding only the code,
 * - absolute paths under machine-specific roots (home directories, work and mount points);
 *   standard system directories such as /usr, /etc, /run, /var, /dev, /proc, /sys and /tmp are
 *   fine.
 *
 * Public issue trackers are cited as `owner/repo#N`, which this test allows. The patterns are
 * assembled from pieces so that this file does not match itself.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

const SHARED = 'shared';
const SPEC_DOCS = [
  'cie-ias',
  'emrtd',
  'virtual-reader-nfc',
  'idp-flows',
  'scenarios',
  'house-style',
];
const MACHINE_ROOTS = [
  'home',
  'root',
  'work',
  'Users',
  'mnt',
  'opt',
  'srv',
  'media',
  'workspace',
  'workspaces',
  'builds',
  'scratch',
  'private',
  'Volumes',
];

interface Rule {
  readonly name: string;
  readonly pattern: RegExp;
}

const RULES: readonly Rule[] = [
  {
    name: 'path into the private reference folder',
    pattern: new RegExp(`(\\.\\./${SHARED}\\b|\\b${SHARED}/(spec|data)\\b)`),
  },
  {
    name: 'private specification document',
    pattern: new RegExp(`(?<![\\w-])(${SPEC_DOCS.join('|')})\\.md\\b`),
  },
  { name: 'project issue citation', pattern: new RegExp(`\\b[Ii]ssue${' '}\\d+`) },
  { name: 'acceptance-item citation', pattern: new RegExp(`\\bMust${' '}show\\s*\\d`) },
  {
    name: 'machine-specific absolute path',
    pattern: new RegExp(`(^|[^\\w.~:/-])/(${MACHINE_ROOTS.join('|')})/`),
  },
];

/** Tracked files (git), or every file outside build output when there is no git checkout. */
function repositoryFiles(): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
    return out.split('\0').filter((f) => f !== '');
  } catch {
    console.warn('self-contained: no git checkout, scanning the directory tree instead');
    const skip = new Set(['node_modules', '.git', 'dist', 'reports']);
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (skip.has(e.name)) continue;
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) files.push(relative(ROOT, p));
      }
    };
    walk(ROOT);
    return files;
  }
}

/** Text content, or undefined for binary files (a NUL byte in the first 8 KiB). */
function readText(file: string): string | undefined {
  const path = join(ROOT, file);
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return undefined; // deleted, not staged
  const bytes = readFileSync(path);
  if (bytes.subarray(0, 8192).includes(0)) return undefined;
  return bytes.toString('utf8');
}

describe('the repository is self-contained', () => {
  const files = repositoryFiles();

  it('lists the tracked files', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('package.json');
  });

  it.each(RULES)('no tracked file contains a $name', ({ pattern }) => {
    const hits: string[] = [];
    for (const file of files) {
      const text = readText(file);
      if (text === undefined) continue;
      text.split('\n').forEach((line, i) => {
        if (pattern.test(line)) hits.push(`${file}:${i + 1}: ${line.trim().slice(0, 160)}`);
      });
    }
    expect(hits).toEqual([]);
  });

  it('the rules catch what they are meant to catch', () => {
    const caught = (line: string): string[] =>
      RULES.filter((r) => r.pattern.test(line)).map((r) => r.name);
    expect(caught(`see ../${SHARED}/x`)).toEqual(['path into the private reference folder']);
    expect(caught(`from ${SHARED}/data/x.txt`)).toEqual(['path into the private reference folder']);
    expect(caught(`(${SPEC_DOCS[0]}.md §4.2)`)).toEqual(['private specification document']);
    expect(caught(`(${SPEC_DOCS[1]}.md)`)).toEqual(['private specification document']);
    expect(caught(`the fix of issue${' '}7`)).toEqual(['project issue citation']);
    expect(caught(`Must${' '}show 2`)).toEqual(['acceptance-item citation']);
    expect(caught(`const D = '/${MACHINE_ROOTS[2]}/x';`)).toEqual([
      'machine-specific absolute path',
    ]);
    expect(caught(`cd /${MACHINE_ROOTS[0]}/me/repo`)).toEqual(['machine-specific absolute path']);
    // Allowed: public trackers, project folders, system directories, URLs, relative paths.
    expect(caught('OpenSC/OpenSC#2486 and italia/cie-PN532#3')).toEqual([]);
    expect(caught('emulator/src/applications/emrtd/README.md, scenarios/README.md')).toEqual([]);
    expect(
      caught('/usr/lib/pcsc/drivers, /etc/reader.conf.d, /run/pcscd, /tmp/x, /proc/self'),
    ).toEqual([]);
    expect(
      caught('https://github.com/frankmorgner/vsmartcard/blob/master/x, ./work/a, a/home/b'),
    ).toEqual([]);
  });
});
