/** A card that forwards everything to an inner emulated card; mutants override what they break. */
import { mutationHooks, type MutationHooks } from '../../../emulator/src/card/card-os.ts';
import type { Card, EmulatedCard } from '../../../emulator/src/card/card.ts';

/** Forwards to an inner card; subclasses post-process, reaching inside only through `hooks`. */
export class CardWrapper implements Card {
  protected readonly inner: EmulatedCard;
  /** The documented mutation hooks of the inner card (handlers, secure-messaging session). */
  protected readonly hooks: MutationHooks;
  constructor(inner: EmulatedCard) {
    this.inner = inner;
    this.hooks = mutationHooks(inner);
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
