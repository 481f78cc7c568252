/**
 * A test terminal flow over any channel: plain SELECT/READ, GET CHALLENGE, then an SM session
 * opened by the test instruction `E0`, protected SELECT/READ (with the plain form reported to a
 * recording channel, as a reference terminal does).
 */
import {
  commandApdu,
  encodeCommandApdu,
  type CommandApdu,
} from '../../emulator/src/apdu/command-apdu.ts';
import { encodeResponseApdu } from '../../emulator/src/apdu/response-apdu.ts';
import { transmitAll } from '../record/transmit-all.ts';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import { seededRng } from '../../emulator/src/crypto/rng.ts';
import { unwrapResponse, wrapCommand } from '../../emulator/src/sm/sm-codec.ts';
import { smSession, type SmSession } from '../../emulator/src/sm/sm-session.ts';
import { des3Suite } from '../../emulator/src/sm/suites/des3.ts';
import type { ApduChannel } from '../../harness/channel/apdu-channel.ts';
import { isPlainFormSink } from '../record/recording-channel.ts';

export const PLAIN_PART: readonly string[] = [
  '00A4000C023F00',
  '00B0810008',
  '00A4040C07A0000000990102',
  '00B0000014',
  '00B2020C00',
  '0084000008',
];

export { transmitAll };

/** Sends one plain command given as hex. */
export async function send(ch: ApduChannel, hex: string): Promise<Uint8Array> {
  return transmitAll(ch, fromHex(hex));
}

/** Sends `plain` protected with `s`; reports the plain form to a recording channel; returns the next session. */
export async function sendSm(
  ch: ApduChannel,
  s: SmSession,
  plain: CommandApdu,
): Promise<SmSession> {
  const w = wrapCommand(s, plain);
  const wire = encodeCommandApdu(w.apdu);
  const rsp = await transmitAll(ch, wire);
  const u = unwrapResponse(w.session, plain.ins, rsp.subarray(0, rsp.length - 2));
  if (isPlainFormSink(ch))
    ch.notePlain(wire, encodeCommandApdu(plain), encodeResponseApdu(u.response));
  return u.session;
}

/** The flow; `seed` is the card's RNG seed (the card drew the 8-byte challenge, then the keys). */
export async function testFlow(ch: ApduChannel, seed: string): Promise<void> {
  for (const c of PLAIN_PART) await send(ch, c);
  await send(ch, '00E00000');
  const rng = seededRng(seed);
  rng.bytes(8);
  let s = smSession(des3Suite, rng.bytes(16), rng.bytes(16), 0n);
  s = await sendSm(
    ch,
    s,
    commandApdu({ cla: 0, ins: 0xa4, p1: 0x02, p2: 0x0c, data: fromHex('5001') }),
  );
  s = await sendSm(ch, s, commandApdu({ cla: 0, ins: 0xb0, p1: 0, p2: 0, ne: 20 }));
  await sendSm(ch, s, commandApdu({ cla: 0, ins: 0xb0, p1: 0, p2: 0x10, ne: 16 }));
}
