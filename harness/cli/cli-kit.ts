/**
 * What every `ciebench` command module shares, whichever feature folder it lives in: the command
 * group helper and the exit-code rule. Feature folders (`harness/cli/commands/`, `traces/cli/`,
 * `conformance/cli/`, `scenarios/cli/`) export `register(program)` and import only this file from
 * the command-line root, so a command module never pulls in the other commands.
 */
import type { Command } from 'commander';

import { EXIT_CODES } from '../../emulator/src/host-error.ts';

export { EXIT_CODES, exitCodeOf } from '../../emulator/src/host-error.ts';

/** The `--card <card>` grammar (harness/cards/card-registry.ts), for option help texts. */
export const CARD_SPEC_HELP =
  'default | <personality> | seed:<seed> | <personality>:<seed> | fleet:<seed>:<index> | iso-test | sm-test | <card image file>';

/** Error codes of a failed run that mean the machine lacks something (exit 3, not 1). */
const ENVIRONMENT_CODES: ReadonlySet<string> = new Set([
  'READER_NOT_FOUND',
  'SERVICE_UNAVAILABLE',
  'PCSC_BINDING_MISSING',
]);

/**
 * Exit code of a terminal report (IAS flow, eMRTD inspection): 0 when it passed, 3 when it
 * stopped because a reader, pcscd or the PC/SC binding is missing, 1 for any other failure.
 */
export function exitCodeOfReport(report: {
  readonly verdict: string;
  readonly error?: { readonly code: string } | undefined;
}): number {
  if (report.verdict === 'pass') return EXIT_CODES.ok;
  return report.error && ENVIRONMENT_CODES.has(report.error.code)
    ? EXIT_CODES.environment
    : EXIT_CODES.verdict;
}

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
