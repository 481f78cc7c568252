/**
 * How the agent reaches the card — the phone's NFC reader, played by any channel of the bench:
 *
 * - `nfc` (default): the WebSocket NFC endpoint (harness/nfc, protocol `ciebench-nfc/1`), the path
 *   a mobile test build takes, with its ISO-DEP limits (`maxTransceiveLength`, extended-length
 *   flag) and its deterministic faults (tag lost, field off, delays, corrupted answers);
 * - `pcsc`: a PC/SC reader, virtual or physical, always behind the last-try PIN guard
 *   (harness/pcsc/pin-guard.ts) — a lab must never block a real card by accident;
 * - `in-process`: an emulated card object in the same process.
 *
 * One {@link CardTap} is one "hold the card to the phone": a fresh ISO-DEP activation (NFC), a
 * fresh connection (PC/SC) or a power-up (in-process). The tap's channel checks each command
 * against what the phone can send, as Android's `IsoDep.transceive` does before anything reaches
 * the radio ("Transceive length exceeds supported maximum"), and meters the exchange sizes.
 */
import { ChannelError, type ApduChannel } from '../../harness/channel/apdu-channel.ts';
import { InProcessChannel } from '../../harness/channel/in-process-channel.ts';
import type { Card } from '../../emulator/src/card/card.ts';
import type { FaultInput } from '../../harness/nfc/faults.ts';
import type { IsoDepConfigInput } from '../../harness/nfc/iso-dep-config.ts';
import { WsNfcChannel } from '../../harness/nfc/ws-nfc-channel.ts';
import { PinGuardChannel } from '../../harness/pcsc/pin-guard.ts';
import { appEvent, raise } from './events.ts';

/** What the phone's reader can do (Android `IsoDep`; PC/SC readers and in-process: no limit). */
export interface ReaderCapabilities {
  readonly extendedLength: boolean;
  readonly maxTransceiveLength: number;
}

/** Largest extended APDU (4 + 3 + 65 535 + 2) — Android's limit when extended length works. */
export const UNLIMITED_TRANSCEIVE = 65_546;

/** Sizes seen on one tap (for reports and for the tests' ISO-DEP assertions). */
export interface TapMeter {
  commands: number;
  largestCommand: number;
  largestResponse: number;
  /** INS of the last command sent (the wire INS is not encrypted under SM). */
  lastIns: number | undefined;
}

export interface CardTap {
  /** Already connected: `connect()` returns the ATR of this tap without a new activation. */
  readonly channel: ApduChannel;
  readonly atr: Uint8Array;
  readonly capabilities: ReaderCapabilities;
  readonly meter: TapMeter;
  /** Taps so far on this reader, counting this one from 0. */
  readonly index: number;
  /** The card leaves the phone (field off / disconnect / power off). */
  end(): Promise<void>;
}

export interface CardReader {
  readonly kind: 'nfc' | 'pcsc' | 'in-process';
  readonly description: string;
  /** The tap a PIN verification on this reader must be preceded by a tries-left probe. */
  readonly probeTriesBeforeVerify: boolean;
  tap(): Promise<CardTap>;
  /** Releases the reader (the NFC endpoint session). */
  close(): Promise<void>;
}

/** The connected channel of one tap: no reconnect on `connect()`, length check, metering. */
class TapChannel implements ApduChannel {
  readonly kind: string;
  readonly description: string;
  readonly meter: TapMeter = {
    commands: 0,
    largestCommand: 0,
    largestResponse: 0,
    lastIns: undefined,
  };
  private readonly inner: ApduChannel;
  private atr: Uint8Array;
  private readonly caps: ReaderCapabilities;

  constructor(inner: ApduChannel, atr: Uint8Array, caps: ReaderCapabilities) {
    this.inner = inner;
    this.atr = atr;
    this.caps = caps;
    this.kind = inner.kind;
    this.description = inner.description;
  }

  async connect(): Promise<Uint8Array> {
    return this.atr;
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    if (command.length > this.caps.maxTransceiveLength)
      raise(appEvent('EXTENDED_APDU_NOT_SUPPORTED'));
    this.meter.commands++;
    this.meter.largestCommand = Math.max(this.meter.largestCommand, command.length);
    this.meter.lastIns = command[1];
    const response = await this.inner.transmit(command);
    this.meter.largestResponse = Math.max(this.meter.largestResponse, response.length);
    return response;
  }

