import { execFileSync } from 'node:child_process';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { TOOL_VERSION } from '../../emulator/src/version.ts';
import { buildProgram } from './main.ts';

function walk(cmd: Command, path: string[] = []): { path: string; cmd: Command }[] {
  return [
    { path: path.join(' '), cmd },
    ...cmd.commands.flatMap((c) => walk(c, [...path, c.name()])),
  ];
}

describe('ciebench CLI', () => {
  it('every command has a description and renders --help', async () => {
    const program = await buildProgram();
    const all = walk(program);
    expect(all.map((x) => x.path)).toEqual(expect.arrayContaining(['apdu', 'card', 'card start']));
    for (const { path, cmd } of all) {
      expect(cmd.description(), `description of '${path}'`).not.toBe('');
      expect(cmd.helpInformation()).toContain('Usage:');
    }
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
