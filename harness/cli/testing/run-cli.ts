/**
 * Runs `ciebench` in-process for tests: the real {@link main} with standard output and error
 * captured and the exit code returned, without the cost of a process and a TypeScript loader per
 * call. Commands that need a process of their own (signals, `card start`) are spawned instead.
 */
import { main } from '../main.ts';

export interface CliRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export async function runCli(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const previous = process.exitCode;
  process.exitCode = 0;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    await main(['node', 'ciebench', ...args]);
    return { stdout, stderr, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = previous;
  }
}
