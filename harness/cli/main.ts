/**
 * The `ciebench` command line, the composition root of the bench. Commands are listed in
 * `manifest.ts` and loaded lazily: only the modules of the command being run are imported, so
 * `ciebench --version` starts in a few tens of milliseconds and a failing optional dependency of
 * one command never breaks another.
 *
 * Exit codes (README "Exit codes"): 0 ok, 1 verdict failed, 2 bad input or usage, 3 environment
 * missing. Commands report a failed verdict by setting `process.exitCode = EXIT_CODES.verdict`
 * and throw host errors ({@link HostError}) for everything else; this file turns them into one
 * line on stderr and the exit code of their kind.
 */
import { Command, CommanderError } from 'commander';
import { HostError } from '../../emulator/src/host-error.ts';
import { TOOL_NAME, TOOL_VERSION } from '../../emulator/src/version.ts';
import { EXIT_CODES, exitCodeOf } from './cli-kit.ts';
import { COMMANDS, type CommandEntry } from './manifest.ts';

function rootProgram(): Command {
  return (
    new Command(TOOL_NAME)
      .description(
        'CIE Bench: emulated Italian electronic identity card (CIE 3.0), transports, traces, conformance and login scenarios',
      )
      .version(`${TOOL_NAME} ${TOOL_VERSION}`, '-V, --version')
      .showHelpAfterError()
      // Before any sub-command is added, so that every command inherits it (commander copies the
      // setting at creation): errors reach main() instead of calling process.exit().
      .exitOverride()
  );
}

/** Adds the real commands of `entry` to `program` (imports its modules). */
async function loadEntry(program: Command, entry: CommandEntry): Promise<void> {
  for (const load of entry.modules) (await load()).register(program);
  // The manifest's summary is the one description of a top-level command.
  program.commands.find((c) => c.name() === entry.name)?.description(entry.summary);
}

/** A placeholder that lists `entry` in `--help` without loading it. */
function stubEntry(program: Command, entry: CommandEntry): void {
  program
    .command(entry.name)
    .description(entry.summary)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments();
}

/** The first command-line word that is not an option: the top-level command being run. */
function commandWord(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith('-'));
}

/**
 * The program for `argv`: the command being run is loaded for real, the others are placeholders.
 * With `all`, every command is loaded (tests walk the whole tree).
 */
export async function buildProgram(
  argv: readonly string[] = [],
  options: { all?: boolean } = {},
): Promise<Command> {
  const program = rootProgram();
  const word = commandWord(argv);
  for (const entry of COMMANDS) {
    if (options.all || entry.name === word) await loadEntry(program, entry);
    else stubEntry(program, entry);
  }
  return program;
}

/** Maps a thrown value to its message line and exit code. */
export function reportError(e: unknown): { line: string; exitCode: number } {
  if (e instanceof HostError)
    return { line: `${TOOL_NAME}: [${e.code}] ${e.message}`, exitCode: exitCodeOf(e) };
  const sys = e as NodeJS.ErrnoException;
  if (sys && typeof sys === 'object' && sys.code === 'ENOENT' && sys.path)
    return { line: `${TOOL_NAME}: file not found: ${sys.path}`, exitCode: EXIT_CODES.input };
  if (sys && typeof sys === 'object' && (sys.code === 'EACCES' || sys.code === 'EPERM') && sys.path)
    return {
      line: `${TOOL_NAME}: permission denied: ${sys.path}`,
      exitCode: EXIT_CODES.environment,
    };
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    line: `${TOOL_NAME}: internal error: ${err.stack ?? err.message}`,
    exitCode: EXIT_CODES.verdict,
  };
}

export async function main(argv: readonly string[]): Promise<void> {
  let program: Command;
  try {
    program = await buildProgram(argv);
  } catch (e) {
    const r = reportError(e);
    process.stderr.write(`${r.line}\n`);
    process.exitCode = r.exitCode;
    return;
  }
  try {
    await program.parseAsync(argv as string[]);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are successes; every other commander error is a usage error.
      process.exitCode = e.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.input;
      return;
    }
    const r = reportError(e);
    process.stderr.write(`${r.line}\n`);
    process.exitCode = r.exitCode;
  }
}
