/**
 * `ciebench scenario load` and `ciebench card fleet` through the command line's entry point: a
 * short load run against the reference IdP (exit 0, the report's table and JSON), bad input (exit
 * 2), a journey that needs a browser (exit 2); a fleet listing that is the same for the same seed,
 * and the image files it writes on request are the registry's fleet cards.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveCardSpec } from '../../harness/cards/card-registry.ts';
import { runCli } from '../../harness/cli/testing/run-cli.ts';
import { tempDir } from '../app/testing.ts';

const tmp = tempDir('load-cli');
afterAll(() => tmp.cleanup());

describe('ciebench scenario load', () => {
  it('a short run: exit 0, latency per step, no errors, the JSON report', async () => {
    const json = `${tmp.dir}/load.json`;
    const r = await runCli(
      'scenario',
      'load',
      'hybrid-login',
      ...['--users', '3', '--rate', '3', '--duration', '1', '--workers', '0', '--seed', 'cli'],
      ...['--quiet', '--json', json],
    );
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('idp.consent');
    expect(r.stdout).toContain('whole login');
    expect(r.stdout).toContain('no errors');
    const report = JSON.parse(readFileSync(json, 'utf8')) as { ok: number; arrivals: number };
    expect(report.arrivals).toBe(3);
    expect(report.ok).toBe(3);
  });

  it('bad input and journeys that need a browser exit 2', async () => {
    const base = ['scenario', 'load', 'hybrid-login', '--users', '2', '--duration', '1'];
    expect((await runCli(...base, '--rate', '0')).exitCode).toBe(2);
    expect((await runCli(...base, '--rate', '1', '--keys', 'mine')).exitCode).toBe(2);
    const nope = await runCli(
      'scenario',
      'load',
      'no-such-journey',
      ...base.slice(3),
      '--rate',
      '1',
    );
    expect(nope.exitCode).toBe(2);
    const desktop = await runCli(
      'scenario',
      'load',
      'desktop-reader-login',
      ...base.slice(3),
      '--rate',
      '1',
    );
    expect(desktop.exitCode).toBe(2);
    expect(desktop.stderr).toContain('without a browser');
  });
});

describe('ciebench card fleet', () => {
  it('the same seed lists the same citizens, another seed others; images only when asked', async () => {
    const list = async (seed: string) =>
      JSON.parse(
        (await runCli('card', 'fleet', '--count', '5', '--seed', seed, '--json')).stdout,
      ) as {
        citizens: { nis: string; spec: string; pin?: string }[];
      };
    const a = await list('s1');
    expect(await list('s1')).toEqual(a);
    const b = await list('s2');
    expect(new Set(a.citizens.map((c) => c.nis)).size).toBe(5);
    for (const c of b.citizens) expect(a.citizens.map((x) => x.nis)).not.toContain(c.nis);
    expect(a.citizens.every((c) => c.pin === undefined)).toBe(true);

    const dir = `${tmp.dir}/fleet`;
    const w = await runCli(
      'card',
      'fleet',
      '--count',
      '2',
      '--first',
      '3',
      '--seed',
      's1',
      '--out-dir',
      dir,
    );
    expect(w.exitCode, w.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['fleet-s1-3.json', 'fleet-s1-4.json']);
    const fromFile = resolveCardSpec(`${dir}/fleet-s1-3.json`).image;
    const fromSpec = resolveCardSpec('fleet:s1:3').image;
    expect(fromFile?.citizen.nis).toBe(a.citizens[3]?.nis);
    expect(fromFile?.ias.certificates.holder).toBe(fromSpec?.ias.certificates.holder);
    // Existing files are not overwritten without --force.
    const again = await runCli(
      'card',
      'fleet',
      '--count',
      '1',
      '--first',
      '3',
      '--seed',
      's1',
      '--out-dir',
      dir,
    );
    expect(again.exitCode).toBe(2);
    expect((await runCli('card', 'fleet', '--count', '0', '--seed', 's1')).exitCode).toBe(2);
  });
});
