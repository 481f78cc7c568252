/**
 * `ciebench control start`: what it prints (the dashboard URL with the token in the fragment, the
 * token, the cards), the loud warning and the real reach of a non-loopback `--host`, and bad
 * options refused with exit code 2 before anything listens.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../harness/cli/testing/run-cli.ts';
import type { ControlServer } from '../server.ts';
import { answers, nonLoopbackAddresses } from '../testing.ts';
import { startFromFlags } from './control.ts';

let server: ControlServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function capture(): {
  out: string[];
  err: string[];
  say: (l: string) => void;
  warn: (l: string) => void;
} {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, say: (l) => void out.push(l), warn: (l) => void err.push(l) };
}

describe('control start', () => {
  it('prints the URL it chose on port 0, the dashboard URL with the token in the fragment, the cards', async () => {
    const c = capture();
    server = await startFromFlags(
      {
        host: '127.0.0.1',
        port: '0',
        card: ['default', 'iso-test'],
        out: '/nonexistent-not-written',
      },
      c.say,
      c.warn,
    );
    const text = c.out.join('\n');
    expect(server.port).toBeGreaterThan(0);
    expect(text).toContain(`control server on http://127.0.0.1:${server.port}`);
    expect(text).toContain(`dashboard  http://127.0.0.1:${server.port}/#token=${server.token}`);
    expect(text).toContain(`token      ${server.token}`);
    expect(text).toContain('c1=default, c2=iso-test');
    expect(c.err).toEqual([]);
    const res = await fetch(`${server.url}/api/cards`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    expect(((await res.json()) as unknown[]).length).toBe(2);
  });

  it('--host beyond loopback is warned about loudly, and then it really answers there', async () => {
    const others = nonLoopbackAddresses().filter((a) => !a.includes(':'));
    const c = capture();
    server = await startFromFlags({ host: '0.0.0.0', port: '0', card: [] }, c.say, c.warn);
    expect(c.err.join('\n')).toContain('WARNING: the control server listens on 0.0.0.0');
    expect(c.err[0]).toMatch(/^!{40,}$/);
    if (others.length === 0)
      console.warn('*** control.test.ts: no non-loopback IPv4 address to probe ***');
    // The positive control of the loopback test in control-api.test.ts: the probe does see a
    // listener on this machine's other addresses when there is one.
    for (const a of others) expect(await answers(a, server.port), a).toBe(true);
  });

  it('bad options and cards are exit code 2, with nothing left listening', async () => {
    const port = await runCli('control', 'start', '--port', '70000');
    expect(port.exitCode).toBe(2);
    expect(port.stderr).toContain('port');
    const card = await runCli('control', 'start', '--card', 'nokia-3310');
    expect(card.exitCode).toBe(2);
    expect(card.stderr).toContain("unknown card 'nokia-3310'");
  });
});
