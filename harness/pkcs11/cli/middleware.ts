/**
 * `ciebench middleware …`: the bench's CIE middleware for desktop logins.
 *
 *   middleware build             build libciebench-pkcs11.so and the PC/SC relay, print their paths
 *   middleware start             run the bench daemon (bridge socket, PIN-entry and control socket)
 *   middleware pair              pair a card with the whole PIN ("Abbina la tua CIE")
 *   middleware unpair            forget a pairing
 *   middleware status            pairings, and the running daemon's readers and PIN requests
 *   middleware pin               give the last 4 digits to a waiting login (or for the next one)
 *   middleware nss               a private NSS profile for a browser, with the module registered
 *   middleware chromium-policy   (root) Chromium's AutoSelectCertificateForUrls for the bench hosts
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { fromHex } from '../../../emulator/src/bytes/hex.ts';
import { BenchError, EXIT_CODES } from '../../../emulator/src/host-error.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { commandGroup } from '../../cli/cli-kit.ts';
import { detectFromAtr } from '../../terminals/ias/personality.ts';
import {
  clientCertPolicy,
  DEFAULT_PATTERNS,
  installClientCertPolicy,
} from '../browser/chromium-policy.ts';
import { createNssProfile, registerModule, trustCa } from '../browser/nss.ts';
import { buildModule, builtModule, defaultBuildDir, type BuiltModule } from '../build.ts';
import type { PinMode } from '../daemon/backend.ts';
import { defaultSocketPath } from '../daemon/bridge-server.ts';
import { controlRequest } from '../daemon/control-server.ts';
import { startMiddlewareDaemon } from '../daemon/daemon.ts';
import { pairCard } from '../pairing/pair.ts';
import { defaultPairingsDir, listPairings, removePairing } from '../pairing/store.ts';
import { PcscRelay, STATE_PRESENT } from '../pcsc-relay.ts';
import { RelayChannel } from '../relay-channel.ts';
import { secretInput } from './secret-input.ts';

const out = (line: string): void => void process.stdout.write(`${line}\n`);

async function ensureBuilt(): Promise<BuiltModule> {
  return builtModule() ?? buildModule();
}

function controlPathOf(socket: string | undefined): string {
  return join(dirname(socket ?? defaultSocketPath()), 'control.sock');
}

/** DER of a PEM or DER certificate file. */
function certificateFile(path: string): Uint8Array {
  const b = readFileSync(path);
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(
    b.toString('latin1'),
  );
  return new Uint8Array(m ? Buffer.from((m[1] as string).replace(/\s+/g, ''), 'base64') : b);
}

/** The reader named, or the only reader holding a CIE. */
async function chooseReader(relay: PcscRelay, wanted: string | undefined): Promise<string> {
  const readers = await relay.list();
  if (wanted) {
    const r =
      readers.find((x) => x.name === wanted) ?? readers.filter((x) => x.name.includes(wanted))[0];
    if (!r)
      throw new BenchError(
        'READER_NOT_FOUND',
        `no reader '${wanted}' (readers: ${readers.map((x) => x.name).join(', ') || 'none'})`,
        'environment',
      );
    return r.name;
  }
  const cies = readers.filter((r) => (r.state & STATE_PRESENT) !== 0 && detectFromAtr(r.atr));
  if (cies.length !== 1)
    throw new BenchError(
      'READER_NOT_FOUND',
      `${cies.length === 0 ? 'no reader holds a CIE' : 'several readers hold a CIE'}: name one with --reader`,
      'environment',
    );
  return (cies[0] as { name: string }).name;
}

interface PairOpts {
  reader?: string;
  pin?: string;
  csca?: string[];
  holderCa?: string[];
  pairings?: string;
  showSecrets?: boolean;
}

async function pair(o: PairOpts): Promise<void> {
  const pin = await secretInput(
    o.pin,
    'CIEBENCH_PIN',
    'PIN della CIE (8 cifre): ',
    /^\d{8}$/,
    'the PIN (8 digits)',
  );
  const image = defaultCardImage();
  const cscas = o.csca?.length
    ? o.csca.map(certificateFile)
    : [fromHex(image.ias.certificates.csca)];
  const holderCas = o.holderCa?.length
    ? o.holderCa.map(certificateFile)
    : [fromHex(image.ias.certificates.holderCa)];
  const built = await ensureBuilt();
  const relay = new PcscRelay({ binary: built.relay });
  try {
    const reader = await chooseReader(relay, o.reader);
    const channel = new RelayChannel(relay, reader);
    const report = await pairCard(channel, {
      pin,
      cscas,
      holderCas,
      pairingsDir: o.pairings ?? defaultPairingsDir(),
      ...(o.showSecrets ? { showSecrets: true } : {}),
    });
    await channel.close();
    if (report.verdict === 'pass' && report.result) {
      const r = report.result;
      out(`CIE ${r.nis} (${r.holder}, ${r.documentNumber}) abbinata: ${r.file}`);
      out(`certificate valid until ${r.notAfter}`);
      return;
    }
    out(`pairing failed: [${report.error?.code ?? '?'}] ${report.error?.message ?? ''}`);
    process.exitCode = EXIT_CODES.verdict;
  } finally {
    await relay.close();
  }
}

