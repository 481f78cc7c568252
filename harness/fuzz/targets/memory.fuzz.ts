/**
 * Memory of a running `ciebench card start` (a separate process, its resident set read from
 * /proc/<pid>/status) under careless and hostile clients:
 * - 100 WebSocket connections each ending in a protocol violation, then a correct session: the
 *   resident set must stay within 10 % of what it was before;
 * - an NFC client that writes 100,000 GET DATA commands and reads no answer, and a vpcd reader
 *   that writes 10,000: the endpoint stops reading from them (backpressure) once the answers fill
 *   the kernel's socket buffers (some thousands of answers), so the growth is bounded whatever
 *   the client sends — tens of MiB of allocator high-water for NFC, not the hundreds it took when
 *   every command was queued — and what the connection held is freed when it goes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { clientFrame, RawWs } from '../../nfc/testing/raw-ws.ts';
import { VIOLATIONS } from '../../nfc/testing/ws-violations.ts';
import { IsoDepClient } from '../../nfc/ws-client.ts';
import { encodeVpcdFrame } from '../../vpcd/framing.ts';
import { connectToCard } from '../../vpcd/testing/fake-reader.ts';
import { Tally, type FuzzTarget } from '../fuzz-kit.ts';

const bin = new URL('../../cli/ciebench.mjs', import.meta.url).pathname;
const GET_DATA = fromHex('00CB3FFF0A4D087006BFA10102A380');
const SELECT_MF = fromHex('00A4000C023F00');
const MiB = 1024 * 1024;

/** Resident set of `pid` in bytes (Linux), or undefined elsewhere. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The card process and its standard output, with a wait for a line to appear. */
class CardProcess {
  readonly child: ChildProcessWithoutNullStreams;
  private out = '';
  private waiters: Array<() => void> = [];

