/** Runs an external tool asynchronously (the daemon may be on this event loop): exit code, signal, output. */
import { execFile } from 'node:child_process';

export function runTool(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 120_000,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      [...args],
      { env, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 },
      (e, stdout, stderr) => {
        const err = e as
          (NodeJS.ErrnoException & { code?: number | string; signal?: string }) | null;
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
          signal: err?.signal ?? null,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
  });
}
