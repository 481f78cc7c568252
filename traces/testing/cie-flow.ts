/**
 * The main eMRTD flow of a CIE for the trace tests: read EF.CardAccess, PACE with the CAN, then
 * under PACE secure messaging select the eMRTD application and read EF.COM, DG1 and EF.SOD in
 * 0xE0-byte chunks (emrtd/README.md §1.4, §1.6: what the CIE SDKs do). The plain form of every protected
 * exchange is reported to a recording channel.
 */
import { commandApdu, type CommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import type { Rng } from '../../emulator/src/crypto/rng.ts';
import { unwrapResponse, wrapCommand } from '../../emulator/src/sm/sm-codec.ts';
import { encodeCommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { encodeResponseApdu } from '../../emulator/src/apdu/response-apdu.ts';
import type { SmSession } from '../../emulator/src/sm/sm-session.ts';
import type { ApduChannel } from '../../harness/channel/apdu-channel.ts';
import { isPlainFormSink } from '../record/recording-channel.ts';
import { transmitAll } from '../record/transmit-all.ts';
import { CIE_PACE_MSE, paceEstablisher } from '../replay/pace-establisher.ts';
import type { TraceExchange } from '../format/schema.ts';
import { SW_9000_OK } from '../../emulator/src/apdu/status-words.ts';

const CHUNK = 0xe0;

async function sm(
  ch: ApduChannel,
  s: SmSession,
  plain: CommandApdu,
): Promise<{ s: SmSession; data: Uint8Array; sw: number }> {
  const w = wrapCommand(s, plain);
  const wire = encodeCommandApdu(w.apdu);
  const rsp = await transmitAll(ch, wire);
  const u = unwrapResponse(w.session, plain.ins, rsp.subarray(0, rsp.length - 2));
  if (isPlainFormSink(ch))
    ch.notePlain(wire, encodeCommandApdu(plain), encodeResponseApdu(u.response));
  return { s: u.session, data: u.response.data, sw: u.response.sw };
}

async function readFile(ch: ApduChannel, s0: SmSession, fid: number): Promise<SmSession> {
  let { s } = await sm(
    ch,
    s0,
    commandApdu({
      cla: 0,
      ins: 0xa4,
      p1: 0x02,
      p2: 0x0c,
      data: Uint8Array.of(fid >> 8, fid & 0xff),
    }),
  );
  for (let offset = 0; ; offset += CHUNK) {
    const r = await sm(
      ch,
      s,
      commandApdu({ cla: 0, ins: 0xb0, p1: offset >> 8, p2: offset & 0xff, ne: CHUNK }),
    );
    s = r.s;
    if (r.sw !== SW_9000_OK || r.data.length < CHUNK) return s;
  }
}

export async function cieEmrtdFlow(ch: ApduChannel, can: string, rng: Rng): Promise<void> {
  for (const c of ['00A4020C02011C', '00B0000006', '00B0000016']) await transmitAll(ch, fromHex(c));
  const block: TraceExchange[] = [
    { type: 'exchange', seq: 1, tStart: 0, tEnd: 0, command: CIE_PACE_MSE, response: '9000' },
  ];
  let s = await paceEstablisher(can, rng).establish(ch, 'pace', block, []);
  ({ s } = await sm(
    ch,
    s,
    commandApdu({ cla: 0, ins: 0xa4, p1: 0x04, p2: 0x0c, data: fromHex('A0000002471001') }),
  ));
  for (const fid of [0x011e, 0x0101, 0x011d]) s = await readFile(ch, s, fid);
}
