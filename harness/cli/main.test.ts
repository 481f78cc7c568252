import { execFileSync } from 'node:child_process';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { TOOL_VERSION } from '../../emulator/src/version.ts';
import { buildProgram } from './main.ts';
import { COMMANDS } from './manifest.ts';
import { runCli } from './testing/run-cli.ts';

function walk(cmd: Command, path: string[] = []): { path: string; cmd: Command }[] {
  return [
    { path: path.join(' '), cmd },
    ...cmd.commands.flatMap((c) => walk(c, [...path, c.name()])),
  ];
}

describe('ciebench CLI', () => {
  it('every command has a description and renders --help', async () => {
    const program = await buildProgram([], { all: true });
    const all = walk(program);
    expect(all.map((x) => x.path)).toEqual(
      expect.arrayContaining(['apdu', 'card', 'card start', 'trace record', 'conformance run']),
    );
    for (const { path, cmd } of all) {
      expect(cmd.description(), `description of '${path}'`).not.toBe('');
      expect(cmd.helpInformation()).toContain('Usage:');
    }
  });

  it('the manifest lists every top-level command with the summary its module registers', async () => {
    const program = await buildProgram([], { all: true });
    expect(program.commands.map((c) => c.name()).sort()).toEqual(
      COMMANDS.map((c) => c.name).sort(),
    );
    for (const entry of COMMANDS)
      expect(program.commands.find((c) => c.name() === entry.name)?.description()).toBe(
        entry.summary,
      );
  });

  it('loads only the command being run (the others are placeholders)', async () => {
    const program = await buildProgram(['node', 'ciebench', 'card', 'profiles']);
    const card = program.commands.find((c) => c.name() === 'card');
    const trace = program.commands.find((c) => c.name() === 'trace');
    expect(card?.commands.map((c) => c.name())).toContain('profiles');
    expect(trace?.commands).toHaveLength(0);
  });

  it('top-level help lists every command without loading them; exit 0', async () => {
    const r = await runCli('--help');
    expect(r.exitCode).toBe(0);
    for (const entry of COMMANDS) expect(r.stdout).toContain(entry.name);
  });

  it('usage errors exit 2 with commander’s message', async () => {
    const unknown = await runCli('no-such-command');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command/);
    const option = await runCli('apdu', '--no-such-option');
    expect(option.exitCode).toBe(2);
    expect(option.stderr).toMatch(/unknown option/);
  });

  it('prints its version and decodes APDUs end to end (process spawn)', () => {
    const bin = new URL('./ciebench.mjs', import.meta.url).pathname;
    expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).trim()).toBe(
      `ciebench ${TOOL_VERSION}`,
    );
    const json = JSON.parse(
      execFileSync(
        process.execPath,
        [bin, 'apdu', '--json', '00A4000C023F00', '00B0000004', '0001'],
        { encoding: 'utf8' },
      ),
    ) as {
      exchanges: { sw: string; swName: string; commandText: string }[];
    };
    expect(json.exchanges.map((x) => x.sw)).toEqual(['9000', '6986', '6700']);
    expect(json.exchanges[1]?.swName).toBe('SW_6986_NO_CURRENT_EF');
    expect(json.exchanges[0]?.commandText).toMatch(/^SELECT/);
    expect(json.exchanges[2]?.commandText).toMatch(/^malformed APDU/);
  });
});
