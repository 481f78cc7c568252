/**
 * `ciebench card start` (what `npm start` ran before `ciebench start`) as a process: the default
 * CIE on the NFC endpoint,
 * reached with the project's IsoDep client, its exchanges recorded with `--trace` (PIN masked),
 * stopped with SIGINT. The PC/SC part is covered by the integration tests.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { parseTrace } from '../../../traces/format/read.ts';
import { IsoDepClient } from '../../nfc/ws-client.ts';

const bin = new URL('../ciebench.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ciebench-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Collects a child's standard output; `until` resolves once the whole output so far matches. */
function watchOutput(child: ChildProcessWithoutNullStreams): {
  until(pattern: RegExp, ms?: number): Promise<string>;
} {
  let text = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (d: Buffer) => {
    text += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  return {
    until: (pattern, ms = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timeout waiting for ${pattern}; output so far:\n${text}`)),
          ms,
        );
        const check = (): void => {
          if (pattern.test(text)) {
            clearTimeout(timer);
            resolve(text);
          } else waiters.push(check);
        };
        check();
      }),
  };
}

describe('ciebench card start', () => {
  it('serves the default CIE on the NFC endpoint and records a masked trace', async () => {
    const trace = join(dir, 'session.jsonl');
    const child = spawn(process.execPath, [
      bin,
      'card',
      'start',
      '--no-pcsc',
      '--nfc',
      'ws://127.0.0.1:0',
      '--trace',
      trace,
    ]);
    const output = watchOutput(child);
    try {
      const banner = await output.until(/Ctrl-C to stop/);
      // Port 0: the endpoint takes a free port and the banner says which.
      const url = /NFC: (ws:\/\/127\.0\.0\.1:[1-9]\d*)/.exec(banner)?.[1];
      expect(url).toBeDefined();
      expect(banner).toMatch(/PIN\/PUK\/CAN masked/);
      const tag = await IsoDepClient.connect(url as string);
      expect(toHex(await tag.transceive(fromHex('00A4000C023F00')))).toBe('9000');
      // EF.ATR (2F01) by SFI 1D, readable without authentication (ias/README.md §1.4).
      expect(toHex(await tag.transceive(fromHex('00B09D0000'))).slice(-4)).toMatch(/^(9000|6282)$/);
      // A plain VERIFY: the IAS wants secure messaging (6982), and the trace must not show the digits.
      expect(toHex(await tag.transceive(fromHex('00200081083132333435363738')))).toBe('6982');
      await tag.close();
      await output.until(/session closed/);
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
    const t = parseTrace(readFileSync(trace, 'utf8'));
    expect(t.header).toMatchObject({ profile: 'nxp', transport: 'ws-nfc', secrets: 'masked' });
    const commands = t.records.flatMap((r) => (r.type === 'exchange' ? [r.command] : []));
    expect(commands).toEqual(['00A4000C023F00', '00B09D0000', `0020008108${'2A'.repeat(8)}`]);
  });
});
