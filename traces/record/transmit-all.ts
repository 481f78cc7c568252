/** Transmit following `61xx` with GET RESPONSE (ISO/IEC 7816-4:2020 §5.3.4), as terminals do. */
import { concatBytes } from '../../emulator/src/bytes/bytes.ts';
import type { ApduChannel } from '../../harness/channel/apdu-channel.ts';

export async function transmitAll(ch: ApduChannel, command: Uint8Array): Promise<Uint8Array> {
  let rsp = await ch.transmit(command);
  const parts: Uint8Array[] = [];
  while (rsp.length >= 2 && rsp[rsp.length - 2] === 0x61) {
    parts.push(rsp.subarray(0, rsp.length - 2));
    rsp = await ch.transmit(Uint8Array.of(0x00, 0xc0, 0x00, 0x00, rsp[rsp.length - 1] as number));
  }
  return parts.length ? concatBytes(...parts, rsp) : rsp;
}
