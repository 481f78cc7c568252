/**
 * Hostile input (brief: "any APDU gets a correct ISO 7816 SW, never a crash"): random bytes and
 * random IAS-shaped commands, in plain and — wrapped with a valid session — under SM after DH and
 * after DAPP. The card runs in strict mode, so any unexpected exception inside a handler fails the
 * test instead of hiding behind 6F00; the PIN/PUK state must never move without a VERIFY-type
 * command, and a warm reset must always bring the card back to a working state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import { TerminalError } from '../common/step-report.ts';
import { loginFlow } from './flows.ts';
import { rig, toSma, toSmd, trustOf, type Rig } from './testing.ts';

const IAS_INS = [
  0xa4, 0xb0, 0xb1, 0xcb, 0x22, 0x2a, 0x82, 0x84, 0x88, 0x20, 0x24, 0x2c, 0xc0, 0xca, 0x86,
];
const SECRET_INS = new Set([0x20, 0x24, 0x2c]);

const shaped = fc.record({
  cla: fc.constantFrom(0x00, 0x10, 0x0c, 0x1c, 0x80),
  ins: fc.constantFrom(...IAS_INS),
  p1: fc.oneof(
    fc.constantFrom(0x00, 0x04, 0x41, 0x81, 0x02, 0x3f),
    fc.integer({ min: 0, max: 255 }),
  ),
  p2: fc.oneof(
    fc.constantFrom(0x00, 0x0c, 0xa4, 0xa6, 0xb6, 0xae, 0x81, 0x82, 0xff),
    fc.integer({ min: 0, max: 255 }),
  ),
  data: fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc
      .constantFrom(
        '4D087006BFA10102A380',
        '4D04A6029100',
        '80019B830181',
        '7F2100',
        '830C000000002000000000000001',
      )
      .map((h) => Uint8Array.from(Buffer.from(h, 'hex'))),
    fc.uint8Array({ minLength: 250, maxLength: 300 }),
  ),
  ne: fc.constantFrom(0, 1, 8, 0x80, 0xe7, 256),
});

function ok(response: Uint8Array): void {
  expect(response.length).toBeGreaterThanOrEqual(2);
}

async function recoverable(r: Rig): Promise<void> {
  const login = await loginFlow(r.channel, { pin: r.pin, trust: trustOf(), reset: true });
  expect(login.error).toBeUndefined();
}

describe('hostile input on the CIE card (strict mode: no internal fault may hide)', () => {
  it('random byte strings in plain', async () => {
    const r = rig({ seed: 'fuzz-bytes' });
    await r.channel.connect();
    const before = r.cie.secrets.read();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) =>
        ok(await r.channel.transmit(bytes)),
      ),
      { numRuns: 400 },
    );
    expect(r.cie.secrets.read()).toEqual(before);
    await recoverable(r);
  });

  it('random IAS-shaped commands in plain, never costing a PIN/PUK try unless they are VERIFY-type', async () => {
    const r = rig({ seed: 'fuzz-plain' });
    await r.channel.connect();
    const before = r.cie.secrets.read();
    await fc.assert(
      fc.asyncProperty(shaped, async (c) => {
        const apdu = commandApdu({
          ...c,
          data: c.data.length > 255 ? c.data.subarray(0, 255) : c.data,
        });
        ok(
          await r.channel.transmit(
            Uint8Array.from([
              apdu.cla,
              apdu.ins,
              apdu.p1,
              apdu.p2,
              ...(apdu.data.length ? [apdu.data.length, ...apdu.data] : []),
              ...(apdu.ne ? [apdu.ne & 0xff] : []),
            ]),
          ),
        );
      }),
      { numRuns: 600 },
    );
    expect(r.cie.secrets.read()).toEqual(before);
    await recoverable(r);
  });

  for (const [state, reach] of [
    ['SMd (after DH)', toSmd],
    ['SMa (after DAPP)', toSma],
  ] as const) {
    it(`random IAS-shaped commands wrapped with a valid session in ${state}`, async () => {
      const r = rig({ seed: `fuzz-${state}` });
      let sessions = 0;
      await reach(r);
      await fc.assert(
        fc.asyncProperty(shaped, async (c) => {
          if (SECRET_INS.has(c.ins)) return;
          if (!r.terminal.link.session) await reach(r);
          try {
            const reply = await r.terminal.link.protected(
              commandApdu({
                cla: c.cla & 0x80 ? 0x80 : 0x00,
                ins: c.ins,
                p1: c.p1,
                p2: c.p2,
                data: c.data,
                ne: c.ne,
              }),
            );
            sessions += reply.sw === 0x6987 || reply.sw === 0x6988 ? 1 : 0;
            // The card ended the session: start a new one so the next command reaches a handler.
            if (reply.sw === 0x6987 || reply.sw === 0x6988) r.terminal.link.session = undefined;
          } catch (e) {
            // The terminal may reject what a confused exchange returns (e.g. a 61xx chain cut short);
            // the card itself must not fault, which strict mode would have surfaced as a throw.
            if (!(e instanceof TerminalError)) throw e;
            r.terminal.link.session = undefined;
          }
        }),
        { numRuns: 150 },
      );
      expect(r.cie.card.faults).toEqual([]);
      expect(sessions).toBeLessThan(150);
      await recoverable(r);
    });
  }
});
