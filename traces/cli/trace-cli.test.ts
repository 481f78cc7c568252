/**
 * `ciebench trace …` end to end (the CLI process): import reports unknown lines and writes a
 * readable trace, show decodes it, diff exits 1 on divergences and 0 without, and writes the HTML
 * report; record runs a flow on an emulated card.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTrace } from '../format/read.ts';

const run = promisify(execFile);
const CLI = new URL('../../harness/cli/ciebench.mjs', import.meta.url).pathname;
const REAL = new URL('../golden/real-card/real-trace-pace-2018.txt', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ciebench-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI, ...args], { cwd: dir });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('ciebench trace (CLI)', () => {
  it('import → show → record → diff (exit codes, HTML)', async () => {
    const imp = await cli('trace', 'import', REAL, '-o', join(dir, 'real.jsonl'));
    expect(imp.code).toBe(0);
    expect(imp.stdout).toContain('line 16: warning UNKNOWN_LINE');
    expect(
      parseTrace(readFileSync(join(dir, 'real.jsonl'), 'utf8')).records.length,
    ).toBeGreaterThan(6);

    const show = await cli('trace', 'show', join(dir, 'real.jsonl'));
    expect(show.stdout).toContain('80 Encrypted nonce (z) (16)');

    expect(
      (
        await cli(
          'trace',
          'record',
          '--card',
          'iso-test',
          '-o',
          join(dir, 'a.jsonl'),
          '--',
          'iso-read',
        )
      ).code,
    ).toBe(0);
    expect(
      (
        await cli(
          'trace',
          'record',
          '--card',
          'iso-test',
          '-o',
          join(dir, 'b.jsonl'),
          '--',
          'iso-read',
        )
      ).code,
    ).toBe(0);
    const same = await cli(
      'trace',
      'diff',
      join(dir, 'a.jsonl'),
      join(dir, 'b.jsonl'),
      '--no-color',
    );
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('no unexplained divergence');

    writeFileSync(
      join(dir, 'card.json'),
      JSON.stringify({ profile: 'iso-test', options: { readBeyondEof: '9000' } }),
    );
    expect(
      (
        await cli(
          'trace',
          'record',
          '--card',
          join(dir, 'card.json'),
          '-o',
          join(dir, 'c.jsonl'),
          '--',
          'iso-read',
        )
      ).code,
    ).toBe(0);
    const differ = await cli(
      'trace',
      'diff',
      join(dir, 'a.jsonl'),
      join(dir, 'c.jsonl'),
      '--json',
      '--html',
      join(dir, 'r.html'),
    );
    expect(differ.code).toBe(1);
    const report = JSON.parse(differ.stdout) as {
      divergences: number;
      pairs: Array<{ class: string }>;
    };
    expect(report.divergences).toBe(3);
    expect(report.pairs.filter((p) => p.class === 'different-sw').length).toBe(3);
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toContain('data-class="different-sw"');
  });

  it('replay reads the PACE nonce length from the trace; --pace-nonce-length overrides it', async () => {
    // The 2018 card answered a 16-byte nonce; bit4id's own is 8.
    const detected = await cli('trace', 'replay', REAL, '--card', 'bit4id', '--no-color');
    expect(detected.stderr).toContain(
      "PACE nonce length: 16 (read from the trace's first GA step 1",
    );
    expect(detected.code).toBe(0);
    const forced = await cli(
      'trace',
      'replay',
      REAL,
      '--card',
      'bit4id',
      '--pace-nonce-length',
      '8',
      '--no-color',
    );
    expect(forced.stderr).toContain('PACE nonce length: 8 (given with --pace-nonce-length)');
    expect(forced.code).toBe(1);
    expect(forced.stdout).toContain('response data 20 ≠ 12 bytes');
  });
});