  constructor() {
    this.child = spawn(process.execPath, [
      bin,
      'card',
      'start',
      '--quiet',
      '--vpcd-listen',
      '127.0.0.1:0',
      '--nfc',
      'ws://127.0.0.1:0',
    ]);
    this.child.stdout.on('data', (d: Buffer) => {
      this.out += d.toString();
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr.on('data', (d: Buffer) => (this.out += d.toString()));
  }

  /** Resolves with the output once `pattern` matches it `times` times. */
  until(pattern: RegExp, times = 1): Promise<string> {
    const g = new RegExp(pattern.source, 'g');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} in:\n${this.out}`)), 120_000);
      const check = (): void => {
        if ((this.out.match(g)?.length ?? 0) >= times) {
          clearTimeout(timer);
          resolve(this.out);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  async stop(): Promise<void> {
    this.child.kill('SIGINT');
    await new Promise((resolve) => this.child.once('exit', resolve));
  }
}

async function correctSession(url: string): Promise<string> {
  const tag = await IsoDepClient.connect(url);
  const answer = toHex(await tag.transceive(SELECT_MF));
  await tag.close();
  return answer;
}

const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;

export const memory: FuzzTarget = {
  name: 'memory of card start under abusive clients',
  run: async () => {
    const t = new Tally('memory', 'RSS +≤10 % after 100 violations; bounded under unread answers');
    const p = new CardProcess();
    try {
      const banner = await p.until(/Ctrl-C to stop/);
      const url = /NFC: (ws:\/\/[0-9.:]+)/.exec(banner)?.[1] as string;
      const vpcdPort = Number(/listening for a reader at [0-9.]+:(\d+)/.exec(banner)?.[1]);
      const pid = p.child.pid as number;
      if (rssOf(pid) === undefined) {
        t.figures.push('resident set not readable here (/proc): skipped');
        return t;
      }
      let closed = 0;
      const sessionClosed = async (): Promise<void> => {
        closed++;
        await p.until(/session closed/, closed);
      };
      // Warm-up: a correct session and 20 violations, so what is measured is steady state.
      for (let i = 0; i < 20; i++) {
        const raw = await RawWs.open(Number(new URL(url).port));
        await raw.nextJson();
        await raw.write((VIOLATIONS[i % VIOLATIONS.length] as { bytes: Uint8Array }).bytes);
        await new Promise<void>((resolve) => raw.socket.once('close', () => resolve()));
        await sessionClosed();
      }
      if ((await correctSession(url)) !== '9000') t.fail('warm-up session failed');
      await sessionClosed();
      const before = rssOf(pid) as number;
      for (let i = 0; i < 100; i++) {
        t.inputs++;
        const raw = await RawWs.open(Number(new URL(url).port));
        await raw.nextJson();
        await raw.write((VIOLATIONS[i % VIOLATIONS.length] as { bytes: Uint8Array }).bytes);
        await new Promise<void>((resolve) => raw.socket.once('close', () => resolve()));
        await sessionClosed();
      }
      if ((await correctSession(url)) !== '9000') t.fail('no correct session after the abuse');
      await sessionClosed();
      const after = rssOf(pid) as number;
      const growth = (after - before) / before;
      t.figures.push(
        `100 violations: RSS ${mib(before)} → ${mib(after)} (${(growth * 100).toFixed(1)} %)`,
      );
      if (growth > 0.1) t.fail(`RSS grew ${(growth * 100).toFixed(1)} % after 100 violations`);

      // NFC: 100,000 GET DATA, no answer read.
      const raw = await RawWs.open(Number(new URL(url).port));
      await raw.nextJson();
      await raw.write(clientFrame(1, new TextEncoder().encode('{"type":"field","on":true}')));
      await raw.nextJson();
      raw.socket.pause();
      const frame = clientFrame(2, GET_DATA);
      const n = 100_000;
      const stream = new Uint8Array(frame.length * n);
      for (let i = 0; i < n; i++) stream.set(frame, i * frame.length);
      const nfcBefore = rssOf(pid) as number;
      raw.socket.write(stream);
      t.inputs += n;
      await p.until(/does not read its answers/, 1);
      const nfcStalled = rssOf(pid) as number;
      raw.destroy();
      await sessionClosed();
      const nfcAfter = rssOf(pid) as number;
      t.figures.push(
        `NFC, ${n} unread GET DATA: RSS ${mib(nfcBefore)} → ${mib(nfcStalled)} while stalled → ${mib(nfcAfter)} after disconnect`,
      );
      if (nfcStalled - nfcBefore > 64 * MiB)
        t.fail(`NFC stall grew ${mib(nfcStalled - nfcBefore)}`);

      // vpcd: 10,000 GET DATA, no answer read.
      await p.until(/goes back to the PC\/SC reader/, 1);
      const reader = await connectToCard(vpcdPort);
      await reader.send(fromHex('01'));
      reader.socket.pause();
      const vframe = encodeVpcdFrame(GET_DATA);
      const m = 10_000;
      const vstream = new Uint8Array(vframe.length * m);
      for (let i = 0; i < m; i++) vstream.set(vframe, i * vframe.length);
      const vpcdBefore = rssOf(pid) as number;
      reader.socket.write(vstream);
      t.inputs += m;
      await p.until(/does not read its answers/, 2);
      const vpcdStalled = rssOf(pid) as number;
      reader.destroy();
      await p.until(/reader gone/, 1);
      const vpcdAfter = rssOf(pid) as number;
      t.figures.push(
        `vpcd, ${m} unread GET DATA: RSS ${mib(vpcdBefore)} → ${mib(vpcdStalled)} while stalled → ${mib(vpcdAfter)} after disconnect`,
      );
      if (vpcdStalled - vpcdBefore > 8 * MiB)
        t.fail(`vpcd stall grew ${mib(vpcdStalled - vpcdBefore)}`);
    } finally {
      await p.stop();
    }
    return t;
  },
};
