/**
 * Mutated secure-messaging commands. Every byte of a protected command except the unprotected
 * trailing Le is bound to the session — by the MAC (ICAO 9303-11 §9.8.4: header, DO 87/85, DO 97)
 * or by the structure the MAC check needs — so a damaged command is an SM error or a command the
 * card refuses before SM processing: answered in plain, and the session (with every right earned
 * in it) is gone. Nothing damaged is ever executed under the session — except a re-encoding that
 * leaves every protected byte as the terminal sent it (a long-form length of DO 8E, which the MAC
 * does not cover; the outer Le taking the place of a deleted last MAC byte that was `00`): the
 * card then runs exactly the command the terminal protected, which is counted, not a violation.
 *
 * - `sm-mutations`: the generic pipeline (ISO test card, 3DES and AES sessions started by the test
 *   hook), many mutations per second;
 * - `ias-sm-mutations`: the real IAS session after DH + DAPP + VERIFY PIN, one mutation per
 *   session, checking that the verified PIN is gone and a signature with key 81 is refused.
 */
import { cardState } from '../../../emulator/src/card/card-os.ts';
import {
  commandApdu,
  encodeCommandApdu,
  type CommandApdu,
} from '../../../emulator/src/apdu/command-apdu.ts';
import { toHex } from '../../../emulator/src/bytes/hex.ts';
import { isoTestFileSystemSpec } from '../../../emulator/src/profiles/iso-test-card.ts';
import { wrapCommand } from '../../../emulator/src/sm/sm-codec.ts';
import { smSession, type SmSession } from '../../../emulator/src/sm/sm-session.ts';
import { aesSuite } from '../../../emulator/src/sm/suites/aes.ts';
import { des3Suite } from '../../../emulator/src/sm/suites/des3.ts';
import { createSmTestCard, START_SM_APDU } from '../../../emulator/src/profiles/sm-test-card.ts';
import { rig, toPinVerified } from '../../terminals/ias/testing.ts';
import { Chooser, Tally, type FuzzTarget } from '../fuzz-kit.ts';

const GENERIC_INPUTS = 100_000;
const IAS_INPUTS = 150;

const PLAIN: readonly CommandApdu[] = [
  commandApdu({ cla: 0, ins: 0xa4, p1: 0x02, p2: 0x0c, data: Uint8Array.of(0x01, 0x01) }),
  commandApdu({ cla: 0, ins: 0xb0, p1: 0x00, p2: 0x00, ne: 16 }),
  commandApdu({ cla: 0, ins: 0xb0, p1: 0x81, p2: 0x10, ne: 256 }),
  commandApdu({ cla: 0, ins: 0x84, p1: 0, p2: 0, ne: 8 }),
  commandApdu({ cla: 0, ins: 0xb1, p1: 0, p2: 0x01, data: Uint8Array.of(0x54, 0x01, 0x00), ne: 8 }),
];

/**
 * One damage to the wire form of a protected command, anywhere but the final Le byte: bit flips,
 * a changed, inserted or deleted byte, a truncation. Returns undefined when nothing changed.
 */
export function damage(c: Chooser, wire: Uint8Array): Uint8Array | undefined {
  const body = wire.subarray(0, wire.length - 1);
  const le = wire.subarray(wire.length - 1);
  let out: Uint8Array;
  const at = c.int(body.length);
  switch (c.int(5)) {
    case 0: {
      out = body.slice();
      for (let k = 1 + c.int(3); k > 0; k--) {
        const i = c.chance(0.7) ? at : c.int(body.length);
        out[i] = (out[i] as number) ^ (1 << c.int(8));
      }
      break;
    }
    case 1:
      out = body.slice();
      out[at] = c.byte();
      break;
    case 2:
      out = Uint8Array.from([...body.subarray(0, at), c.byte(), ...body.subarray(at)]);
      break;
    case 3:
      out = Uint8Array.from([...body.subarray(0, at), ...body.subarray(at + 1)]);
      break;
    default:
      out = body.subarray(0, at).slice();
  }
  // Keep Lc consistent half of the time, so the damage also reaches the DO parser and the MAC.
  if (out.length > 5 && c.chance(0.5)) out[4] = Math.min(255, out.length - 5);
  const full = Uint8Array.from([...out, ...le]);
  return toHex(full) === toHex(wire) ? undefined : full;
}

