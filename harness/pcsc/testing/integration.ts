/**
 * Shared setup of the PC/SC integration tests (`*.integration.test.ts`): find out whether pcscd,
 * the readers and the external tools are there; skip LOUDLY when they are not, or fail when
 * CIE_REQUIRE_INTEGRATION=1 (set by .ci/run). Inserting cards: ../reader-slots.ts (re-exported).
 */
import { execFile } from 'node:child_process';
import { it } from 'vitest';
import { loadPcscBinding, type PcscBinding } from '../pcsc-binding.ts';
import { pcscdRunning } from '../pcsc-env.ts';

export { insertCard, readerPresent, waitReader, type InsertedCard } from '../reader-slots.ts';

export const INTEGRATION_REQUIRED = process.env['CIE_REQUIRE_INTEGRATION'] === '1';

export interface Gate {
  readonly ok: boolean;
  readonly reason: string;
  readonly binding: PcscBinding | undefined;
}

export interface Needs {
  readonly readers?: readonly string[];
  readonly tools?: readonly string[];
}

export function runTool(
  cmd: string,
  args: readonly string[],
  input?: string,
  timeoutMs = 20_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      [...args],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error
          ? typeof (error as NodeJS.ErrnoException).code === 'number'
            ? Number((error as NodeJS.ErrnoException).code)
            : 1
          : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function toolMissing(tool: string): Promise<boolean> {
  return (await runTool('sh', ['-c', `command -v ${tool}`])).code !== 0;
}

/** Checks the environment for a test file. */
export async function integrationGate(needs: Needs = {}): Promise<Gate> {
  const fail = (reason: string): Gate => ({ ok: false, reason, binding: undefined });
  let binding: PcscBinding;
  try {
    binding = await loadPcscBinding();
  } catch (e) {
    return fail((e as Error).message);
  }
  if (!(await pcscdRunning()))
    return fail('pcscd is not running (start it as root: pcscd, or run .ci/steps/20-pcsc.sh)');
  const ctx = new binding.Context();
  const names = ctx.listReaders().map((r) => r.name);
  ctx.close();
  const missingReaders = (needs.readers ?? []).filter((r) => !names.includes(r));
  if (missingReaders.length > 0) {
    return fail(
      `pcscd does not list ${missingReaders.map((r) => `'${r}'`).join(', ')} (listed: ${names.join(', ') || 'none'}; install with \`ciebench reader install\` and restart pcscd)`,
    );
  }
  for (const tool of needs.tools ?? [])
    if (await toolMissing(tool))
      return fail(`${tool} is not installed (apt-get install pcsc-tools opensc build-essential)`);
  return { ok: true, reason: '', binding };
}

/** Without the environment: a loud warning, or — when integration is required — a failing test. */
export function reportGate(file: string, gate: Gate): void {
  if (gate.ok) return;
  if (INTEGRATION_REQUIRED) {
    it(`integration environment for ${file}`, () => {
      throw new Error(`CIE_REQUIRE_INTEGRATION=1 but ${gate.reason}`);
    });
    return;
  }
  console.warn(
    `\n[integration] SKIPPED ${file}: ${gate.reason}\n[integration] setup: harness/vpcd/README.md; with CIE_REQUIRE_INTEGRATION=1 this is a failure.\n`,
  );
}
