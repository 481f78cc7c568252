/**
 * The bench daemon as a process of its own (`ciebench middleware start --json`), for tests whose
 * PKCS#11 client runs on the test's own thread: OpenSSL's engine (Node's `privateKeyEngine`)
 * calls the module synchronously, so a daemon on the same event loop could never answer it.
 * Events arrive as JSON lines; PINs go through the control socket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { AwaitableLog } from '../../../emulator/src/awaitable-log.ts';
import { packageFile } from '../../../emulator/src/package-root.ts';
import { controlRequest, type ControlRequest } from '../daemon/control-server.ts';
import { eventWaiter, type WaitForEvent } from '../daemon/daemon.ts';
import type { MiddlewareEvent } from '../daemon/events.ts';

export interface DaemonProcess {
  readonly socket: string;
  readonly control: string;
  readonly events: readonly MiddlewareEvent[];
  control_(req: ControlRequest): Promise<Record<string, unknown>>;
  readonly waitFor: WaitForEvent;
  stop(): Promise<void>;
}

export async function startDaemonProcess(o: {
  socket: string;
  pairings: string;
  pinMode: 'application' | 'protected-path' | 'self-login';
  env?: NodeJS.ProcessEnv;
}): Promise<DaemonProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      packageFile('harness', 'cli', 'ciebench.mjs'),
      'middleware',
      'start',
      '--json',
      '--socket',
      o.socket,
      '--pairings',
      o.pairings,
      '--pin-mode',
      o.pinMode,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env },
  );
  const log = new AwaitableLog<MiddlewareEvent>({
    timeoutError: (ms) => new Error(`no matching daemon event within ${ms} ms`),
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<{ socket: string; control: string }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let j: Record<string, unknown>;
      try {
        j = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (j['type'] === 'ready')
        return resolve({ socket: String(j['socket']), control: String(j['control']) });
      log.push(j as unknown as MiddlewareEvent);
    });
    child.once('exit', (code) =>
      reject(new Error(`the daemon exited (${code}) before it was ready: ${stderr}`)),
    );
  });
  const paths = await ready;
  return {
    ...paths,
    events: log.entries,
    control_: (req) => controlRequest(paths.control, req),
    waitFor: eventWaiter(log),
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    },
  };
}
