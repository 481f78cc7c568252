/**
 * A PACE session establisher (ICAO 9303-11 §4.4, GENERAL AUTHENTICATE dialogue of §4.4.4.1) over
 * any channel, driving the terminal-side PACE of `emulator/src/protocols/pace/pace-terminal.ts`.
 * The MSE:Set AT of the source block is resent as recorded (it carries the protocol OID and the
 * password reference); then the four GA steps are run with fresh keys. Used by replay and by the
 * trace tests until the eMRTD inspection system (harness/terminals/emrtd) offers its own.
 */
import { HostError } from '../../emulator/src/host-error.ts';
import {
  commandApdu,
  encodeCommandApdu,
  parseCommandApdu,
} from '../../emulator/src/apdu/command-apdu.ts';
import { findTlvPath, parseTlvTree, tlv } from '../../emulator/src/bytes/ber-tlv.ts';
import { fromHex, toHex } from '../../emulator/src/bytes/hex.ts';
import { asciiBytes } from '../../emulator/src/bytes/bytes.ts';
import type { Rng } from '../../emulator/src/crypto/rng.ts';
import { paceProtocol } from '../../emulator/src/protocols/oids.ts';
import { PaceTerminal } from '../../emulator/src/protocols/pace/pace-terminal.ts';
import { decodeOid } from '../annotate/tlv-render.ts';
import type { ApduChannel } from '../../harness/channel/apdu-channel.ts';
import type { SessionEstablisher } from './replay.ts';
import { transmitAll } from '../record/transmit-all.ts';

export class PaceReplayError extends HostError {
  readonly code = 'PACE_REPLAY';
}

/** The CIE's PACE (emrtd/README.md §1.2): DH-GM-3DES, parameterId 2, CAN (reference 02). */
export const CIE_PACE_MSE = '0022C1A40F800A04007F00070202040101830102';

async function ga(
  ch: ApduChannel,
  last: boolean,
  tag: number,
  value: Uint8Array | undefined,
  expect: number,
): Promise<Uint8Array> {
  const data = tlv(0x7c, ...(value ? [tlv(tag, value)] : []));
  // Steps 2-3 carry 256-byte DH keys: extended length, Le 0000 (emrtd/README.md §1.4 row 6).
  const ne = data.length > 255 ? 65536 : 256;
  const rsp = await transmitAll(
    ch,
    encodeCommandApdu(commandApdu({ cla: last ? 0x00 : 0x10, ins: 0x86, p1: 0, p2: 0, data, ne })),
  );
  const sw = toHex(rsp.subarray(-2));
  if (sw !== '9000') throw new PaceReplayError(`GENERAL AUTHENTICATE answered ${sw}`);
  const v = findTlvPath(parseTlvTree(rsp.subarray(0, rsp.length - 2)), [0x7c, expect]);
  if (v === undefined)
    throw new PaceReplayError(`GENERAL AUTHENTICATE response without DO ${expect.toString(16)}`);
  return v.value;
}

export function paceEstablisher(can: string, rng: Rng, parameterId = 2): SessionEstablisher {
  return {
    async establish(ch, protocol, block) {
      if (protocol !== 'pace')
        throw new PaceReplayError(`this establisher runs PACE, not ${protocol}`);
      const mseHex = block.find((x) => x.command.startsWith('0022C1A4'))?.command ?? CIE_PACE_MSE;
      const mse = parseCommandApdu(fromHex(mseHex));
      const oidDo = findTlvPath(parseTlvTree(mse.data), [0x80]);
      const oid = oidDo ? decodeOid(oidDo.value) : undefined;
      const proto = oid ? paceProtocol(oid) : undefined;
      if (proto === undefined)
        throw new PaceReplayError(`MSE:Set AT without a PACE OID: ${mseHex}`);
      const mseRsp = await ch.transmit(fromHex(mseHex));
      if (toHex(mseRsp) !== '9000')
        throw new PaceReplayError(`MSE:Set AT answered ${toHex(mseRsp)}`);
      const t = new PaceTerminal(proto, parameterId, asciiBytes(can), {
        privateKey: (d) => d.randomPrivateKey(rng),
      });
      const z = await ga(ch, false, 0, undefined, 0x80);
      const pkMapIc = await ga(ch, false, 0x81, t.mappingKey(z), 0x82);
      const pkIc = await ga(ch, false, 0x83, t.ephemeralKey(pkMapIc), 0x84);
      const tIc = await ga(ch, true, 0x85, t.token(pkIc), 0x86);
      return t.finish(tIc);
    },
  };
}
