/**
 * Shared setup of the PC/SC integration tests (`*.integration.test.ts`): find out whether pcscd,
 * the readers and the external tools are there; skip LOUDLY when they are not, or fail when
 * CIE_REQUIRE_INTEGRATION=1 (set by .ci/run); insert emulated cards into reader slots and wait
 * until pcscd shows them.
 */
import { execFile } from 'node:child_process';
import { it } from 'vitest';
import type { Card } from '../../../emulator/src/card/card.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { IsoDepSession } from '../../nfc/iso-dep-session.ts';
import type { FaultInput } from '../../nfc/faults.ts';
import { QUICKACK_ADDRESS, readerName, type VirtualReaderKind } from '../../transport/endpoints.ts';
import { ViccClient } from '../../vpcd/vicc-client.ts';
import { loadPcscBinding, SCARD_STATE_PRESENT, type PcscBinding } from '../pcsc-binding.ts';
import { pcscdRunning, quickackRoute } from '../pcsc-env.ts';

export const INTEGRATION_REQUIRED = process.env['CIE_REQUIRE_INTEGRATION'] === '1';

export interface Gate {
  readonly ok: boolean;
  readonly reason: string;
  readonly binding: PcscBinding | undefined;
}

export interface Needs {
  readonly readers?: readonly string[];
  readonly tools?: readonly string[];
}

export function runTool(cmd: string, args: readonly string[], input?: string, timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, [...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as NodeJS.ErrnoException).code === 'number' ? Number((error as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function toolMissing(tool: string): Promise<boolean> {
  return (await runTool('sh', ['-c', `command -v ${tool}`])).code !== 0;
}

/** Checks the environment for a test file. */
export async function integrationGate(needs: Needs = {}): Promise<Gate> {
  const fail = (reason: string): Gate => ({ ok: false, reason, binding: undefined });
  let binding: PcscBinding;
  try {
    binding = await loadPcscBinding();
  } catch (e) {
    return fail((e as Error).message);
  }
  if (!(await pcscdRunning())) return fail('pcscd is not running (start it as root: pcscd, or run .ci/steps/20-pcsc.sh)');
  const ctx = new binding.Context();
  const names = ctx.listReaders().map((r) => r.name);
  ctx.close();
  const missingReaders = (needs.readers ?? []).filter((r) => !names.includes(r));
  if (missingReaders.length > 0) {
    return fail(`pcscd does not list ${missingReaders.map((r) => `'${r}'`).join(', ')} (listed: ${names.join(', ') || 'none'}; install with \`ciebench reader install\` and restart pcscd)`);
  }
  for (const tool of needs.tools ?? []) if (await toolMissing(tool)) return fail(`${tool} is not installed (apt-get install pcsc-tools opensc build-essential)`);
  return { ok: true, reason: '', binding };
}

/** Without the environment: a loud warning, or — when integration is required — a failing test. */
export function reportGate(file: string, gate: Gate): void {
  if (gate.ok) return;
  if (INTEGRATION_REQUIRED) {
    it(`integration environment for ${file}`, () => {
      throw new Error(`CIE_REQUIRE_INTEGRATION=1 but ${gate.reason}`);
    });
    return;
  }
  console.warn(`\n[integration] SKIPPED ${file}: ${gate.reason}\n[integration] setup: harness/vpcd/README.md; with CIE_REQUIRE_INTEGRATION=1 this is a failure.\n`);
}

export async function readerPresent(binding: PcscBinding, name: string): Promise<boolean> {
  const ctx = new binding.Context();
  try {
    const r = ctx.listReaders().find((x) => x.name === name);
    return r !== undefined && (r.state & SCARD_STATE_PRESENT) !== 0;
  } finally {
    ctx.close();
  }
}

/** Polls pcscd until the reader shows (or no longer shows) a card. */
export async function waitReader(binding: PcscBinding, name: string, present: boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await readerPresent(binding, name)) !== present) {
    if (Date.now() > deadline) throw new Error(`'${name}' did not ${present ? 'show a card' : 'become empty'} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface InsertedCard {
  readonly reader: string;
  readonly client: ViccClient;
  readonly session: IsoDepSession;
  /** Pulls the card out and waits until pcscd shows the slot empty. */
  remove(): Promise<void>;
}

/**
 * Inserts `card` into slot `slot` of a virtual reader and waits until pcscd lists it. Cards for
 * Debian's vpcd come from the quickack address when that route exists (spec §6.7 #2).
 */
export async function insertCard(binding: PcscBinding, kind: VirtualReaderKind, card: Card, o: { slot?: number; faults?: FaultInput[] } = {}): Promise<InsertedCard> {
  const slotIndex = o.slot ?? 0;
  const reader = readerName(kind, slotIndex);
  if (await readerPresent(binding, reader)) throw new Error(`'${reader}' already holds a card: is \`ciebench card start\` running? Stop it for the integration tests.`);
  const host = kind.id === 'vpcd' && (await quickackRoute()) ? QUICKACK_ADDRESS : '127.0.0.1';
  const session = new IsoDepSession({ card, rng: seededRng(`integration:${reader}`), faults: o.faults ?? [] });
  const client = new ViccClient({ host, port: kind.port + slotIndex, session });
  client.start();
  await client.waitConnected();
  await waitReader(binding, reader, true);
  return {
    reader,
    client,
    session,
    async remove() {
      await client.stop();
      await waitReader(binding, reader, false);
    },
  };
}
