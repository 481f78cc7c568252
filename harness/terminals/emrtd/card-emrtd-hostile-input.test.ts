/**
 * Hostile input (DESIGN.md §5, brief "bad input"): arbitrary data at every PACE step and in
 * every eMRTD-specific command never crashes the card (strict mode rethrows any unexpected
 * exception), always answers a status word, and leaves a state from which a correct PACE works.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../emulator/src/bytes/bytes.ts';
import { fromHex, toHex } from '../../../emulator/src/bytes/hex.ts';
import { seededRng } from '../../../emulator/src/crypto/rng.ts';
import { paceProtocol } from '../../../emulator/src/protocols/oids.ts';
import { digitsPassword, gaTemplate } from '../../../emulator/src/protocols/pace/pace-crypto.ts';
import { PaceTerminal } from '../../../emulator/src/protocols/pace/pace-terminal.ts';
import { tlv } from '../../../emulator/src/bytes/ber-tlv.ts';
import { testCard, type TestCard } from './test-support.ts';

const CIE = paceProtocol('0.4.0.127.0.7.2.2.4.1.1');
const MSE_CAN = fromHex('0022C1A40F800A04007F00070202040101830102');

function apdu(cla: number, ins: number, p1: number, p2: number, data: Uint8Array): Uint8Array {
  if (data.length === 0) return Uint8Array.of(cla, ins, p1, p2, 0);
  if (data.length <= 255)
    return concatBytes(Uint8Array.of(cla, ins, p1, p2, data.length), data, Uint8Array.of(0));
  return concatBytes(
    Uint8Array.of(cla, ins, p1, p2, 0, data.length >> 8, data.length & 0xff),
    data,
    Uint8Array.of(0, 0),
  );
}

/** A correct PACE-CAN driven to step `k` (0 = after MSE); then the hostile command. */
function driveTo(t: TestCard, k: number): void {
  const terminal = new PaceTerminal(
    CIE as NonNullable<typeof CIE>,
    2,
    digitsPassword(t.citizen.can),
    { privateKey: (d) => d.randomPrivateKey(seededRng('fz')) },
  );
  t.card.transmit(MSE_CAN);
  if (k === 0) return;
  const r1 = t.card.transmit(apdu(0x10, 0x86, 0, 0, gaTemplate()));
  if (k === 1) return;
  const r2 = t.card.transmit(
    apdu(
      0x10,
      0x86,
      0,
      0,
      gaTemplate(tlv(0x81, terminal.mappingKey(r1.subarray(4, r1.length - 2)))),
    ),
  );
  if (k === 2) return;
  t.card.transmit(
    apdu(
      0x10,
      0x86,
      0,
      0,
      gaTemplate(tlv(0x83, terminal.ephemeralKey(r2.subarray(8, r2.length - 2)))),
    ),
  );
}

function completePace(t: TestCard): string {
  const terminal = new PaceTerminal(
    CIE as NonNullable<typeof CIE>,
    2,
    digitsPassword(t.citizen.can),
    { privateKey: (d) => d.randomPrivateKey(seededRng('ok')) },
  );
  t.card.transmit(MSE_CAN);
  const r1 = t.card.transmit(apdu(0x10, 0x86, 0, 0, gaTemplate()));
  const r2 = t.card.transmit(
    apdu(
      0x10,
      0x86,
      0,
      0,
      gaTemplate(tlv(0x81, terminal.mappingKey(r1.subarray(4, r1.length - 2)))),
    ),
  );
  const r3 = t.card.transmit(
    apdu(
      0x10,
      0x86,
      0,
      0,
      gaTemplate(tlv(0x83, terminal.ephemeralKey(r2.subarray(8, r2.length - 2)))),
    ),
  );
  return toHex(
    t.card.transmit(
      apdu(0x00, 0x86, 0, 0, gaTemplate(tlv(0x85, terminal.token(r3.subarray(8, r3.length - 2))))),
    ),
  ).slice(-4);
}

describe('hostile input to the eMRTD application', () => {
  const t = testCard();

  it('random GA data at every PACE step: a checking error (never a crash), then a correct PACE still works', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.boolean(),
        (step, data, chained) => {
          t.card.powerOn();
          driveTo(t, step);
          const r = t.card.transmit(apdu(chained ? 0x10 : 0x00, 0x86, 0, 0, data));
          expect(r.length).toBeGreaterThanOrEqual(2);
          expect(['9000', '6A80', '6985', '6883', '6700']).toContain(
            toHex(r.subarray(r.length - 2)),
          );
          expect(completePace(t)).toBe('9000');
        },
      ),
      { numRuns: 120, seed: 4 },
    );
  });

  it('random data in MSE (all eMRTD P1P2 forms), PSO, EXTERNAL/MUTUAL AUTHENTICATE, READ BINARY odd: always one SW', () => {
    const headers = [
      [0x00, 0x22, 0xc1, 0xa4],
      [0x00, 0x22, 0x41, 0xa6],
      [0x00, 0x22, 0x41, 0xa4],
      [0x00, 0x22, 0x81, 0xb6],
      [0x00, 0x22, 0x81, 0xa4],
      [0x00, 0x2a, 0x00, 0xbe],
      [0x00, 0x82, 0x00, 0x00],
      [0x00, 0xb1, 0x00, 0x1e],
      [0x00, 0xa4, 0x04, 0x0c],
    ] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...headers),
        fc.uint8Array({ maxLength: 280 }),
        ([cla, ins, p1, p2], data) => {
          t.card.powerOn();
          t.card.transmit(fromHex('00A4040C07A0000002471001'));
          t.card.transmit(fromHex('0084000008'));
          const r = t.card.transmit(apdu(cla, ins, p1, p2, data));
          expect(r.length).toBeGreaterThanOrEqual(2);
          expect(completePace(t)).toBe('9000');
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});
