/**
 * The damaged secure-messaging commands of the negative cases are damaged by construction, never
 * by chance: a flipped cryptogram byte still decrypts to valid ISO/IEC 9797-1 method 2 padding
 * about once in 256 runs, which made a "refused" case pass or fail with the random session keys.
 */
import { describe, expect, it } from 'vitest';
import { commandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { SmError, unwrapCommand } from '../../emulator/src/sm/sm-codec.ts';
import { smSession } from '../../emulator/src/sm/sm-session.ts';
import { aesSuite } from '../../emulator/src/sm/suites/aes.ts';
import { des3Suite } from '../../emulator/src/sm/suites/des3.ts';
import { protect } from './sm-faults.ts';

describe('sm-corrupt-cryptogram', () => {
  for (const [name, suite, keyLength] of [
    ['3DES', des3Suite, 16],
    ['AES', aesSuite, 16],
  ] as const) {
    it(`${name}: 2,000 seeded sessions and payloads, every one refused for its padding`, () => {
      const rng = seededRng(`corrupt-cryptogram-${name}`);
      for (let i = 0; i < 2000; i++) {
        const session = smSession(suite, rng.bytes(keyLength), rng.bytes(keyLength), BigInt(i));
        const [len = 0, ins = 0] = rng.bytes(2);
        const plain = commandApdu({
          cla: 0x00,
          ins: (ins & 1) === 0 ? 0xa4 : 0xb1,
          p1: 0x02,
          p2: 0x0c,
          data: rng.bytes(1 + (len % 40)),
        });
        const { apdu } = protect(session, plain, 'sm-corrupt-cryptogram');
        let error: unknown;
        try {
          unwrapCommand(session, apdu);
        } catch (e) {
          error = e;
        }
        expect(error, `run ${i}`).toBeInstanceOf(SmError);
        expect((error as SmError).message, `run ${i}`).toMatch(/padding/);
      }
    });
  }
});
