/**
 * What every `ciebench` command module shares, whichever feature folder it lives in: the command
 * group helper and the exit-code rule. Feature folders (`harness/cli/commands/`, `traces/cli/`,
 * `conformance/cli/`, `scenarios/cli/`) export `register(program)` and import only this file from
 * the command-line root, so a command module never pulls in the other commands.
 */
import type { Command } from 'commander';

export { EXIT_CODES, exitCodeOf } from '../../emulator/src/host-error.ts';

/** A module of commands: adds its commands (or sub-commands of a group) to `program`. */
export interface CommandModule {
  register(program: Command): void;
}

/**
 * The sub-command group `name` of `parent`, created if it does not exist yet (several modules add
 * commands to one group). A top-level group's description comes from the root's manifest.
 */
export function commandGroup(parent: Command, name: string): Command {
  return parent.commands.find((c) => c.name() === name) ?? parent.command(name);
}
