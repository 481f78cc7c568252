/**
 * A transport test card (the Appendix A card of virtual-reader-nfc.md, rebuilt on the Card
 * interface): `80 EE` echoes its command data, `80 EF P1 P2` answers P1P2 bytes of filler, anything
 * else 9000. It tests what transports must carry (extended lengths, frame limits), not a personality.
 */
import { ApduFormatError, parseCommandApdu } from '../../../emulator/src/apdu/command-apdu.ts';
import type { Card } from '../../../emulator/src/card/card.ts';

export const ECHO_ATR = Uint8Array.of(0x3b, 0x88, 0x80, 0x01, ...new TextEncoder().encode('EchoCard'), 0x00);
// TCK = XOR of T0..last historical byte (ISO/IEC 7816-3 §8.2.5).
ECHO_ATR[ECHO_ATR.length - 1] = ECHO_ATR.slice(1, -1).reduce((x, b) => x ^ b, 0);

export class EchoCard implements Card {
  readonly atr: Uint8Array;
  powered = false;
  commands = 0;

  constructor(atr: Uint8Array = ECHO_ATR) {
    this.atr = atr;
  }

  powerOn(): Uint8Array {
    this.powered = true;
    return this.atr;
  }

  powerOff(): void {
    this.powered = false;
  }

  reset(): Uint8Array {
    this.powered = true;
    return this.atr;
  }

  transmit(command: Uint8Array): Uint8Array {
    this.commands++;
    let apdu;
    try {
      apdu = parseCommandApdu(command);
    } catch (e) {
      if (e instanceof ApduFormatError) return Uint8Array.of(0x67, 0x00);
      throw e;
    }
    if (apdu.cla === 0x80 && apdu.ins === 0xee) return Uint8Array.from([...apdu.data, 0x90, 0x00]);
    if (apdu.cla === 0x80 && apdu.ins === 0xef) {
      const n = (apdu.p1 << 8) | apdu.p2;
      const out = new Uint8Array(n + 2).fill(0xa5);
      out[n] = 0x90;
      out[n + 1] = 0x00;
      return out;
    }
    return Uint8Array.of(0x90, 0x00);
  }
}