async function start(o: {
  socket?: string;
  pinMode: string;
  pinTimeout: string;
  pairings?: string;
  json?: boolean;
}): Promise<void> {
  if (!['application', 'protected-path', 'self-login'].includes(o.pinMode))
    throw new BenchError(
      'BAD_OPTION',
      `--pin-mode: application, protected-path or self-login`,
      'input',
    );
  const timeout = Number(o.pinTimeout);
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new BenchError('BAD_OPTION', '--pin-timeout: seconds > 0', 'input');
  const built = await ensureBuilt();
  const daemon = await startMiddlewareDaemon({
    relayBinary: built.relay,
    ...(o.socket ? { socketPath: o.socket } : {}),
    ...(o.pairings ? { pairingsDir: o.pairings } : {}),
    pinMode: o.pinMode as PinMode,
    pinTimeoutMs: timeout * 1000,
    onEvent: (e) =>
      out(
        o.json
          ? JSON.stringify(e)
          : `${new Date().toISOString()} ${e.type} ${'message' in e ? e.message : 'nis' in e ? e.nis : ''}`,
      ),
  });
  const ready = {
    type: 'ready',
    socket: daemon.socketPath,
    control: daemon.controlPath,
    module: built.module,
    pinMode: o.pinMode,
  };
  out(
    o.json
      ? JSON.stringify(ready)
      : `CIE Bench middleware: module ${built.module}\n  bridge ${daemon.socketPath} (set CIEBENCH_PKCS11_SOCKET if not the default)\n  control ${daemon.controlPath}\n  PIN entry: ${o.pinMode}; Ctrl-C stops`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await daemon.close();
}

async function status(o: { pairings?: string; socket?: string; json?: boolean }): Promise<void> {
  const { records, broken } = listPairings(o.pairings ?? defaultPairingsDir());
  const control = controlPathOf(o.socket);
  const daemon = existsSync(control)
    ? await controlRequest(control, { op: 'status' }).catch(() => undefined)
    : undefined;
  if (o.json)
    return out(
      JSON.stringify(
        { pairings: records.map(({ certificate: _c, pinHalf: _p, ...r }) => r), broken, daemon },
        null,
        2,
      ),
    );
  out(records.length ? 'paired cards:' : 'no paired cards');
  for (const r of records)
    out(`  ${r.nis}  ${r.holder}  paired ${r.pairedAt}  certificate until ${r.notAfter}`);
  for (const b of broken) out(`  unreadable: ${b}`);
  if (!daemon) return out(`daemon: not running (no answer on ${control})`);
  out('daemon: running');
  for (const s of (daemon['slots'] as Record<string, unknown>[] | undefined) ?? [])
    out(
      `  slot ${String(s['slot'])}  ${String(s['reader'])}  ${s['cie'] ? `CIE ${String(s['nis'] ?? '(not read yet)')}${s['paired'] === false ? ' not paired' : ''}` : 'no CIE'}`,
    );
  for (const p of (daemon['pinRequests'] as Record<string, unknown>[] | undefined) ?? [])
    out(`  PIN request ${String(p['id'])} for ${String(p['nis'])}: ${String(p['prompt'])}`);
}

async function pin(o: {
  digits?: string;
  socket?: string;
  preset?: boolean;
  cancel?: boolean;
  wait: string;
}): Promise<void> {
  const control = controlPathOf(o.socket);
  if (!existsSync(control))
    throw new BenchError(
      'DAEMON_NOT_RUNNING',
      `no daemon control socket at ${control}: start \`ciebench middleware start\``,
      'environment',
    );
  if (o.cancel) {
    const r = await controlRequest(control, { op: 'cancel' });
    if (!r['ok']) throw new BenchError('NO_PIN_REQUEST', 'no PIN request is waiting', 'verdict');
    return out('PIN request cancelled');
  }
  if (o.preset) {
    const digits = await secretInput(
      o.digits,
      'CIEBENCH_LAST4',
      'Ultime 4 cifre del PIN: ',
      /^\d{4}$/,
      'the last 4 PIN digits',
    );
    await controlRequest(control, { op: 'preset', digits });
    return out('digits kept for the next PIN request');
  }
  const deadline = Date.now() + Number(o.wait) * 1000;
  let pending: Record<string, unknown>[] = [];
  for (;;) {
    const st = await controlRequest(control, { op: 'status' });
    pending = (st['pinRequests'] as Record<string, unknown>[] | undefined) ?? [];
    if (pending.length > 0 || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const first = pending[0];
  if (!first)
    throw new BenchError(
      'NO_PIN_REQUEST',
      'no PIN request is waiting (use --preset for the next one)',
      'verdict',
    );
  process.stderr.write(`CIE ${String(first['nis'])} — ${String(first['prompt'])}\n`);
  const digits = await secretInput(
    o.digits,
    'CIEBENCH_LAST4',
    'Ultime 4 cifre del PIN: ',
    /^\d{4}$/,
    'the last 4 PIN digits',
  );
  const r = await controlRequest(control, { op: 'pin', id: String(first['id']), digits });
  if (!r['ok'])
    throw new BenchError('NO_PIN_REQUEST', 'the PIN request ended before the answer', 'verdict');
  out('PIN given');
}

export function register(program: Command): void {
  const mw = commandGroup(program, 'middleware');
  mw.command('build')
    .description('build libciebench-pkcs11.so and the PC/SC relay (make), print their paths')
    .option('--out <dir>', 'build directory', defaultBuildDir())
    .action(async (o: { out: string }) => {
      const b = await buildModule(o.out);
      out(`module ${b.module}\nrelay  ${b.relay}`);
    });
  mw.command('start')
    .description('run the bench daemon behind the PKCS#11 module (foreground)')
    .option('--socket <path>', 'bridge socket', defaultSocketPath())
    .option(
      '--pin-mode <mode>',
      'application | protected-path | self-login (headless Chromium)',
      'protected-path',
    )
    .option('--pin-timeout <seconds>', 'how long a login waits for the PIN', '120')
    .option('--pairings <dir>', 'pairing files', defaultPairingsDir())
    .option('--json', 'one JSON line per event')
    .action(start);
  mw.command('pair')
    .description(
      'pair a CIE with the whole PIN: checks the SOD, stores the certificate and the first 4 digits encrypted with the card key',
    )
    .option('--reader <name>', 'PC/SC reader (default: the only one holding a CIE)')
    .option('--pin <pin>', '8-digit PIN (default: CIEBENCH_PIN, else asked without echo)')
    .option(
      '--csca <file>',
      'CSCA certificate for the SOD (repeatable; default: the bench TEST CSCA)',
      (v: string, p: string[] = []) => [...p, v],
    )
    .option(
      '--holder-ca <file>',
      'holder CA for the certificate (repeatable; default: the bench TEST CA)',
      (v: string, p: string[] = []) => [...p, v],
    )
    .option('--pairings <dir>', 'pairing files', defaultPairingsDir())
    .option('--show-secrets', 'do not mask the PIN in reports')
    .action(pair);
  mw.command('unpair')
    .description('forget the pairing of a card')
    .requiredOption('--nis <nis>', 'NIS of the card (12 digits; `middleware status` lists them)')
    .option('--pairings <dir>', 'pairing files', defaultPairingsDir())
    .action((o: { nis: string; pairings: string }) => {
      if (!removePairing(o.pairings, o.nis))
        throw new BenchError('NOT_PAIRED', `card ${o.nis} is not paired`, 'verdict');
      out(`pairing of ${o.nis} removed`);
    });
  mw.command('status')
    .description('paired cards, and the running daemon’s readers and PIN requests')
    .option('--pairings <dir>', 'pairing files', defaultPairingsDir())
    .option('--socket <path>', 'bridge socket of the daemon', defaultSocketPath())
    .option('--json', 'JSON output')
    .action(status);
  mw.command('pin')
    .description('give the last 4 PIN digits to a waiting login (protected authentication path)')
    .option(
      '--digits <digits>',
      'the last 4 digits (default: CIEBENCH_LAST4, else asked without echo)',
    )
    .option('--preset', 'keep the digits for the next request instead')
    .option('--cancel', 'refuse the waiting request (the login is cancelled)')
    .option('--wait <seconds>', 'wait this long for a request', '30')
    .option('--socket <path>', 'bridge socket of the daemon', defaultSocketPath())
    .action(pin);
  mw.command('nss')
    .description('a private NSS profile (HOME for Chromium or Firefox) with the module registered')
    .requiredOption('--home <dir>', 'directory to use as the browser HOME (.pki/nssdb inside)')
    .option(
      '--trust-ca <file>',
      'PEM CA to trust for TLS (repeatable)',
      (v: string, p: string[] = []) => [...p, v],
    )
    .action(async (o: { home: string; trustCa?: string[] }) => {
      const built = await ensureBuilt();
      const p = await createNssProfile(o.home);
      await registerModule(p, built.module);
      for (const [i, f] of (o.trustCa ?? []).entries())
        await trustCa(p, `trusted CA ${i + 1}`, readFileSync(f, 'utf8'));
      out(
        `NSS profile ${p.db}: module ${built.module} registered; start the browser with HOME=${p.home}`,
      );
    });
  mw.command('chromium-policy')
    .description('(root) write Chromium’s AutoSelectCertificateForUrls policy for the bench hosts')
    .option(
      '--pattern <pattern>',
      'URL pattern (repeatable; default: loopback and the real IdP hosts, any port)',
      (v: string, p: string[] = []) => [...p, v],
    )
    .option('--print', 'print the policy instead of writing it')
    .action((o: { pattern?: string[]; print?: boolean }) => {
      const patterns = o.pattern?.length ? o.pattern : DEFAULT_PATTERNS;
      if (o.print) return out(clientCertPolicy(patterns).trimEnd());
      out(`wrote ${installClientCertPolicy(patterns)}`);
    });
}
