/**
 * A transport test card (modelled on the dependency-free echo card used to measure the vpcd
 * stack, vpcd/README.md §6, rebuilt on the Card interface): `80 EE` echoes its command data, `80 EF P1 P2` answers P1P2 bytes of filler, anything
 * else 9000. It tests what transports must carry (extended lengths, frame limits), not a personality.
 */
import { ApduFormatError, parseCommandApdu } from '../../emulator/src/apdu/command-apdu.ts';
import { encodeResponseApdu } from '../../emulator/src/apdu/response-apdu.ts';
import { SW_6700_WRONG_LENGTH, SW_9000_OK } from '../../emulator/src/apdu/status-words.ts';
import { NullCard } from '../../emulator/src/card/null-card.ts';

export const ECHO_ATR = Uint8Array.of(
  0x3b,
  0x88,
  0x80,
  0x01,
  ...new TextEncoder().encode('EchoCard'),
  0x00,
);
// TCK = XOR of T0..last historical byte (ISO/IEC 7816-3 §8.2.5).
ECHO_ATR[ECHO_ATR.length - 1] = ECHO_ATR.slice(1, -1).reduce((x, b) => x ^ b, 0);

/** The null card's power handling, with the two test instructions. */
export class EchoCard extends NullCard {
  commands = 0;

  constructor(atr: Uint8Array = ECHO_ATR) {
    super(atr);
  }

  override transmit(command: Uint8Array): Uint8Array {
    this.commands++;
    let apdu;
    try {
      apdu = parseCommandApdu(command);
    } catch (e) {
      if (e instanceof ApduFormatError)
        return encodeResponseApdu({ data: new Uint8Array(0), sw: SW_6700_WRONG_LENGTH });
      throw e;
    }
    if (apdu.cla === 0x80 && apdu.ins === 0xee)
      return encodeResponseApdu({ data: apdu.data, sw: SW_9000_OK });
    if (apdu.cla === 0x80 && apdu.ins === 0xef)
      return encodeResponseApdu({
        data: new Uint8Array((apdu.p1 << 8) | apdu.p2).fill(0xa5),
        sw: SW_9000_OK,
      });
    return super.transmit(command);
  }
}
