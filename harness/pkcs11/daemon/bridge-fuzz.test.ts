/**
 * The daemon's side of the bridge protocol under arbitrary input (BRIDGE-PROTOCOL.md §1–§3):
 * the request decoder either decodes or throws WireError (never another exception), and a daemon
 * fed random payloads, mutated valid requests and broken frames on some connections keeps serving a
 * well-behaved client on another, with its card untouched. Seeded by the suite's fast-check seed.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CKR } from '../p11-constants.ts';
import { BridgeClient } from '../testing/bridge-client.ts';
import { startRig, type Rig } from '../testing/rig.ts';
import { WireError, WireWriter } from '../wire.ts';
import { decodeRequest } from './bridge-protocol.ts';

/** Valid requests of every operation, as the module encodes them (version 1). */
const VALID: readonly Uint8Array[] = [
  new WireWriter().u8(1).u8(1).u32(1).u32(42).u8(8).u8(1).payload(),
  new WireWriter().u8(1).u8(2).u8(1).payload(),
  ...[3, 4, 5, 8, 9, 10, 12, 15, 21].map((op) => new WireWriter().u8(1).u8(op).u64(1).payload()),
  new WireWriter().u8(1).u8(6).u64(1).u64(1).payload(),
  new WireWriter().u8(1).u8(7).u64(1).u64(4).payload(),
  new WireWriter().u8(1).u8(14).u64(0x1000).u64(4).payload(),
  new WireWriter().u8(1).u8(19).u64(0x1000).bytes(new Uint8Array(8)).payload(),
];

const mutated = fc
  .tuple(fc.constantFrom(...VALID), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))))
  .map(([v, edits]) => {
    const b = Uint8Array.from(v);
    for (const [at, byte] of edits) if (b.length > 0) b[at % b.length] = byte;
    return b;
  });
const payloads = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 300 }), mutated);

describe('bridge protocol under arbitrary input', () => {
  it('decodeRequest: a request or a WireError, nothing else', () => {
    fc.assert(
      fc.property(payloads, (p) => {
        try {
          decodeRequest(p);
        } catch (e) {
          if (!(e instanceof WireError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });

  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ pinMode: 'application' });
  });
  afterAll(async () => rig.close());

  it('random payloads and broken frames on other connections: a well-behaved client is still served', async () => {
    const good = await rig.client();
    const slots = await good.slotList(true);
    expect(slots.length).toBe(1);
    await fc.assert(
      fc.asyncProperty(
        fc.array(payloads, { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        fc.uint8Array({ maxLength: 16 }),
        async (frames, hello, tail) => {
          const bad = await BridgeClient.connect(rig.daemon.socketPath, hello);
          for (const f of frames) {
            const answer = await bad.raw(f);
            // An answer always starts with a CK_RV; a protocol error closes the connection.
            if (answer === undefined) break;
            expect(answer.length).toBeGreaterThanOrEqual(4);
          }
          bad.writeBytes(tail);
          bad.close();
          expect(await good.slotList(true)).toEqual(slots);
        },
      ),
      { numRuns: 60 },
    );
    const s = await good.openSession(slots[0] as number);
    expect(s.rv).toBe(CKR.OK);
    expect(await good.login(s.handle, rig.pin.slice(4))).toBe(CKR.OK);
    expect(rig.triesInImage()).toBe(3);
  });
});
