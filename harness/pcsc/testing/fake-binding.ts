/**
 * A scripted stand-in for the `smartcard` binding: readers hold emulated cards, and tests can
 * remove a card, make pcsc-lite's error texts appear, or return the empty "successful" answer of
 * Debian's vpcd (vpcd/README.md §7 item 7).
 */
import type { Card } from '../../../emulator/src/card/card.ts';
import {
  SCARD_PROTOCOL_T0,
  SCARD_PROTOCOL_T1,
  SCARD_STATE_EMPTY,
  SCARD_STATE_PRESENT,
  type PcscBinding,
  type PcscCard,
  type PcscContext,
  type PcscReader,
} from '../pcsc-binding.ts';

export interface FakeSlot {
  readonly name: string;
  card: Card | undefined;
  /** Protocol the fake negotiates (default T=1). */
  protocol?: number;
  /** Next transmit fails with this pcsc-lite text. */
  failNext?: string | undefined;
  /** Next transmit returns an empty buffer (vpcd when the card vanished mid-APDU). */
  emptyNext?: boolean;
  /** Remove the card when the next transmit happens (after it fails). */
  removeOnNext?: boolean;
  /** Commands the reader received, hex. */
  readonly log: string[];
  /** maxRecvLength values seen. */
  readonly recvLengths: number[];
}

function fakeCard(slot: FakeSlot, protocols: number): PcscCard {
  const card = slot.card;
  if (!card) throw new Error('No smart card present');
  const protocol =
    slot.protocol ?? (protocols & SCARD_PROTOCOL_T1 ? SCARD_PROTOCOL_T1 : SCARD_PROTOCOL_T0);
  let connected = true;
  const removed = (): boolean => slot.card !== card;
  return {
    protocol,
    atr: Buffer.from(card.atr),
    async transmit(command, options) {
      slot.log.push(command.toString('hex').toUpperCase());
      slot.recvLengths.push(options?.maxRecvLength ?? 258);
      if (slot.removeOnNext) {
        slot.removeOnNext = false;
        slot.card = undefined;
      }
      if (slot.emptyNext) {
        slot.emptyNext = false;
        return Buffer.alloc(0);
      }
      const fail = slot.failNext;
      if (fail) {
        slot.failNext = undefined;
        throw new Error(fail);
      }
      if (removed()) throw new Error('Card was removed');
      return Buffer.from(card.transmit(new Uint8Array(command)));
    },
    async control() {
      throw new Error('Unknown PC/SC error');
    },
    getStatus() {
      if (removed()) throw new Error('Card was removed');
      return { state: SCARD_STATE_PRESENT, protocol, atr: Buffer.from(card.atr) };
    },
    disconnect() {
      connected = false;
    },
    async reconnect(_share, _protocols, init) {
      if (!connected) throw new Error('Card is not connected');
      if (removed()) throw new Error('Card was removed');
      if (init === 1) card.reset();
      return protocol;
    },
  };
}

export function fakeBinding(slots: FakeSlot[]): PcscBinding {
  class Context implements PcscContext {
    listReaders(): PcscReader[] {
      return slots.map((slot) => ({
        name: slot.name,
        state: slot.card ? SCARD_STATE_PRESENT : SCARD_STATE_EMPTY,
        atr: slot.card ? Buffer.from(slot.card.atr) : null,
        async connect(_share?: number, protocols = 3) {
          if (!slot.card) throw new Error('No smart card present');
          slot.card.powerOn();
          return fakeCard(slot, protocols);
        },
      }));
    }
    async waitForChange(): Promise<null> {
      return null;
    }
    close(): void {}
  }
  return { Context };
}

export function slot(
  name: string,
  card: Card | undefined,
  extra: Partial<FakeSlot> = {},
): FakeSlot {
  return { name, card, log: [], recvLengths: [], ...extra };
}
