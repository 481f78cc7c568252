/**
 * What this machine offers for the PC/SC transports: pcscd (installed, running), Debian's vpcd,
 * this project's reader driver, the quickack route, the `smartcard` binding. Used by
 * `ciebench card start` (to say what to install), `ciebench reader status`, the bench and the
 * integration tests (to skip loudly, or fail when integration is required).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { CIEBENCH_READER, DEBIAN_VPCD, QUICKACK_ADDRESS } from '../transport/endpoints.ts';
import { loadPcscBinding, type PcscBinding } from './pcsc-binding.ts';

/** libpcsclite finds pcscd here; PCSCLITE_CSOCK_NAME overrides it (pcsc-lite 1.9.9 winscard_msg.c). */
export function pcscdSocketPath(): string {
  return process.env['PCSCLITE_CSOCK_NAME'] ?? '/run/pcscd/pcscd.comm';
}

/** True when something accepts connections on pcscd's socket. */
export function pcscdRunning(timeoutMs = 1000): Promise<boolean> {
  const path = pcscdSocketPath();
  if (!existsSync(path)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = connect({ path });
    const done = (ok: boolean): void => {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

function run(cmd: string, args: readonly string[]): Promise<{ ok: boolean; stdout: string }> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { timeout: 5000 }, (error, stdout) =>
      resolve({ ok: !error, stdout: String(stdout) }),
    );
  });
}

/** True when the loopback quickack route for `address` is in place (vpcd/README.md §7 item 2). */
export async function quickackRoute(address = QUICKACK_ADDRESS): Promise<boolean> {
  const r = await run('ip', ['route', 'show', 'table', 'local', address]);
  return r.ok && /\bquickack 1\b/.test(r.stdout);
}

export interface PcscSystemStatus {
  readonly pcscdInstalled: boolean;
  readonly pcscdRunning: boolean;
  readonly vpcdInstalled: boolean;
  readonly driverInstalled: boolean;
  readonly quickack: boolean;
  readonly binding: boolean;
}

export async function pcscSystemStatus(): Promise<PcscSystemStatus> {
  const binding = await loadPcscBinding().then(
    () => true,
    () => false,
  );
  return {
    pcscdInstalled:
      existsSync('/usr/sbin/pcscd') || (await run('sh', ['-c', 'command -v pcscd'])).ok,
    pcscdRunning: await pcscdRunning(),
    vpcdInstalled: existsSync(DEBIAN_VPCD.library) && existsSync(DEBIAN_VPCD.confFile),
    driverInstalled: existsSync(CIEBENCH_READER.library) && existsSync(CIEBENCH_READER.confFile),
    quickack: await quickackRoute(),
    binding,
  };
}

/** Copy-paste instructions for whatever is missing (Debian/Ubuntu; as root). */
export function setupAdvice(s: PcscSystemStatus): string[] {
  const advice: string[] = [];
  if (!s.pcscdInstalled || !s.vpcdInstalled) {
    advice.push(
      'install the PC/SC stack:  sudo apt-get install pcscd vsmartcard-vpcd pcsc-tools opensc libpcsclite-dev build-essential',
    );
  }
  if (!s.driverInstalled)
    advice.push(
      'install the CIE Bench reader driver:  sudo npx ciebench reader install   (then restart pcscd)',
    );
  if (s.pcscdInstalled && !s.pcscdRunning)
    advice.push('start pcscd:  sudo systemctl restart pcscd   (no systemd: sudo pcscd)');
  if (s.vpcdInstalled && !s.quickack)
    advice.push(
      "optional, removes Debian vpcd's 40 ms per APDU:  sudo npx ciebench reader quickack",
    );
  if (!s.binding)
    advice.push(
      'for PC/SC channels in Node: npm rebuild smartcard   (needs libpcsclite-dev, g++, make, python3)',
    );
  return advice;
}

/** Names of the PC/SC readers pcscd currently lists (empty when pcscd is not reachable). */
export async function readerNames(binding?: PcscBinding): Promise<string[]> {
  if (!(await pcscdRunning())) return [];
  const b = binding ?? (await loadPcscBinding());
  const ctx = new b.Context();
  try {
    return ctx.listReaders().map((r) => r.name);
  } finally {
    ctx.close();
  }
}
