/**
 * `ciebench reader …`: the PC/SC side of the bench.
 *
 *   reader install     (root) build + install the CIE Bench reader driver and its reader.conf.d entry
 *   reader uninstall   (root) remove them
 *   reader quickack    (root) loopback route with `quickack 1` for Debian vpcd's 40 ms stall
 *   reader status      what is installed/running, and what to do about what is missing
 *   reader list        PC/SC readers, card present, ATR
 *   reader probe NAME  SCardGetAttrib(ATR) and extended-APDU features of a reader (pcsc-probe)
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { BenchError } from '../../../emulator/src/host-error.ts';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import { loadPcscBinding, SCARD_STATE_PRESENT } from '../../pcsc/pcsc-binding.ts';
import { pcscSystemStatus, quickackRoute, setupAdvice } from '../../pcsc/pcsc-env.ts';
import {
  buildDriver,
  DRIVER_DIR,
  DriverInstallError,
  installDriver,
  standardEntries,
  uninstallDriver,
} from '../../reader-driver/install.ts';
import { QUICKACK_ADDRESS } from '../../transport/endpoints.ts';
import { commandGroup } from '../cli-kit.ts';

const out = (line: string): void => void process.stdout.write(`${line}\n`);

function run(cmd: string, args: readonly string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { timeout: 30_000 }, (e, stdout, stderr) =>
      resolve({ ok: !e, output: `${String(stdout)}${String(stderr)}`.trim() }),
    );
  });
}

function requireRoot(what: string, writableTargets: boolean): void {
  if (!writableTargets && typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new DriverInstallError(
      'DRIVER_NOT_ROOT',
      `${what} writes system files: run it as root (sudo npx ciebench reader ${what})`,
    );
  }
}

interface InstallOpts {
  port: string;
  slots: string;
  name?: string;
  reversed?: boolean;
  timeout?: string;
  libDir?: string;
  confDir?: string;
}

async function install(o: InstallOpts): Promise<void> {
  requireRoot('install', o.libDir !== undefined && o.confDir !== undefined);
  const entries = standardEntries({
    port: Number(o.port),
    slots: Number(o.slots),
    ...(o.name ? { name: o.name } : {}),
    ...(o.reversed ? { reversed: true } : {}),
    ...(o.timeout !== undefined ? { timeoutS: Number(o.timeout) } : {}),
  });
  const r = await installDriver({
    entries,
    ...(o.libDir ? { libDir: o.libDir } : {}),
    ...(o.confDir ? { confDir: o.confDir } : {}),
  });
  for (const l of r.libraries) out(`installed ${l}`);
  for (const c of r.confFiles) out(`wrote ${c}`);
  for (const e of entries) {
    const d = e.device;
    out(
      `reader '${e.name} 00 00'${d.slots > 1 ? ` … '${e.name} 00 ${(d.slots - 1).toString(16).toUpperCase().padStart(2, '0')}'` : ''}: ${d.connect ? 'connects to a card listening on' : 'cards connect to'} ${d.host}:${d.port}${d.slots > 1 ? `..${d.port + d.slots - 1}` : ''}`,
    );
  }
  out(
    'pcscd reads reader.conf.d at start: restart it now (systemctl restart pcscd; without systemd: stop pcscd, then run pcscd)',
  );
}

async function quickack(o: { address: string; remove?: boolean }): Promise<void> {
  requireRoot('quickack', false);
  const before = await quickackRoute(o.address);
  const args = o.remove
    ? ['route', 'del', 'local', o.address, 'dev', 'lo', 'table', 'local']
    : [
        'route',
        'replace',
        'local',
        o.address,
        'dev',
        'lo',
        'table',
        'local',
        'proto',
        'static',
        'scope',
        'host',
        'src',
        '127.0.0.1',
        'quickack',
        '1',
      ];
  const r = await run('ip', args);
  if (!r.ok)
    throw new DriverInstallError(
      'DRIVER_BAD_OPTION',
      `ip ${args.join(' ')} failed: ${r.output} (needs root/CAP_NET_ADMIN; unprivileged containers cannot do this)`,
    );
  const after = await quickackRoute(o.address);
  out(
    `quickack route for ${o.address}: ${before ? 'present' : 'absent'} → ${after ? 'present' : 'absent'}`,
  );
  if (after)
    out(
      `cards for Debian's vpcd now connect from ${o.address} (ciebench card start does it by itself): ~0.3 ms instead of ~48 ms per APDU`,
    );
}

async function status(): Promise<void> {
  const s = await pcscSystemStatus();
  const yes = (b: boolean): string => (b ? 'yes' : 'no');
  out(`pcscd installed:            ${yes(s.pcscdInstalled)}`);
  out(`pcscd running:              ${yes(s.pcscdRunning)}`);
  out(`CIE Bench reader driver:    ${yes(s.driverInstalled)}`);
  out(`Debian vsmartcard-vpcd:     ${yes(s.vpcdInstalled)}`);
  out(`quickack route (${QUICKACK_ADDRESS}): ${yes(s.quickack)}`);
  out(`smartcard npm binding:      ${yes(s.binding)}`);
  for (const a of setupAdvice(s)) out(`to do: ${a}`);
}

async function list(o: { json?: boolean }): Promise<void> {
  const b = await loadPcscBinding();
  const ctx = new b.Context();
  try {
    const readers = ctx.listReaders().map((r) => ({
      name: r.name,
      card: (r.state & SCARD_STATE_PRESENT) !== 0,
      atr: r.atr && r.atr.length > 0 ? toHex(new Uint8Array(r.atr)) : undefined,
    }));
    if (o.json) return out(JSON.stringify(readers, null, 2));
    if (readers.length === 0) out('no PC/SC readers');
    for (const r of readers)
      out(`${r.card ? 'card   ' : 'empty  '} ${r.name}${r.atr ? `  ATR ${r.atr}` : ''}`);
  } finally {
    ctx.close();
  }
}

async function probe(reader: string): Promise<void> {
  const tool = join(DRIVER_DIR, 'build', 'pcsc-probe');
  const path = existsSync(tool) ? tool : (await buildDriver(join(DRIVER_DIR, 'build'))).probe;
  const r = await run(path, [reader]);
  out(r.output);
  // The probe prints `<step>=error:0x… <text>` and exits 1 when it cannot reach the reader.
  const failed = /^(context|connect)=error:0x([0-9A-F]{8})/m.exec(r.output);
  if (failed?.[1] === 'context')
    throw new BenchError(
      'PCSCD_UNREACHABLE',
      `cannot probe '${reader}': SCardEstablishContext failed with 0x${failed[2]} — pcscd is not running (start it as root: pcscd)`,
      'environment',
    );
  if (failed)
    throw new BenchError(
      'READER_PROBE_FAILED',
      `cannot probe '${reader}': ${failed[1]} failed with 0x${failed[2]} (see 'ciebench reader list' for the readers pcscd knows)`,
      'environment',
    );
  if (/^attrib_atr=error/m.test(r.output))
    out(
      "note: this reader does not answer SCardGetAttrib(SCARD_ATTR_ATR_STRING); the CIE middleware will report 'token not recognized' (use the CIE Bench driver)",
    );
}

export function register(program: Command): void {
  const reader = commandGroup(program, 'reader');
  reader
    .command('install')
    .description('(root) build and install the CIE Bench reader driver and its reader.conf.d entry')
    .option('--port <port>', 'TCP port of slot 0 (slot i: port + i), loopback only', '35980')
    .option('--slots <n>', 'number of slots (readers "… 00 00" … "… 00 NN")', '2')
    .option('--name <name>', 'reader name', 'CIE Bench Virtual Reader')
    .option(
      '--reversed',
      "also install 'CIE Bench Reversed Reader' (pcscd connects to a card listening on 127.0.0.1:35985)",
    )
    .option(
      '--timeout <seconds>',
      'longest APDU exchange before the card is given up (0 = forever)',
    )
    .option('--lib-dir <dir>', 'driver directory (default /usr/lib/pcsc/drivers/serial)')
    .option('--conf-dir <dir>', 'reader.conf.d directory (default /etc/reader.conf.d)')
    .action(install);
  reader
    .command('uninstall')
    .description('(root) remove the CIE Bench reader driver and its reader.conf.d entries')
    .action(() => {
      requireRoot('uninstall', false);
      const removed = uninstallDriver();
      out(removed.length ? removed.map((f) => `removed ${f}`).join('\n') : 'nothing to remove');
    });
  reader
    .command('quickack')
    .description(
      `(root) add the loopback route with quickack 1 that removes Debian vpcd's 40 ms per APDU`,
    )
    .option('--address <ip>', 'loopback address the cards connect from', QUICKACK_ADDRESS)
    .option('--remove', 'remove the route')
    .action(quickack);
  reader
    .command('status')
    .description('what is installed and running for the PC/SC transports')
    .action(status);
  reader
    .command('list')
    .description('PC/SC readers, card presence and ATR')
    .option('--json', 'JSON output')
    .action(list);
  reader
    .command('probe')
    .description('SCardGetAttrib(ATR) and extended-APDU features of a reader')
    .argument('<reader>', 'reader name')
    .action(probe);
}
