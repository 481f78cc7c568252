/**
 * Runs Debian's Apache 2.4 (`/usr/sbin/apache2`) as a private server for a third-party SP: a
 * configuration generated into an instance directory, `-DFOREGROUND` as a child process (no
 * systemd, no apache2ctl, nothing under /etc/apache2 changed), HTTPS on a loopback port, stopped
 * by its PID. As root, Apache serves from `www-data` children, so the instance directory is handed
 * to that user; as another user, Apache keeps running as that user.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { HostError, type FailureKind } from '../../../emulator/src/host-error.ts';

export const APACHE_BIN = '/usr/sbin/apache2';

/** A third-party SP could not be set up or started: the machine lacks something (exit 3). */
export class ThirdPartySpError extends HostError {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
  override get kind(): FailureKind {
    return 'environment';
  }
}

/** A free TCP port on `host` (the OS picks it; Apache cannot report a port 0 it bound). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Fills `{{NAME}}` placeholders; every placeholder must have a value and every value must be used,
 * so a template and its generator cannot drift apart silently.
 */
export function fillTemplate(
  template: string,
  values: Readonly<Record<string, string>>,
  what: string,
): string {
  const used = new Set<string>();
  const out = template.replace(/\{\{([A-Z_]+)\}\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined)
      throw new ThirdPartySpError('SP_TEMPLATE', `${what}: no value for {{${name}}}`);
    used.add(name);
    return v;
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0)
    throw new ThirdPartySpError(
      'SP_TEMPLATE',
      `${what}: values not used by the template: ${unused.join(', ')}`,
    );
  return out;
}

/** The `www-data` ids when running as root (Apache children cannot run as root), else undefined. */
export function serviceUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('www-data:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid)
    throw new ThirdPartySpError('SP_ENV', 'running as root but there is no www-data user');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Hands a directory tree to the service user (no-op when not root). */
export function handOver(dir: string): void {
  const u = serviceUser();
  if (!u) return;
  const walk = (p: string): void => {
    chownSync(p, u.uid, u.gid);
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  walk(dir);
}

export interface ApacheCommonValues {
  readonly serverName: string;
  readonly host: string;
  readonly port: number;
  readonly runDir: string;
  readonly logDir: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly logLevel?: string;
}

export function apacheCommon(template: string, v: ApacheCommonValues): string {
  return fillTemplate(
    template,
    {
      SERVER_NAME: v.serverName,
      LISTEN: `${v.host}:${v.port}`,
      RUNDIR: v.runDir,
      LOGDIR: v.logDir,
      LOGLEVEL: v.logLevel ?? 'warn',
      TLS_CERT: v.tlsCert,
      TLS_KEY: v.tlsKey,
      USER_GROUP: serviceUser() ? 'User www-data\nGroup www-data' : '',
    },
    'apache-common.conf',
  );
}

function waitForPort(
  host: string,
  port: number,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    let exited = false;
    child.once('exit', (code) => {
      exited = true;
      reject(
        new ThirdPartySpError('SP_APACHE_START', `apache2 exited with code ${code} while starting`),
      );
    });
    const attempt = (): void => {
      if (exited) return;
      const s = connect(port, host);
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline)
          reject(
            new ThirdPartySpError(
              'SP_APACHE_START',
              `apache2 did not listen on ${host}:${port} within ${timeoutMs} ms`,
            ),
          );
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export interface RunningApache {
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts `apache2 -f conf -DFOREGROUND` and resolves once it accepts connections on the port. */
export async function startApache(
  conf: string,
  host: string,
  port: number,
  logDir: string,
  timeoutMs = 30_000,
): Promise<RunningApache> {
  // Its own process group: on shutdown the prefork MPM signals its whole process group
  // (ap_unixd_killpg(getpgrp(), SIGTERM)), which would otherwise include this process.
  const child = spawn(APACHE_BIN, ['-f', conf, '-DFOREGROUND'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' },
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  try {
    await waitForPort(host, port, child, timeoutMs);
  } catch (e) {
    child.kill('SIGKILL');
    const log = join(logDir, 'error.log');
    const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') : '';
    throw new ThirdPartySpError('SP_APACHE_START', `${(e as Error).message}\n${stderr}${tail}`);
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    pid: child.pid ?? -1,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
