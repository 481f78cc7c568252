/**
 * The card boundary (DESIGN.md §2, rule 1): ATR and power control plus raw bytes in, raw
 * bytes out. Every transport and channel talks to a card only through this interface.
 */

export interface Card {
  /** Cold reset: power on and return the ATR. Powering an already powered card resets it. */
  powerOn(): Uint8Array;
  /** Removes power: every volatile state (selection, SM, security status, buffers) is lost. */
  powerOff(): void;
  /** Warm reset: same volatile-state loss as a power cycle; returns the ATR. */
  reset(): Uint8Array;
  /** Raw command APDU to raw response APDU. Never throws; always returns at least SW1 SW2. */
  transmit(command: Uint8Array): Uint8Array;
  readonly atr: Uint8Array;
  readonly powered: boolean;
}

/** One command/response pair as seen at the card boundary. */
export interface ExchangeEvent {
  /** Command bytes as received. */
  readonly command: Uint8Array;
  /** Response bytes as sent. */
  readonly response: Uint8Array;
  /** Unprotected command, when the command was secure-messaging protected. */
  readonly plainCommand?: Uint8Array;
  /** Unprotected response, when the response was secure-messaging protected. */
  readonly plainResponse?: Uint8Array;
  /** Monotonic microseconds from the card's clock. */
  readonly tStart: number;
  readonly tEnd: number;
  /** Card-side remarks (SM session ended, internal fault, …). */
  readonly notes: readonly string[];
}

export interface PowerEvent {
  readonly kind: 'power-on' | 'power-off' | 'reset';
  readonly t: number;
  readonly atr?: Uint8Array;
}

export interface CardObserver {
  exchange?(event: ExchangeEvent): void;
  power?(event: PowerEvent): void;
}

/** A card whose exchanges can be observed (the emulator-side recorder hooks in here). */
export interface ObservableCard extends Card {
  /** Registers an observer; returns the function that removes it. */
  observe(observer: CardObserver): () => void;
}

/** An emulated card as factories hand it out: observable, with its internal-fault record. */
export interface EmulatedCard extends ObservableCard {
  /**
   * Internal faults so far (exceptions other than card errors, answered 6F00). Non-empty means a
   * defect in the emulator; in strict mode the fault is thrown instead.
   */
  readonly faults: readonly Error[];
}
