/** A card that forwards everything to an inner emulated card; mutants override what they break. */
import type { CardOs } from '../../../emulator/src/card/card-os.ts';
import type { Card } from '../../../emulator/src/card/card.ts';

/** Forwards to an inner card; subclasses post-process. */
export class CardWrapper implements Card {
  protected readonly inner: CardOs;
  constructor(inner: CardOs) {
    this.inner = inner;
  }
  get atr(): Uint8Array {
    return this.inner.atr;
  }
  get powered(): boolean {
    return this.inner.powered;
  }
  powerOn(): Uint8Array {
    return this.inner.powerOn();
  }
  powerOff(): void {
    this.inner.powerOff();
  }
  reset(): Uint8Array {
    return this.inner.reset();
  }
  transmit(command: Uint8Array): Uint8Array {
    return this.inner.transmit(command);
  }
}
