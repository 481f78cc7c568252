/**
 * The null card: `9000` to everything. It is the baseline the benchmarks divide by, so that
 * their ratios measure the emulator and not the machine.
 */
import { encodeResponseApdu } from '../apdu/response-apdu.ts';
import { SW_9000_OK } from '../apdu/status-words.ts';
import type { Card } from './card.ts';

const OK = encodeResponseApdu({ data: new Uint8Array(0), sw: SW_9000_OK });

export class NullCard implements Card {
  readonly atr: Uint8Array;
  private on = false;

  constructor(atr: Uint8Array = Uint8Array.of(0x3b, 0x80, 0x80, 0x01, 0x01)) {
    this.atr = atr;
  }

  get powered(): boolean {
    return this.on;
  }

  powerOn(): Uint8Array {
    this.on = true;
    return this.atr;
  }

  powerOff(): void {
    this.on = false;
  }

  reset(): Uint8Array {
    this.on = true;
    return this.atr;
  }

  transmit(_command: Uint8Array): Uint8Array {
    return OK.slice();
  }
}
