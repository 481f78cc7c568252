/**
 * `ciebench emrtd` end to end (process spawn): a card image made by `card new` (which stores the
 * eMRTD personalisation), re-personalised by `emrtd personalise --force`, then `emrtd read --card …
 * --ta --out` on the full CIE (IAS + eMRTD); and the module alone with BAC.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = new URL('../ciebench.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ciebench-emrtd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs the CLI in a child process without blocking this worker: a synchronous spawn of a command that
 * personalises a card can block for over a minute on a busy machine, and vitest's worker then misses
 * its 60 s RPC deadline with the host (an error even when every test passes).
 */
function spawnCli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (error as { code?: unknown }).code : 0;
      resolve({ status: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
}

/** Runs the CLI and returns its output; fails unless it exits 0. */
async function run(...args: string[]): Promise<string> {
  const r = await spawnCli(...args);
  if (r.status !== 0) throw new Error(`ciebench ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

interface Report {
  verdict: string;
  access: string;
  channel: string;
  dataGroupsRead: number[];
  passiveAuthentication: { ok: boolean };
  steps: { name: string; verdict: string }[];
}

describe('ciebench emrtd', async () => {
  it('card new (eMRTD stored) → emrtd personalise --force → emrtd read --card --ta --out: every DG, PA ok, files written', async () => {
    const image = join(dir, 'card.json');
    await run('card', 'new', '--seed', 'cli-emrtd', '--profile', 'gemalto', '--out', image);
    expect(
      (JSON.parse(readFileSync(image, 'utf8')) as { modules: { emrtd: { format: string } } })
        .modules.emrtd.format,
    ).toBe('ciebench-emrtd/1');
    const refused = await spawnCli('emrtd', 'personalise', '--card', image);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/already has modules\.emrtd/);
    expect(await run('emrtd', 'personalise', '--card', image, '--force')).toMatch(
      /modules\.emrtd written/,
    );
    const out = join(dir, 'out');
    const report = JSON.parse(
      await run('emrtd', 'read', '--card', image, '--ta', '--json', '--out', out),
    ) as Report;
    expect(report.verdict).toBe('pass');
    expect(report.channel).toMatch(/IAS \+ eMRTD/);
    expect(report.dataGroupsRead).toEqual([1, 2, 3, 11, 12, 14]);
    expect(report.passiveAuthentication.ok).toBe(true);
    for (const f of [
      'DG1.bin',
      'DG2.bin',
      'DG3.bin',
      'EF_SOD.bin',
      'EF_COM.bin',
      'face.jpg',
      'report.json',
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect([...readFileSync(join(out, 'face.jpg')).subarray(0, 2)]).toEqual([0xff, 0xd8]);
  });

  it('emrtd read --seed --emrtd-only --bac: the module alone with BAC; a wrong CAN fails with the 6300 step', async () => {
    const report = JSON.parse(
      await run('emrtd', 'read', '--seed', 'cli-emrtd', '--emrtd-only', '--bac', '--json'),
    ) as Report;
    expect(report.verdict).toBe('pass');
    expect(report.access).toBe('BAC');
    const wrong = await spawnCli(
      'emrtd',
      'read',
      '--seed',
      'cli-emrtd',
      '--emrtd-only',
      '--can',
      '314159',
      '--json',
    );
    expect(wrong.status).toBe(1);
    const failed = JSON.parse(wrong.stdout) as Report & { error: { code: string } };
    expect(failed.error.code).toBe('PACE_WRONG_PASSWORD');
    expect(JSON.stringify(failed)).toContain('"sw":"6300"');
    // The CAN never leaves the terminal: neither its digits nor their ASCII hex appear in the report.
    expect(wrong.stdout).not.toContain('314159');
    expect(wrong.stdout).not.toContain('333134313539');
  });
});
