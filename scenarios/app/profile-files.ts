/**
 * Where a profile's files live: the phone's storage as a folder on disk (the default, what the
 * CLI and the tests use), or in memory — a load test's thousands of phones keep their
 * registrations without writing a file each. Both hold the same JSON texts, validated the same way
 * by the profile store; paths are the on-disk layout's (profile-store.ts), relative or absolute.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';

export interface ProfileFiles {
  /** Where the files are, for messages (the profile folder, or `memory:<label>`). */
  readonly where: string;
  exists(path: string): boolean;
  /** The text of a file (throws like `readFileSync` when absent). */
  read(path: string): string;
  /** Replaces a file's text at once (temporary file + rename on disk), mode 0600. */
  write(path: string, text: string): void;
  remove(path: string): void;
  /** Names of the files in a folder (empty when there is none). */
  list(dir: string): string[];
  /** The keystore key at `path`: 32 random bytes made on first use (0600 on disk). */
  keystore(path: string): Buffer;
}

/** The profile as a folder on disk (folders 0700, files 0600). */
export function diskProfileFiles(where: string): ProfileFiles {
  return {
    where,
    exists: (p) => existsSync(p),
    read: (p) => readFileSync(p, 'utf8'),
    write(p, text) {
      mkdirSync(dirname(p), { recursive: true, mode: 0o700 });
      const tmp = `${p}.${process.pid}.tmp`;
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, p);
    },
    remove: (p) => rmSync(p),
    list: (d) => (existsSync(d) ? readdirSync(d) : []),
    keystore(p) {
      mkdirSync(dirname(p), { recursive: true, mode: 0o700 });
      if (!existsSync(p)) {
        writeFileSync(p, randomBytes(32), { mode: 0o600, flag: 'wx' });
        chmodSync(p, 0o600);
      }
      return readFileSync(p);
    },
  };
}

/** A profile held in memory only (gone with the process). */
export function memoryProfileFiles(label: string): ProfileFiles {
  const files = new Map<string, string>();
  let key: Buffer | undefined;
  const enoent = (p: string): Error =>
    Object.assign(new Error(`ENOENT: no such file, open '${p}'`), { code: 'ENOENT' });
  return {
    where: `memory:${label}`,
    exists: (p) => files.has(p),
    read(p) {
      const t = files.get(p);
      if (t === undefined) throw enoent(p);
      return t;
    },
    write: (p, text) => void files.set(p, text),
    remove(p) {
      if (!files.delete(p)) throw enoent(p);
    },
    list(d) {
      const prefix = d.endsWith('/') ? d : `${d}/`;
      return [...files.keys()]
        .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
        .map((p) => p.slice(prefix.length));
    },
    keystore: () => (key ??= randomBytes(32)),
  };
}
