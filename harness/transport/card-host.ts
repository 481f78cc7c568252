/**
 * Runs one emulated card on its transports, as `ciebench card start` does: a vpcd reader slot
 * (the card connects, or listens in reversed mode) and, optionally, the WebSocket NFC endpoint.
 *
 * One card is in one place at a time, as a real CIE is: an NFC session gets the card only once it
 * is out of the PC/SC reader (the reader's command in flight finished; applications there see a
 * removal), and the card goes back into the reader only once the NFC session has really ended
 * (its command in flight finished, field off). With `nfcCards: 'fresh'` every NFC session gets its
 * own fresh card instead (parallel mobile tests) and the reader keeps the main card.
 *
 * The bench can also take the card out of every transport and put it back (`removeCard`,
 * `insertCard`: the control server's Remove and Insert), and hold or pull single APDUs through a
 * gate (card-gate.ts) — the main card only; fresh NFC cards are the tests' own.
 */
import type { Card, ObservableCard } from '../../emulator/src/card/card.ts';
import type { FaultInput } from '../nfc/faults.ts';
import type { IsoDepConfigInput } from '../nfc/iso-dep-config.ts';
import { NfcServer, type NfcServerEvent } from '../nfc/ws-server.ts';
import { ReaderSlot } from '../vpcd/reader-slot.ts';
import { ViccClient, type ViccClientEvent } from '../vpcd/vicc-client.ts';
import type { ViccEndpointEvent } from '../vpcd/vicc-endpoint.ts';
import { ViccServer, type ViccServerEvent } from '../vpcd/vicc-server.ts';
import { toHex } from '../../emulator/src/bytes/hex.ts';
import type { CardGate } from './card-gate.ts';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface CardHostOptions {
  readonly card: Card;
  readonly description: string;
  /** The card connects to this vpcd reader slot (normal mode). */
  readonly vpcd?: Endpoint;
  /** The card listens here for a vpcd reader (reversed mode). */
  readonly vpcdListen?: Endpoint;
  readonly nfc?: Endpoint;
  readonly nfcCards?: 'shared' | 'fresh';
  /** Card factory for `nfcCards: 'fresh'`. */
  readonly freshCard?: () => Card | Promise<Card>;
  readonly isoDep?: IsoDepConfigInput;
  readonly faults?: readonly FaultInput[];
  /** Transport events as text lines, tagged with where they happened. */
  readonly onLine?: (tag: string, text: string) => void;
  /** Where the card currently is, for per-APDU log lines. */
  readonly onWhere?: (tag: string) => void;
  /** The bench's hand on the main card: asked before each APDU on every transport. */
  readonly gate?: CardGate;
}

export interface HostedAddresses {
  readonly vpcd?: string;
  readonly vpcdListen?: string;
  readonly nfc?: string;
}

function endpointText(e: ViccEndpointEvent): string | undefined {
  switch (e.kind) {
    case 'power':
      return undefined; // the card's own power events are logged at the card boundary
    case 'reader-apdu':
      return `reader answered ${toHex(e.command)} < ${toHex(e.response)} (pseudo-APDU, not sent to the card)`;
    case 'removed':
      return `card removed: ${e.reason}`;
    case 'ignored':
      return `ignored from the reader: ${e.reason}`;
  }
}

const readingPaused = (unsent: number): string =>
  `the peer does not read its answers (${unsent} bytes unsent): not reading from it until it does`;

export class CardHost {
  private readonly o: CardHostOptions;
  private client: ViccClient | undefined;
  private server: ViccServer | undefined;
  private nfc: NfcServer | undefined;
  /** Taken out by the bench: no transport gets the card until insertCard(). */
  private out = false;
  /** Stopped for good: nothing (an NFC session ending, insertCard) brings a transport back. */
  private stopped = false;
  private readonly line: (tag: string, text: string) => void;

  constructor(o: CardHostOptions) {
    this.o = o;
    this.line = o.onLine ?? ((): void => undefined);
  }

  get vpcdTag(): string {
    const e = this.o.vpcd ?? this.o.vpcdListen;
    return e ? `vpcd:${e.port}` : 'vpcd';
  }

  async start(): Promise<HostedAddresses> {
    const out: { vpcd?: string; vpcdListen?: string; nfc?: string } = {};
    if (this.o.vpcd) out.vpcd = this.startClient(this.o.vpcd);
    if (this.o.vpcdListen) out.vpcdListen = await this.startServer(this.o.vpcdListen);
    if (this.o.nfc) out.nfc = await this.startNfc(this.o.nfc);
    if (this.o.vpcd || this.o.vpcdListen) this.o.onWhere?.(this.vpcdTag);
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.stop();
    await this.server?.close();
    await this.nfc?.close();
  }

  /**
   * The bench takes the card out: the vpcd link closes, so PC/SC applications see the removal
   * (SCARD_W_REMOVED_CARD), and an NFC session loses the tag at its next APDU; nothing puts the
   * card back until insertCard(). Resolves once the reader's command in flight has finished, so
   * the gate must already answer 'removed' for a held command, or this would wait for it.
   */
  async removeCard(): Promise<void> {
    if (this.out) return;
    this.out = true;
    this.line(this.vpcdTag, 'card taken out by the bench');
    await this.leaveReader();
  }

  /** The bench puts the card back: into the PC/SC reader, unless an NFC session holds it. */
  insertCard(): void {
    if (!this.out || this.stopped) return;
    this.out = false;
    this.line(this.vpcdTag, 'card put back by the bench');
    if ((this.nfc?.sessions ?? 0) > 0 && this.o.nfcCards !== 'fresh') return;
    this.client?.start();
    this.server?.resume();
  }

