/**
 * `ciebench start` in this process (`--no-pcsc`, ports 0): the first URL it prints is the
 * dashboard with the token in the fragment; the control server manages the one card the phone
 * uses (no second card); the demo is on the API; bad options are exit code 2 before anything
 * listens.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CIEBENCH_READER } from '../../transport/endpoints.ts';
import { runCli } from '../testing/run-cli.ts';
import { startFromFlags } from './start.ts';
import { pcscPlacement, type RunningBench } from './start-bench.ts';

let bench: RunningBench | undefined;
afterEach(async () => {
  await bench?.close();
  bench = undefined;
});

const FLAGS = {
  card: 'default',
  port: '0',
  nfc: false as const,
  pcsc: false,
  qrPoll: '1000',
  out: '/nonexistent-not-written',
};

describe('ciebench start', () => {
  it('prints the dashboard with its token as the first URL; the phone uses the card the dashboard shows', async () => {
    const lines: string[] = [];
    bench = await startFromFlags(FLAGS, (l) => void lines.push(l));
    const c = bench.control;
    const first = lines.join('\n').match(/https?:\/\/\S+/)?.[0];
    expect(first).toBe(c.dashboardUrl);
    expect(first).toBe(`http://127.0.0.1:${c.port}/#token=${c.token}`);
    expect(lines.join('\n')).toContain(`SP          ${bench.spUrl}`);
    expect(lines.join('\n')).toContain('PC/SC: not used (--no-pcsc)');

    await bench.phone.ready();
    const auth = { authorization: `Bearer ${c.token}` };
    const cards = (await (await fetch(`${c.url}/api/cards`, { headers: auth })).json()) as {
      id: string;
      state: { exchanges: number };
    }[];
    // One card: the phone's registration went to the very card the station watches.
    expect(cards.map((x) => x.id)).toEqual(['c1']);
    expect(cards[0]?.state.exchanges).toBeGreaterThan(10);
    const demo = (await (await fetch(`${c.url}/api/demo`, { headers: auth })).json()) as {
      spUrl: string;
      serial: string;
      events: { kind: string; text: string }[];
    };
    expect(demo.spUrl).toBe(bench.spUrl);
    expect(demo.serial).toMatch(/^C[A-Z]\d{5}[A-Z]{2}$/);
    expect(demo.events.map((e) => e.kind)).toEqual(['ready']);
    expect(demo.events[0]?.text).toContain('in-process');
    expect((await fetch(`${c.url}/api/demo`)).status).toBe(401);
  });

  it('PC/SC: the reader card start would choose, or one line saying what is missing', () => {
    const all = {
      pcscdInstalled: true,
      pcscdRunning: true,
      vpcdInstalled: true,
      driverInstalled: true,
      quickack: true,
      binding: true,
    };
    const reader = pcscPlacement(all);
    expect(reader.endpoint).toEqual({ host: '127.0.0.1', port: CIEBENCH_READER.port });
    expect(reader.line).toContain('CIE Bench Virtual Reader 00 00');
    const absent = pcscPlacement({ ...all, pcscdRunning: false });
    expect(absent.endpoint).toBeUndefined();
    expect(absent.line).toMatch(
      /^PC\/SC: no PC\/SC reader: pcscd is not running — going on without it; to do: start pcscd/,
    );
    expect(absent.line).not.toContain('\n');
  });

  it('bad options are exit code 2, with nothing left listening', async () => {
    const port = await runCli('start', '--no-pcsc', '--port', '70000');
    expect(port.exitCode).toBe(2);
    expect(port.stderr).toContain('port');
    const poll = await runCli('start', '--no-pcsc', '--qr-poll', 'soon');
    expect(poll.exitCode).toBe(2);
    const unknown = await runCli('start', '--no-pcsc', '--card', 'nokia-3310');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("unknown card 'nokia-3310'");
    const generic = await runCli('start', '--no-pcsc', '--card', 'iso-test');
    expect(generic.exitCode).toBe(2);
    expect(generic.stderr).toContain('needs a CIE');
    const nfc = await runCli('start', '--no-pcsc', '--nfc', 'http://example.org');
    expect(nfc.exitCode).toBe(2);
    const option = await runCli('start', '--no-such-option');
    expect(option.exitCode).toBe(2);
  });

  it('an NFC endpoint address in use is exit code 3, saying what to do', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    try {
      const r = await runCli('start', '--no-pcsc', '--nfc', `ws://127.0.0.1:${port}`);
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toContain('is in use');
      expect(r.stderr).toContain('--nfc ws://127.0.0.1:0');
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
