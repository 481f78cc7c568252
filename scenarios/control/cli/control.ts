/**
 * `ciebench control start`: the control API, its live stream and the dashboard, with the cards
 * named by `--card` inserted in in-process readers. Prints the dashboard URL (token in the
 * fragment) and the token for API clients; Ctrl-C stops it.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { BenchError } from '../../../emulator/src/host-error.ts';
import { CARD_SPEC_HELP, commandGroup } from '../../../harness/cli/cli-kit.ts';
import { isLoopback, startControlServer, type ControlServer } from '../server.ts';

export interface StartFlags {
  readonly host: string;
  readonly port: string;
  readonly card: readonly string[];
  readonly out?: string;
  readonly showSecrets?: boolean;
}

const flagsSchema = z.object({
  host: z.string().min(1).max(255),
  port: z.coerce.number().int().min(0).max(65535),
});

/** Starts the server and prints where it is; the caller decides how long it runs. */
export async function startFromFlags(
  f: StartFlags,
  say: (line: string) => void,
  warn: (line: string) => void,
): Promise<ControlServer> {
  const parsed = flagsSchema.safeParse({ host: f.host, port: f.port });
  if (!parsed.success)
    throw new BenchError('CONTROL_OPTIONS', `control start: ${z.prettifyError(parsed.error)}`);
  const { host, port } = parsed.data;
  const reportRoot = resolve(
    f.out ?? join('reports', 'control', new Date().toISOString().replace(/[:.]/g, '-')),
  );
  const server = await startControlServer({
    host,
    port,
    reportRoot,
    ...(f.showSecrets ? { showSecrets: true } : {}),
  });
  try {
    for (const spec of f.card.length ? f.card : ['default']) server.station.createCard(spec);
  } catch (e) {
    await server.close();
    throw e;
  }
  if (!isLoopback(host)) {
    const bar = '!'.repeat(78);
    for (const line of [
      bar,
      `WARNING: the control server listens on ${host}, beyond this machine.`,
      'Anyone who reaches it and learns the token can steer the cards and start journeys.',
      'Bind to 127.0.0.1 (the default) unless this network is yours alone.',
      bar,
    ])
      warn(line);
  }
  say(`CIE Bench control server on ${server.url}`);
  say(`  dashboard  ${server.dashboardUrl}`);
  say(
    `  API        ${server.url}/api  (Authorization: Bearer <token>; ${server.url}/api/openapi.json)`,
  );
  say(`  token      ${server.token}`);
  say(
    `  cards      ${server.station
      .listCards()
      .map((c) => `${c.id}=${c.spec}`)
      .join(', ')}`,
  );
  say(`  reports    ${reportRoot}`);
  if (f.showSecrets) say('  PIN/PUK digits are SHOWN in the APDU stream (--show-secrets)');
  say('Open the dashboard URL; Ctrl-C to stop.');
  return server;
}

export function register(program: Command): void {
  commandGroup(program, 'control')
    .command('start')
    .description('control API and dashboard: cards in in-process readers, APDU stream, journeys')
    .option(
      '--host <address>',
      'address to bind (anything but loopback is warned about)',
      '127.0.0.1',
    )
    .option('--port <port>', 'port (0: any free port)', '0')
    .option(
      '--card <card>',
      `card to insert at start, repeatable (default: default) — ${CARD_SPEC_HELP}`,
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('-o, --out <dir>', 'folder for journey reports (default: reports/control/<time>)')
    .option(
      '--show-secrets',
      'PIN and PUK digits in the APDU stream and reports (masked by default)',
    )
    .action(async (f: StartFlags) => {
      const server = await startFromFlags(
        f,
        (l) => void process.stdout.write(`${l}\n`),
        (l) => void process.stderr.write(`${l}\n`),
      );
      await new Promise<void>((done) => {
        const stop = (): void => void server.close().then(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
