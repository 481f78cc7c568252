/**
 * libciebench-pkcs11.so itself (C), loaded by the test driver `p11-check` (tools/) against the
 * daemon with in-process cards: every bad-argument case with the return value PKCS#11 v2.40
 * requires, random call sequences with bad handles, NULL pointers, wrong lengths and calls out of
 * order (each return value checked against the function's list), a daemon that answers garbage,
 * and no daemon at all. A crash of the module would be a signal on the driver.
 */
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSanitized } from './build.ts';
import { startRig, type Rig } from './testing/rig.ts';
import { moduleGate, reportModuleGate, runTool } from './testing/gate.ts';
import { FrameDecoder, frame } from './wire.ts';

const gate = await moduleGate();
reportModuleGate('PKCS#11 module (C)', gate);

/** Seeds of the random sequences: fixed, printed, FC_SEED adds one. */
const SEEDS = [1, 2, 3, ...(process.env['FC_SEED'] ? [Number(process.env['FC_SEED'])] : [])];

/** The AddressSanitizer + UBSan build when the compiler has it (CI does), else the plain one. */
const sanitized = gate.ok ? await buildSanitized().catch((e: Error) => e) : undefined;
if (sanitized instanceof Error)
  console.warn(
    `[pkcs11] no sanitizer build (${sanitized.message.split('\n')[0]}): fuzzing the plain build`,
  );
const target =
  gate.ok && sanitized && !(sanitized instanceof Error)
    ? sanitized
    : {
        module: gate.built?.module ?? '',
        driver: join(gate.built?.module ?? '', '..', 'p11-check'),
      };

describe.skipIf(!gate.ok)('libciebench-pkcs11.so under p11-check', () => {
  const built = { module: target.module };
  const driver = target.driver;
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ pinMode: 'application' });
  });
  afterAll(async () => rig.close());
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    CIEBENCH_PKCS11_SOCKET: rig.daemon.socketPath,
  });

  it('bad arguments: every case answers the value PKCS#11 v2.40 requires (§5.4–5.16)', async () => {
    const r = await runTool(driver, [built.module, 'bad-args', rig.pin.slice(4)], env());
    expect(r.signal, r.stdout).toBeNull();
    expect(r.stdout).toMatch(/^0 failure\(s\)$/m);
    expect(r.code, r.stdout).toBe(0);
    const checks = r.stdout.split('\n').filter((l) => l.startsWith('ok ')).length;
    expect(checks).toBeGreaterThan(80);
    // The wrong-length and non-digit logins never reached the card.
    expect(rig.triesInImage()).toBe(3);
  });

  for (const seed of SEEDS)
    it(`random call sequence, seed ${seed}: no crash, every return value allowed for its function`, async () => {
      const r = await runTool(
        driver,
        [built.module, 'random', String(seed), '3000', rig.pin.slice(4)],
        env(),
      );
      expect(r.signal, r.stdout.slice(-3000)).toBeNull();
      expect(
        r.stdout
          .split('\n')
          .filter((l) => l.startsWith('FAIL'))
          .slice(0, 20),
      ).toEqual([]);
      expect(r.code).toBe(0);
      // The sequence went past the door: it logged in, signed and read attributes.
      const reached = /reached: logins=(\d+) signatures=(\d+) attribute-reads=(\d+)/.exec(r.stdout);
      expect(reached, r.stdout.slice(-500)).not.toBeNull();
      expect(Number(reached?.[1])).toBeGreaterThan(0);
      expect(Number(reached?.[2])).toBeGreaterThan(0);
      expect(Number(reached?.[3])).toBeGreaterThan(0);
      rig.resetCard();
    });

  it('no daemon: C_Initialize works, no slots, token calls answer CKR_DEVICE_ERROR', async () => {
    const r = await runTool(driver, [built.module, 'absent'], {
      ...process.env,
      CIEBENCH_PKCS11_SOCKET: join(rig.dir, 'nobody-listens.sock'),
    });
    expect(r.stdout).toMatch(/^0 failure\(s\)$/m);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/no CIE Bench daemon at .*ciebench middleware start/);
  });
});

/** A daemon that answers garbage: seeded choice per request among the ways an answer can be wrong. */
function hostileDaemon(path: string, seed: number): Promise<net.Server> {
  let s = BigInt(seed) * 0x9e3779b97f4a7c15n + 1n;
  const rnd = (n: number): number => {
    s = (s * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return Number((s >> 33n) % BigInt(n));
  };
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => rnd(256)));
  const server = net.createServer((socket) => {
    const decoder = new FrameDecoder();
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = decoder.push(chunk);
      } catch {
        return void socket.destroy();
      }
      for (const f of frames) {
        const op = f[1];
        const hello = Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
        switch (op === 1 && rnd(2) === 0 ? -1 : rnd(9)) {
          case -1:
            socket.write(frame(hello));
            break;
          case 0:
            socket.write(frame(bytes(1 + rnd(64))));
            break;
          case 1: // CKR_OK and a truncated body
            socket.write(frame(Buffer.concat([Buffer.alloc(4), bytes(rnd(12))])));
            break;
          case 2: // a length prefix beyond the 1 MiB bound
            socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
            break;
          case 3: // CKR_OK and lists or strings claiming 4 G entries
            socket.write(
              frame(
                Buffer.concat([Buffer.alloc(4), Buffer.from([0xff, 0xff, 0xff, 0xff]), bytes(16)]),
              ),
            );
            break;
          case 4:
            socket.destroy();
            return;
          case 5: // no answer at all: the module's timeout
            break;
          case 6: // a return value the function may not give, with trailing bytes
            socket.write(frame(Buffer.concat([bytes(4), bytes(rnd(300))])));
            break;
          case 7: // half a frame, then silence
            socket.write(Buffer.from([0, 0, 1, 0, 1, 2]));
            break;
          default: // CKR_OK with a huge well-formed body
            socket.write(frame(Buffer.concat([Buffer.alloc(4), bytes(70_000)])));
        }
      }
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

describe.skipIf(!gate.ok)('libciebench-pkcs11.so against a daemon that answers garbage', () => {
  const built = { module: target.module };
  const driver = target.driver;
  for (const seed of SEEDS)
    it(`hostile daemon, seed ${seed}: no crash, no hang, only return values the standard allows`, async () => {
      const rig = await startRig({ paired: false });
      const path = join(rig.dir, 'hostile.sock');
      const server = await hostileDaemon(path, seed);
      try {
        const r = await runTool(driver, [built.module, 'hostile', '600'], {
          ...process.env,
          CIEBENCH_PKCS11_SOCKET: path,
          CIEBENCH_PKCS11_TIMEOUT_MS: '150',
        });
        expect(r.signal, r.stdout.slice(-2000)).toBeNull();
        expect(
          r.stdout
            .split('\n')
            .filter((l) => l.startsWith('FAIL'))
            .slice(0, 20),
        ).toEqual([]);
        expect(r.code).toBe(0);
      } finally {
        server.close();
        await rig.close();
      }
    });
});
