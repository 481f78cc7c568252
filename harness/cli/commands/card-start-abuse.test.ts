/**
 * `ciebench card start` as a process under WebSocket protocol violations (RFC 6455 §5): each one
 * closes its own connection with the right close code and the process goes on serving correct
 * sessions; after 100 abusive connections its resident set is within 10 % of what it was.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { rssOf } from '../../fuzz/targets/memory.fuzz.ts';
import { RawWs } from '../../nfc/testing/raw-ws.ts';
import { VIOLATIONS } from '../../nfc/testing/ws-violations.ts';
import { IsoDepClient } from '../../nfc/ws-client.ts';

const bin = new URL('../ciebench.mjs', import.meta.url).pathname;
const SELECT_MF = fromHex('00A4000C023F00');

describe('ciebench card start under WebSocket abuse', () => {
  it('every violation closes its connection only; RSS after 100 abusive connections within 10 %', async () => {
    const child = spawn(process.execPath, [
      bin,
      'card',
      'start',
      '--no-pcsc',
      '--quiet',
      '--nfc',
      'ws://127.0.0.1:0',
    ]);
    let out = '';
    let waiters: Array<() => void> = [];
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const w of waiters.splice(0)) w();
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    let dead: ((e: Error) => void) | undefined;
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        dead?.(new Error(`card start exited (${code}):\n${out}`));
        resolve(code);
      }),
    );
    const closedSessions = (): number => out.match(/session closed/g)?.length ?? 0;
    /** Waits for the output to satisfy `cond`; fails at once if the process dies. */
    const until = (cond: () => boolean): Promise<void> =>
      new Promise((resolve, reject) => {
        dead = reject;
        const check = (): void => (cond() ? resolve() : void waiters.push(check));
        check();
      });
    let expectedClosed = 0;
    const abuse = async (i: number): Promise<number> => {
      const v = VIOLATIONS[i % VIOLATIONS.length] as (typeof VIOLATIONS)[number];
      const raw = await RawWs.open(port);
      await raw.nextJson();
      await raw.write(v.bytes);
      let code = 0;
      for (;;) {
        const f = await raw.next(10_000);
        if (f.opcode === 8) {
          code = ((f.payload[0] as number) << 8) | (f.payload[1] as number);
          break;
        }
      }
      raw.destroy();
      expectedClosed++;
      await until(() => closedSessions() >= expectedClosed);
      return code;
    };
    const correct = async (): Promise<string> => {
      const tag = await IsoDepClient.connect(url);
      const answer = toHex(await tag.transceive(SELECT_MF));
      await tag.close();
      expectedClosed++;
      await until(() => closedSessions() >= expectedClosed);
      return answer;
    };
    let url = '';
    let port = 0;
    try {
      await until(() => /Ctrl-C to stop/.test(out));
      url = /NFC: (ws:\/\/[0-9.:]+)/.exec(out)?.[1] as string;
      port = Number(new URL(url).port);
      for (const [i, v] of VIOLATIONS.entries()) {
        expect(await abuse(i), v.what).toBe(v.code);
        expect(await correct(), v.what).toBe('9000');
      }
      for (let i = 0; i < 20; i++) await abuse(i); // warm-up: steady state before measuring
      const pid = child.pid as number;
      const before = rssOf(pid);
      if (before === undefined) return; // no /proc: the memory half cannot be measured here
      for (let i = 0; i < 100; i++) await abuse(i);
      expect(await correct()).toBe('9000');
      const after = rssOf(pid) as number;
      process.stdout.write(
        `card start: RSS ${(before / 2 ** 20).toFixed(1)} MiB → ${(after / 2 ** 20).toFixed(1)} MiB after 100 abusive connections\n`,
      );
      expect(after).toBeLessThanOrEqual(before * 1.1);
    } finally {
      waiters = [];
      child.kill('SIGINT');
      await exited;
    }
    expect(out).not.toMatch(/Emitted 'error' event|Invalid WebSocket frame.*\n\s+at /);
  }, 180_000);
});
