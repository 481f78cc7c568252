/**
 * `ciebench start` (what `npm start` runs): the bench in one process — the default card on the
 * virtual PC/SC reader (when pcscd is there) and the NFC endpoint, the reference IdP and SP, the
 * control API and dashboard, and the demo phone. Prints ONE URL to open first (the dashboard,
 * token in the fragment), then the services' URLs; Ctrl-C stops everything.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { BenchError } from '../../../emulator/src/host-error.ts';
import { NFC_WS_PORT } from '../../transport/endpoints.ts';
import { CARD_SPEC_HELP } from '../cli-kit.ts';
import {
  benchFlagsSchema,
  defaultReportRoot,
  startBench,
  type RunningBench,
} from './start-bench.ts';

interface StartFlags {
  readonly card: string;
  readonly port: string;
  readonly nfc: string | false;
  readonly pcsc: boolean;
  readonly qrPoll: string;
  readonly out?: string;
  readonly showSecrets?: boolean;
}

/** Starts the bench and prints where it is; the caller decides how long it runs. */
export async function startFromFlags(
  f: StartFlags,
  say: (line: string) => void,
): Promise<RunningBench> {
  const parsed = benchFlagsSchema.safeParse({ port: f.port, qrPoll: f.qrPoll });
  if (!parsed.success)
    throw new BenchError('START_OPTIONS', `start: ${z.prettifyError(parsed.error)}`);
  const bench = await startBench(
    {
      card: f.card,
      port: parsed.data.port,
      nfc: f.nfc,
      pcsc: f.pcsc,
      reportRoot: f.out ?? defaultReportRoot(),
      showSecrets: f.showSecrets ?? false,
      qrPollMs: parsed.data.qrPoll,
    },
    say,
  );
  const c = bench.control;
  say('');
  say(`CIE Bench is running. Open: ${c.dashboardUrl}`);
  say('');
  say(`  dashboard   ${c.dashboardUrl}`);
  say(
    '              "Prova il login: Entra con CIE sul SP di prova", the phone\'s screen, the APDU log',
  );
  say(`  SP          ${bench.spUrl}  (reference SP, "Entra con CIE")`);
  say(`  IdP         ${bench.idp.urls.base}  (reference CIE IdP)`);
  say(`  card        ${c.station.listCards()[0]?.description ?? ''}, serial ${bench.serial}`);
  say(`  NFC         ${bench.nfcUrl ?? 'off (--no-nfc): the phone uses the card in this process'}`);
  if (bench.pcscLine) say(`  ${bench.pcscLine}`);
  else say('  PC/SC: not used (--no-pcsc)');
  say(`  API         ${c.url}/api  (Authorization: Bearer ${c.token})`);
  say(
    '  The SP and IdP use the bench TEST TLS CA: your browser warns once per site; proceed (loopback only).',
  );
  if (f.showSecrets) say('  PIN/PUK digits are SHOWN in the APDU stream (--show-secrets)');
  say('Ctrl-C to stop.');
  return bench;
}

export function register(program: Command): void {
  program
    .command('start')
    .description(
      'the bench in one process: card (PC/SC + NFC), reference IdP and SP, dashboard, demo phone',
    )
    .option('--card <card>', `the card (a CIE) — ${CARD_SPEC_HELP}`, 'default')
    .option('--port <port>', 'dashboard and control API port (0: any free port)', '0')
    .option('--nfc <url>', 'WebSocket NFC endpoint', `ws://127.0.0.1:${NFC_WS_PORT}`)
    .option('--no-nfc', 'no NFC endpoint (the demo phone uses the card in this process)')
    .option('--no-pcsc', 'do not look for pcscd (no virtual PC/SC reader)')
    .option('--qr-poll <ms>', "how often the IdP's QR page checks for the phone (ms)", '1000')
    .option('-o, --out <dir>', 'folder for journey reports (default: reports/control/<time>)')
    .option('--show-secrets', 'PIN and PUK digits in the APDU stream (masked by default)')
    .action(async (f: StartFlags) => {
      const bench = await startFromFlags(f, (l) => void process.stdout.write(`${l}\n`));
      await new Promise<void>((done) => {
        const stop = (): void => void bench.close().then(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
