/**
 * The `ciebench` command line. Every module in `commands/` exports `register(program)`; modules are
 * loaded in file-name order, so features add commands without editing this file. Command groups
 * shared by several modules (`card`, `trace`, …) are created once through {@link commandGroup}.
 */
import { readdirSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { TOOL_NAME, TOOL_VERSION } from '../../emulator/src/version.ts';

export interface CommandModule {
  register(program: Command): void;
}

/** The sub-command `name` of `parent`, created with `description` if it does not exist yet. */
export function commandGroup(parent: Command, name: string, description: string): Command {
  const existing = parent.commands.find((c) => c.name() === name);
  if (existing) return existing;
  return parent.command(name).description(description);
}

export async function buildProgram(): Promise<Command> {
  const program = new Command(TOOL_NAME)
    .description(
      'CIE Bench: emulated Italian electronic identity card (CIE 3.0), transports, traces and conformance',
    )
    .version(`${TOOL_NAME} ${TOOL_VERSION}`, '-V, --version')
    .showHelpAfterError();
  const dir = new URL('./commands/', import.meta.url);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  for (const file of files) {
    const mod = (await import(new URL(file, dir).href)) as Partial<CommandModule>;
    if (typeof mod.register !== 'function')
      throw new Error(`CLI module ${file} has no register(program)`);
    mod.register(program);
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = await buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv as string[]);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    const err = e as Error & { code?: string };
    process.stderr.write(`${TOOL_NAME}: ${err.code ? `[${err.code}] ` : ''}${err.message}\n`);
    process.exitCode = 1;
  }
}
