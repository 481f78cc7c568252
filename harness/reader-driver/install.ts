/**
 * Build and install of the CIE Bench reader driver (`ciebench reader install`, `.ci/run`): compile
 * with the Makefile next to this file, copy the .so into pcsc-lite's serial driver directory and
 * write one reader.conf.d entry per reader (normal mode, optionally a reversed-mode reader too).
 * pcscd reads reader.conf.d only at start: the caller is told to restart it.
 */
import { HostError, type FailureKind } from '../../emulator/src/host-error.ts';
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { packageFile } from '../../emulator/src/package-root.ts';
import { CIEBENCH_READER, CIEBENCH_REVERSED_READER } from '../transport/endpoints.ts';

/** The driver's C sources and templates (located from the package root: sources and build alike). */
export const DRIVER_DIR: string = packageFile('harness', 'reader-driver');
export const DRIVER_LIBRARY = 'libifdciebench.so';

export class DriverInstallError extends HostError {
  readonly code: 'DRIVER_BUILD_FAILED' | 'DRIVER_BAD_OPTION' | 'DRIVER_NOT_ROOT';
  constructor(code: DriverInstallError['code'], message: string) {
    super(message);
    this.code = code;
  }
  override get kind(): FailureKind {
    return this.code === 'DRIVER_BAD_OPTION' ? 'input' : 'environment';
  }
}

export interface DeviceSpec {
  readonly host: string;
  readonly port: number;
  readonly slots: number;
  /** Seconds one APDU may take (0 = forever, as vpcd). */
  readonly timeoutS?: number;
  /** Reversed mode: the driver connects to a listening card. */
  readonly connect?: boolean;
}

/** DEVICENAME for the driver: `HOST:PORT[/slots:N][/timeout:S][/connect]` (see src/ifd-ciebench.c). */
export function deviceName(d: DeviceSpec): string {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(d.host))
    throw new DriverInstallError(
      'DRIVER_BAD_OPTION',
      `host must be an IPv4 address, not '${d.host}'`,
    );
  if (!d.connect && !d.host.startsWith('127.'))
    throw new DriverInstallError(
      'DRIVER_BAD_OPTION',
      `the reader listens on loopback only (127.0.0.0/8), not ${d.host}`,
    );
  if (!Number.isInteger(d.slots) || d.slots < 1 || d.slots > 16)
    throw new DriverInstallError('DRIVER_BAD_OPTION', 'slots must be 1..16');
  if (!Number.isInteger(d.port) || d.port < 1 || d.port + d.slots - 1 > 65535)
    throw new DriverInstallError(
      'DRIVER_BAD_OPTION',
      `port ${d.port} (+${d.slots - 1} slots) out of range`,
    );
  const parts = [`${d.host}:${d.port}`, `slots:${d.slots}`];
  if (d.timeoutS !== undefined) parts.push(`timeout:${d.timeoutS}`);
  if (d.connect) parts.push('connect');
  return parts.join('/');
}

export interface ReaderEntry {
  readonly name: string;
  readonly device: DeviceSpec;
}

/** The reader.conf.d text of one entry, from reader.conf.in. */
export function renderReaderConf(entry: ReaderEntry, libPath: string): string {
  if (!/^[A-Za-z0-9 ._-]{1,100}$/.test(entry.name))
    throw new DriverInstallError(
      'DRIVER_BAD_OPTION',
      `reader name '${entry.name}': letters, digits, space . _ - only`,
    );
  const template = readFileSync(join(DRIVER_DIR, 'reader.conf.in'), 'utf8');
  return template
    .replace('@NAME@', entry.name)
    .replace('@DEVICE@', deviceName(entry.device))
    .replace('@LIBPATH@', libPath)
    .replace('@CHANNELID@', `0x${entry.device.port.toString(16).toUpperCase()}`);
}

function run(cmd: string, args: readonly string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ ok: !error, output: `${String(stdout)}${String(stderr)}` }),
    );
  });
}

