/**
 * PIN digits for the middleware commands: from the option, else an environment variable, else a
 * prompt on the terminal that does not echo what is typed. Never printed.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { BenchError } from '../../../emulator/src/host-error.ts';

export async function secretInput(
  given: string | undefined,
  envName: string,
  prompt: string,
  pattern: RegExp,
  what: string,
): Promise<string> {
  const value = given ?? process.env[envName] ?? (await ask(prompt, envName));
  if (!pattern.test(value))
    throw new BenchError('BAD_SECRET', `${what} has the wrong format`, 'input');
  return value;
}

async function ask(prompt: string, envName: string): Promise<string> {
  if (!process.stdin.isTTY)
    throw new BenchError(
      'SECRET_MISSING',
      `no terminal to ask on: give the option or set ${envName}`,
      'input',
    );
  const muted = new Writable({ write: (_c, _e, cb) => cb() });
  process.stderr.write(prompt);
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}