  async reset(): Promise<Uint8Array> {
    this.atr = await this.inner.reset();
    return this.atr;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function makeTap(
  inner: ApduChannel,
  atr: Uint8Array,
  index: number,
  caps: ReaderCapabilities,
  end: () => Promise<void>,
): CardTap {
  const channel = new TapChannel(inner, atr, caps);
  return { channel, atr, capabilities: caps, meter: channel.meter, index, end };
}

/** Connects a fresh channel; a card or reader that does not answer is "card not detected". */
async function connectFresh(inner: ApduChannel): Promise<Uint8Array> {
  try {
    return await inner.connect();
  } catch (e) {
    await inner.close().catch(() => undefined);
    if (e instanceof ChannelError) raise(appEvent('CARD_NOT_DETECTED'));
    throw e;
  }
}

/** Interval of the discovery loop (NFC polling). */
const POLL_MS = 20;

const FULL: ReaderCapabilities = {
  extendedLength: true,
  maxTransceiveLength: UNLIMITED_TRANSCEIVE,
};

export interface NfcReaderOptions {
  /** ISO-DEP parameters of the phone and card (PROTOCOL.md §3.1); default: the endpoint's. */
  readonly isoDep?: IsoDepConfigInput;
  /** Fault plan: the same for every tap, or per tap (index from 0). */
  readonly faults?: readonly FaultInput[] | ((tap: number) => readonly FaultInput[]);
  /** IsoDep.setTimeout (the IPZS SDK uses 10 000 ms). */
  readonly timeoutMs?: number;
  /** How long a tap looks for a card held by another endpoint session (default 3000 ms). */
  readonly discoveryMs?: number;
}

/**
 * The phone's NFC reader bound to the bench's WebSocket NFC endpoint. The phone keeps one
 * endpoint session (its NFC service); every tap is a new activation on it (field off, field on:
 * the card loses every volatile state and gets a new random UID) with that tap's fault plan. A
 * session that died (endpoint restarted) is replaced by a new one at the next tap.
 */
export class NfcCardReader implements CardReader {
  readonly kind = 'nfc';
  readonly description: string;
  readonly probeTriesBeforeVerify = false;
  private readonly url: string;
  private readonly options: NfcReaderOptions;
  private channel: WsNfcChannel | undefined;
  private taps = 0;

  constructor(url: string, options: NfcReaderOptions = {}) {
    this.url = url;
    this.options = options;
    this.description = `NFC endpoint ${url}`;
  }

  async tap(): Promise<CardTap> {
    const index = this.taps++;
    const f = this.options.faults;
    const faults = (typeof f === 'function' ? f(index) : f) ?? [];
    const { ch, atr } = await this.activate(faults);
    const tag = ch.isoDep;
    const caps: ReaderCapabilities = {
      extendedLength: tag?.isExtendedLengthApduSupported() ?? false,
      maxTransceiveLength: tag?.maxTransceiveLength ?? 261,
    };
    // The card stays within reach between taps: the next tap re-activates it.
    return makeTap(ch, atr, index, caps, async () => undefined);
  }

  private async activate(
    faults: readonly FaultInput[],
  ): Promise<{ ch: WsNfcChannel; atr: Uint8Array }> {
    const current = this.channel;
    if (current) {
      try {
        await current.isoDep?.setFaults(faults);
        return { ch: current, atr: await current.reset() };
      } catch {
        this.channel = undefined;
        await current.close().catch(() => undefined);
      }
    }
    // Polling for the tag: a card still held by another session (endpoint close code 4409) is
    // looked for again until the discovery time is up, as a phone keeps polling its field.
    const deadline = performance.now() + (this.options.discoveryMs ?? 3000);
    for (;;) {
      const fresh = new WsNfcChannel(this.url, {
        ...(this.options.isoDep ? { isoDep: this.options.isoDep } : {}),
        ...(faults.length > 0 ? { faults } : {}),
        timeoutMs: this.options.timeoutMs ?? 10_000,
      });
      try {
        const atr = await fresh.connect();
        this.channel = fresh;
        return { ch: fresh, atr };
      } catch (e) {
        await fresh.close().catch(() => undefined);
        const busy = e instanceof ChannelError && e.code === 'CHANNEL_CLOSED';
        if (!busy || performance.now() > deadline) {
          if (e instanceof ChannelError) raise(appEvent('CARD_NOT_DETECTED'));
          throw e;
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }
  }

  async close(): Promise<void> {
    const ch = this.channel;
    this.channel = undefined;
    await ch?.close();
  }
}

export interface PcscReaderOptions {
  /** Exact reader name or a unique part of it; default: the only reader with a card. */
  readonly reader?: string;
  /** Let the guard send a VERIFY that could block the PIN/PUK (never the default). */
  readonly allowLastTry?: boolean;
  readonly onGuardDecision?: (text: string) => void;
}

/** A PC/SC reader (virtual or physical) behind the last-try PIN guard. */
export class PcscCardReader implements CardReader {
  readonly kind = 'pcsc';
  readonly description: string;
  /** The guard needs the count before it lets a protected VERIFY through. */
  readonly probeTriesBeforeVerify = true;
  private readonly options: PcscReaderOptions;
  private taps = 0;

  constructor(options: PcscReaderOptions = {}) {
    this.options = options;
    this.description = `PC/SC reader ${options.reader ?? '(the one with a card)'}`;
  }

  async tap(): Promise<CardTap> {
    // Loaded here: the PC/SC binding is an optional dependency.
    const { PcscChannel } = await import('../../harness/pcsc/pcsc-channel.ts');
    const reader = new PcscChannel(this.options.reader ? { reader: this.options.reader } : {});
    const guarded = new PinGuardChannel(reader, {
      allowLastTry: this.options.allowLastTry ?? false,
      ...(this.options.onGuardDecision ? { onDecision: this.options.onGuardDecision } : {}),
    });
    const atr = await connectFresh(guarded);
    return makeTap(guarded, atr, this.taps++, FULL, () => guarded.close().catch(() => undefined));
  }

  async close(): Promise<void> {}
}

/** An emulated card in this process; every tap powers it up, the end of a tap powers it down. */
export class InProcessCardReader implements CardReader {
  readonly kind = 'in-process';
  readonly description: string;
  readonly probeTriesBeforeVerify = false;
  private readonly card: Card;
  private taps = 0;

  constructor(card: Card, description = 'emulated CIE') {
    this.card = card;
    this.description = `in-process ${description}`;
  }

  async tap(): Promise<CardTap> {
    const ch = new InProcessChannel(this.card, this.description);
    const atr = await connectFresh(ch);
    return makeTap(ch, atr, this.taps++, FULL, () => ch.close());
  }

  async close(): Promise<void> {}
}