function session(c: Chooser): SmSession {
  return c.chance(0.5)
    ? smSession(des3Suite, c.bytes(16), c.bytes(16), BigInt(c.int(1 << 20)))
    : smSession(aesSuite, c.bytes(16), c.bytes(16), BigInt(c.int(1 << 20)));
}

export const smMutations: FuzzTarget = {
  name: 'secure messaging, mutated commands (pipeline)',
  run: async (seed) => {
    const t = new Tally('sm-mutations', 'answered in plain; session ended; never executed');
    const c = new Chooser(seed);
    let current = session(c);
    const card = createSmTestCard({
      mfChildren: isoTestFileSystemSpec().children,
      session: () => current,
    });
    card.powerOn();
    let executed: string | undefined;
    card.observe({ exchange: (e) => (executed = e.plainCommand && toHex(e.plainCommand)) });
    let equivalent = 0;
    while (t.inputs < GENERIC_INPUTS) {
      current = session(c);
      card.transmit(START_SM_APDU);
      const plain = c.pick(PLAIN);
      const wire = encodeCommandApdu(wrapCommand(current, plain).apdu);
      const bad = damage(c, wire);
      if (!bad) continue;
      t.inputs++;
      executed = undefined;
      const r = card.transmit(bad);
      if (executed !== undefined) {
        if (executed === toHex(encodeCommandApdu(plain))) equivalent++;
        else t.fail(`${toHex(bad)} ran ${executed}, not the protected command`);
        continue;
      }
      // Damage that cleared the SM bits of the class makes a plain command: executed in plain.
      const stillProtected = ((bad[0] as number) & 0x0c) !== 0;
      if (stillProtected && r.length !== 2)
        t.fail(`${toHex(bad)} answered ${toHex(r)} (not a plain status word)`);
      if (cardState(card).sm) t.fail(`${toHex(bad)} left the session alive`);
    }
    t.figures.push(
      `${equivalent} damaged encodings kept every protected byte and ran the protected command itself`,
    );
    return t;
  },
};

export const iasSmMutations: FuzzTarget = {
  name: 'secure messaging, mutated commands (IAS after DAPP + PIN)',
  run: async (seed) => {
    const t = new Tally('ias-sm-mutations', 'session and verified PIN gone; no signature');
    const c = new Chooser(seed);
    while (t.inputs < IAS_INPUTS) {
      const r = rig({ seed: `${seed}-${t.inputs}` });
      await toPinVerified(r);
      const link = r.terminal.link;
      const plain = commandApdu({
        cla: 0,
        ins: c.pick([0x22, 0x84, 0xb0, 0xa4, 0x88]),
        p1: c.pick([0x41, 0x00, 0x02]),
        p2: c.pick([0xa4, 0x00, 0x0c]),
        data: c.chance(0.7) ? c.bytes(1 + c.int(30)) : new Uint8Array(0),
        ...(c.chance(0.5) ? { ne: 256 } : {}),
      });
      const s = link.session;
      if (!s) throw new Error('fuzz setup: no IAS session');
      const wire = encodeCommandApdu(wrapCommand(s, plain).apdu);
      const bad = damage(c, wire);
      if (!bad) continue;
      t.inputs++;
      await r.channel.transmit(bad);
      const card = r.cie.card;
      if (cardState(card).sm) t.fail(`${toHex(bad)} left the IAS session alive`);
      if (cardState(card).security.list().length > 0)
        t.fail(`${toHex(bad)} left rights: ${cardState(card).security.list().join(', ')}`);
    }
    return t;
  },
};