  private slot(card: Card): ReaderSlot {
    const { uid, historicalBytes } = this.o.isoDep ?? {};
    return new ReaderSlot({
      card,
      identity: {
        ...(uid !== undefined ? { uid } : {}),
        ...(historicalBytes !== undefined ? { historicalBytes } : {}),
      },
      faults: this.o.faults ?? [],
      ...(this.o.gate ? { gate: this.o.gate } : {}),
    });
  }

  private startClient(e: Endpoint): string {
    const tag = this.vpcdTag;
    let waitingSaid = false;
    this.client = new ViccClient({
      host: e.host,
      port: e.port,
      slot: this.slot(this.o.card),
      onEvent: (ev: ViccClientEvent) => {
        if (ev.kind === 'connected') {
          waitingSaid = false;
          this.line(tag, 'card inserted (connected to the reader)');
        } else if (ev.kind === 'disconnected')
          this.line(
            tag,
            `card out of the reader (${ev.reason.kind}${ev.retryInMs !== undefined ? `; re-inserting in ${ev.retryInMs} ms` : ''})`,
          );
        else if (ev.kind === 'connect-failed' && !waitingSaid) {
          waitingSaid = true;
          this.line(
            tag,
            `no reader at ${e.host}:${e.port} yet (${ev.message}); retrying with backoff`,
          );
        } else if (ev.kind === 'endpoint') {
          const text = endpointText(ev.event);
          if (text) this.line(tag, text);
        } else if (ev.kind === 'reading-paused') this.line(tag, readingPaused(ev.unsentBytes));
      },
    });
    this.client.start();
    return `${e.host}:${e.port}`;
  }

  private async startServer(e: Endpoint): Promise<string> {
    const tag = this.vpcdTag;
    this.server = new ViccServer({
      slot: this.slot(this.o.card),
      host: e.host,
      port: e.port,
      onEvent: (ev: ViccServerEvent) => {
        if (ev.kind === 'reader-connected') this.line(tag, `reader connected from ${ev.remote}`);
        else if (ev.kind === 'reader-disconnected')
          this.line(tag, `reader gone (${ev.reason.kind})`);
        else if (ev.kind === 'reader-refused')
          this.line(tag, `reader ${ev.remote} refused: ${ev.reason}`);
        else if (ev.kind === 'endpoint') {
          const text = endpointText(ev.event);
          if (text) this.line(tag, text);
        } else if (ev.kind === 'reading-paused') this.line(tag, readingPaused(ev.unsentBytes));
      },
    });
    const a = await this.server.listen();
    return `${a.host}:${a.port}`;
  }

  private async startNfc(e: Endpoint): Promise<string> {
    const fresh = this.o.nfcCards === 'fresh';
    // Out of the bench's hands (removed) the card still serves the session, whose first APDU
    // then finds the tag gone (the gate): a phone only learns there is no card by trying.
    const shared = async (): Promise<Card> => {
      await this.leaveReader();
      return this.o.card;
    };
    this.nfc = new NfcServer({
      host: e.host,
      port: e.port,
      card: fresh && this.o.freshCard ? this.o.freshCard : shared,
      exclusive: !fresh,
      cardDescription: this.o.description,
      ...(this.o.isoDep ? { isoDep: this.o.isoDep } : {}),
      ...(this.o.faults ? { faults: this.o.faults } : {}),
      ...(this.o.gate && !fresh ? { gate: this.o.gate } : {}),
      onEvent: (ev) => this.onNfc(ev, fresh),
    });
    const a = await this.nfc.listen();
    return a.url;
  }

  /** Takes the card out of the PC/SC reader; resolves once the reader's last command has finished. */
  private async leaveReader(): Promise<void> {
    await Promise.all([this.server?.suspend(), this.client?.stop()]);
  }

  private onNfc(ev: NfcServerEvent, fresh: boolean): void {
    if (ev.kind === 'server-error') return this.line('nfc', `endpoint error: ${ev.error}`);
    if (ev.kind === 'protocol-error')
      return this.line('nfc', `connection from ${ev.remote} closed: ${ev.error}`);
    if (ev.kind === 'session-refused')
      return this.line('nfc', `session from ${ev.remote} refused: ${ev.reason}`);
    const tag = `nfc#${ev.id}`;
    if (ev.kind === 'session-open') {
      this.line(
        tag,
        `session from ${ev.remote}${fresh ? ' (fresh card)' : '; the card leaves the PC/SC reader'}`,
      );
      if (!fresh) this.o.onWhere?.(tag);
    } else if (ev.kind === 'session-closed') {
      this.line(
        tag,
        `session closed (${ev.code})${fresh ? '' : '; the card goes back to the PC/SC reader'}`,
      );
      if (!fresh && !this.out && !this.stopped) {
        this.client?.start();
        this.server?.resume();
        this.o.onWhere?.(this.vpcdTag);
      }
    } else if (ev.kind === 'activated') this.line(tag, `field on, activated (UID ${ev.uid})`);
    else if (ev.kind === 'field-off') this.line(tag, 'field off');
    else if (ev.kind === 'tag-lost') this.line(tag, `tag lost: ${ev.reason}`);
    else if (ev.kind === 'reading-paused') this.line(tag, readingPaused(ev.unsentBytes));
    else this.line(tag, `bad message: ${ev.error}`);
  }
}

/** The card's observer hook, when it has one. */
export function observable(card: Card): ObservableCard | undefined {
  return typeof (card as Partial<ObservableCard>).observe === 'function'
    ? (card as ObservableCard)
    : undefined;
}