/** Compiles the driver and the probe tool into `buildDir`; returns the driver's path. */
export async function buildDriver(buildDir: string): Promise<{ library: string; probe: string }> {
  mkdirSync(buildDir, { recursive: true });
  const r = await run('make', ['-s', '-C', DRIVER_DIR, `BUILD=${buildDir}`]);
  if (!r.ok) {
    throw new DriverInstallError(
      'DRIVER_BUILD_FAILED',
      `building the reader driver failed (needs gcc, make, pkg-config, libpcsclite-dev):\n${r.output}`,
    );
  }
  return { library: join(buildDir, DRIVER_LIBRARY), probe: join(buildDir, 'pcsc-probe') };
}

export interface InstallOptions {
  readonly entries: readonly ReaderEntry[];
  readonly libDir?: string;
  readonly confDir?: string;
  readonly buildDir?: string;
}

export interface InstallResult {
  readonly libraries: readonly string[];
  readonly confFiles: readonly string[];
}

/** Conf file of an entry: the standard names for the standard readers, else derived from the name. */
export function confFileName(entry: ReaderEntry): string {
  if (entry.name === CIEBENCH_READER.readerPrefix) return 'ciebench';
  if (entry.name === CIEBENCH_REVERSED_READER.readerPrefix) return 'ciebench-reversed';
  return `ciebench-${entry.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

/**
 * Library file of an entry. Every entry gets its own copy: pcscd numbers readers that share a
 * library in load order (RFSetReaderName), so a shared .so would turn the standard reader into
 * "… 01 00" depending on file order.
 */
export function libraryFileName(entry: ReaderEntry): string {
  const conf = confFileName(entry);
  return conf === 'ciebench' ? DRIVER_LIBRARY : `libifd${conf}.so`;
}

export async function installDriver(o: InstallOptions): Promise<InstallResult> {
  const libDir = o.libDir ?? dirname(CIEBENCH_READER.library);
  const confDir = o.confDir ?? dirname(CIEBENCH_READER.confFile);
  // A bad option is refused before anything is built or written (and on a machine without the
  // build tools it is still reported as the bad option it is).
  for (const entry of o.entries) renderReaderConf(entry, join(libDir, libraryFileName(entry)));
  const built = await buildDriver(o.buildDir ?? join(DRIVER_DIR, 'build'));
  mkdirSync(libDir, { recursive: true });
  mkdirSync(confDir, { recursive: true });
  const libraries: string[] = [];
  const confFiles = o.entries.map((entry) => {
    const library = join(libDir, libraryFileName(entry));
    // Replace, never rewrite in place: a running pcscd may have the old file mapped.
    copyFileSync(built.library, `${library}.new`);
    renameSync(`${library}.new`, library);
    libraries.push(library);
    const file = join(confDir, confFileName(entry));
    writeFileSync(file, renderReaderConf(entry, library));
    return file;
  });
  return { libraries, confFiles };
}

export function uninstallDriver(o: { libDir?: string; confDir?: string } = {}): string[] {
  const libDir = o.libDir ?? dirname(CIEBENCH_READER.library);
  const confDir = o.confDir ?? dirname(CIEBENCH_READER.confFile);
  const removed: string[] = [];
  const standard = [
    join(libDir, DRIVER_LIBRARY),
    join(libDir, 'libifdciebench-reversed.so'),
    join(confDir, 'ciebench'),
    join(confDir, 'ciebench-reversed'),
  ];
  for (const f of standard) {
    if (existsSync(f)) {
      rmSync(f);
      removed.push(f);
    }
  }
  return removed;
}

/** The standard entries: the normal reader, and the reversed-mode reader when asked. */
export function standardEntries(
  o: { port?: number; slots?: number; name?: string; reversed?: boolean; timeoutS?: number } = {},
): ReaderEntry[] {
  const entries: ReaderEntry[] = [
    {
      name: o.name ?? CIEBENCH_READER.readerPrefix,
      device: {
        host: '127.0.0.1',
        port: o.port ?? CIEBENCH_READER.port,
        slots: o.slots ?? CIEBENCH_READER.slots,
        ...(o.timeoutS !== undefined ? { timeoutS: o.timeoutS } : {}),
      },
    },
  ];
  if (o.reversed) {
    entries.push({
      name: CIEBENCH_REVERSED_READER.readerPrefix,
      device: {
        host: '127.0.0.1',
        port: CIEBENCH_REVERSED_READER.port,
        slots: CIEBENCH_REVERSED_READER.slots,
        connect: true,
      },
    });
  }
  return entries;
}
