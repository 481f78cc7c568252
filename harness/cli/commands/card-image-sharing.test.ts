/**
 * One card image used by several `ciebench` processes at once — a `card start` serving NFC
 * sessions, `ias login --card`, a second `card start` — with wrong PINs from all of them. A real
 * card has one retry counter: whatever reaches the card decrements it, nothing is lost, nothing
 * raises it, and a blocked PIN stays blocked without the PUK. The image is held by one process at a
 * time; the others are refused with IMAGE_IN_USE naming the holder.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { defaultCardImage } from '../../../emulator/src/profiles/default-card-image.ts';
import { readCardImage, writeCardImageAtomic } from '../../../emulator/src/state/image-file.ts';
import { WsNfcChannel } from '../../nfc/ws-nfc-channel.ts';
import { loginFlow } from '../../terminals/ias/flows.ts';
import { trustOf } from '../../terminals/ias/testing.ts';
import { freshImageWarning } from './card-start.ts';

const bin = new URL('../ciebench.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ciebench-sharing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const image = defaultCardImage();
const PIN = image.state.pin.value;
const trust = trustOf(image);

/** A running `ciebench card start`, with its NFC URL once it has printed its banner. */
class CardStart {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [bin, 'card', 'start', '--no-pcsc', '--quiet', ...args]);
    this.child.stdout.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the NFC URL once serving, or with undefined if the process exited instead. */
  async ready(): Promise<string | undefined> {
    const started = new Promise<string>((resolve) => {
      const check = (): void => {
        const m = /NFC: (ws:\/\/[0-9.:]+)/.exec(this.stdout);
        if (m && this.stdout.includes('Ctrl-C to stop')) resolve(m[1] as string);
        else this.child.stdout.once('data', check);
      };
      check();
    });
    return Promise.race([started, this.exited.then(() => undefined)]);
  }

  async stop(signal: 'SIGINT' | 'SIGKILL'): Promise<void> {
    this.child.kill(signal);
    await this.exited;
  }
}

async function run(args: readonly string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [bin, ...args]);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, out };
}

/** One login over the NFC endpoint: 'pass', or the status word of the failed VERIFY. */
async function nfcLogin(url: string, pin: string, seed: string): Promise<string> {
  const channel = new WsNfcChannel(url);
  try {
    const r = await loginFlow(channel, { pin, trust, rng: seededRng(seed) });
    return r.verdict === 'pass' ? 'pass' : (r.error?.sw ?? r.error?.code ?? 'fail');
  } finally {
    await channel.close();
  }
}

const counter = (path: string): number => readCardImage(path).state.pin.remaining;

describe('one card image, several processes', () => {
  it('the reported reproducer: a blocked PIN can no longer be unblocked by a process with a stale copy', async () => {
    const p = join(dir, 'repro.json');
    writeCardImageAtomic(p, image);
    const start = new CardStart(['--card', p, '--nfc', 'ws://127.0.0.1:0']);
    try {
      const url = await start.ready();
      expect(url, start.stderr).toBeDefined();
      expect(await nfcLogin(url as string, '00000000', 'r1')).toBe('63C2');
      expect(counter(p)).toBe(2);
      for (let i = 0; i < 2; i++) {
        const r = await run(['ias', 'login', '--card', p, '--pin', '00000000']);
        expect(r.code).not.toBe(0);
        expect(r.out).toContain('IMAGE_IN_USE');
        expect(r.out).toContain(`in use by PID ${start.child.pid}`);
      }
      expect(counter(p)).toBe(2);
      const second = new CardStart(['--card', p, '--nfc', 'ws://127.0.0.1:0']);
      expect(await second.ready()).toBeUndefined();
      expect(second.stderr).toContain('IMAGE_IN_USE');
      expect(await nfcLogin(url as string, PIN, 'r2')).toBe('pass');
      expect(counter(p)).toBe(3);
    } finally {
      await start.stop('SIGINT');
    }
  }, 240_000);

  it('three processes, random wrong PINs: the counter is 3 minus the wrong PINs that reached the card, floored at 0; a block stays', async () => {
    const p = join(dir, 'shared.json');
    writeCardImageAtomic(p, image);
    const rng = seededRng('multi-process-pins');
    let wrong = 0;
    let refusals = 0;
    let start: CardStart | undefined;
    let url: string | undefined;
    const expected = (): number => Math.max(0, 3 - wrong);
    for (let step = 0; step < 14; step++) {
      const [pick = 0, how = 0] = rng.bytes(2);
      if (start === undefined && pick % 3 !== 0) {
        start = new CardStart(['--card', p, '--nfc', 'ws://127.0.0.1:0']);
        url = await start.ready();
        expect(url, `step ${step}: ${start.stderr}`).toBeDefined();
      }
      const action = start ? ['nfc', 'ias', 'second', 'stop'][pick % 4] : 'ias';
      if (action === 'nfc') {
        const sw = await nfcLogin(url as string, '00000000', `s${step}`);
        expect(sw, `step ${step}`).toBe(expected() === 0 ? '6983' : `63C${expected() - 1}`);
        wrong++;
      } else if (action === 'ias') {
        const r = await run(['ias', 'login', '--card', p, '--pin', '00000000', '--json']);
        if (start) {
          expect(r.out, `step ${step}`).toContain(`in use by PID ${start.child.pid}`);
          refusals++;
        } else {
          expect(r.code, `step ${step}`).toBe(1);
          wrong++;
        }
      } else if (action === 'second') {
        const second = new CardStart(['--card', p, '--nfc', 'ws://127.0.0.1:0']);
        expect(await second.ready(), `step ${step}`).toBeUndefined();
        expect(second.stderr).toContain(`in use by PID ${start?.child.pid}`);
        refusals++;
      } else if (start) {
        await start.stop(how % 2 === 0 ? 'SIGINT' : 'SIGKILL');
        start = undefined;
      }
      expect(counter(p), `step ${step} (${action})`).toBe(expected());
    }
    // Blocked or not, the right PIN can never raise a blocked counter.
    if (!start) {
      start = new CardStart(['--card', p, '--nfc', 'ws://127.0.0.1:0']);
      url = await start.ready();
    }
    const right = await nfcLogin(url as string, PIN, 'final');
    await start.stop('SIGINT');
    expect(right).toBe(expected() === 0 ? '6983' : 'pass');
    if (expected() === 0) expect(readCardImage(p).state.pin.blocked).toBe(true);
    process.stdout.write(
      `multi-process: ${wrong} wrong PINs reached the card, ${refusals} openers refused, final counter ${counter(p)}\n`,
    );
    expect(wrong + refusals).toBeGreaterThan(3);
  }, 600_000);

  it('--nfc-cards fresh with an image says what it does to the counters and never writes back', async () => {
    const p = join(dir, 'fresh.json');
    writeCardImageAtomic(p, image);
    const start = new CardStart(['--card', p, '--nfc', 'ws://127.0.0.1:0', '--nfc-cards', 'fresh']);
    try {
      const url = await start.ready();
      expect(start.stderr).toContain(freshImageWarning(p));
      for (let i = 0; i < 3; i++)
        expect(await nfcLogin(url as string, '00000000', `f${i}`)).toBe('63C2');
      expect(counter(p)).toBe(3);
    } finally {
      await start.stop('SIGINT');
    }
  }, 240_000);
});
