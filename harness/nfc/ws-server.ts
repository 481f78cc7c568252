/**
 * The simulated NFC endpoint: a WebSocket server (`ws`) exposing one ISO-DEP session per
 * connection, for mobile test builds whose NFC layer is bound to a socket instead of the radio
 * (nfc/README.md §3). Protocol: PROTOCOL.md (`ciebench-nfc/1`).
 *
 * Messages of one connection are handled strictly in order; a bad control message is answered with
 * an `error` message and the session continues; a broken connection only ends its own session.
 * Loopback by default.
 *
 * Robustness rules (each has a regression test in ws.test.ts):
 * - A WebSocket protocol violation (RFC 6455 §5: unmasked client frame, RSV bits, unknown opcode,
 *   invalid UTF-8, bad close code, control frame over 125 bytes or fragmented, stray continuation,
 *   message over 256 KiB) closes that connection with the close code `ws` picks (1002, 1007, 1009)
 *   and never reaches the process: every socket has an `'error'` listener.
 * - Backpressure: ISO-DEP is half-duplex, so the endpoint reads the next message only once the
 *   previous one has been handled and its answers have left the socket buffer (below
 *   {@link HIGH_WATER_BYTES}). A client that writes commands without reading the answers stalls on
 *   its own TCP window instead of growing this process.
 * - With an exclusive card, a session holds the card until its in-flight APDU has finished and the
 *   field is off; only then can the next session start (until then: close code 4409).
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { toHex } from '../../emulator/src/bytes/hex.ts';
import type { Card } from '../../emulator/src/card/card.ts';
import type { Clock } from '../../emulator/src/crypto/clock.ts';
import type { Rng } from '../../emulator/src/crypto/rng.ts';
import type { FaultInput } from './faults.ts';
import type { IsoDepConfigInput } from './iso-dep-config.ts';
import type { CardGate } from '../transport/card-gate.ts';
import { IsoDepSession, type IsoDepActivation } from './iso-dep-session.ts';
import {
  NFC_PROTOCOL,
  parseClientMessage,
  type ActivationInfo,
  type NfcErrorCode,
  type ServerMessage,
} from './protocol.ts';

export type NfcServerEvent =
  | { readonly kind: 'session-open'; readonly id: number; readonly remote: string }
  | { readonly kind: 'protocol-error'; readonly remote: string; readonly error: string }
  | { readonly kind: 'server-error'; readonly error: string }
  /** The client does not read its answers: the endpoint stops reading from it until it does. */
  | { readonly kind: 'reading-paused'; readonly id: number; readonly unsentBytes: number }
  | { readonly kind: 'session-refused'; readonly remote: string; readonly reason: string }
  | { readonly kind: 'session-closed'; readonly id: number; readonly code: number }
  | { readonly kind: 'activated'; readonly id: number; readonly uid: string }
  | { readonly kind: 'field-off'; readonly id: number }
  | { readonly kind: 'tag-lost'; readonly id: number; readonly reason: string }
  | { readonly kind: 'bad-message'; readonly id: number; readonly error: string };

export interface NfcServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The card of a new session. With `exclusive`, the same card serves one session at a time. */
  readonly card: () => Card | Promise<Card>;
  readonly exclusive?: boolean;
  readonly cardDescription?: string;
  readonly isoDep?: IsoDepConfigInput;
  readonly faults?: readonly FaultInput[];
  readonly rng?: Rng;
  readonly clock?: Clock;
  readonly onEvent?: (event: NfcServerEvent) => void;
  /** The bench's hand on the card (control server): may hold an APDU or take the card away. */
  readonly gate?: CardGate;
}

/** WebSocket close code for a refused second session on an exclusive card. */
export const CLOSE_CARD_BUSY = 4409;
/** Largest WebSocket message of any kind (PROTOCOL.md §1); bigger ones close with 1009. */
export const MAX_MESSAGE = 256 * 1024;
/** Unsent answer bytes above which the endpoint stops reading from that client. */
export const HIGH_WATER_BYTES = 64 * 1024;

export function activationInfo(a: IsoDepActivation, atr: Uint8Array): ActivationInfo {
  return {
    uid: toHex(a.uid),
    atqa: toHex(a.atqa),
    sak: a.sak,
    ats: toHex(a.ats),
    historicalBytes: toHex(a.historicalBytes),
    fsc: a.fsc,
    fsd: a.fsd,
    fwtMs: Math.round(a.fwtMs * 1000) / 1000,
    maxTransceiveLength: a.maxTransceiveLength,
    extendedLengthSupported: a.extendedLengthSupported,
    atr: toHex(atr),
  };
}

export class NfcServer {
  private readonly options: NfcServerOptions;
  private readonly emit: (e: NfcServerEvent) => void;
  private wss: WebSocketServer | undefined;
  private nextId = 1;
  /** Connections that hold a card, counted until their session has really ended. */
  private active = 0;

  constructor(options: NfcServerOptions) {
    this.options = options;
    this.emit = options.onEvent ?? ((): void => undefined);
  }

  listen(): Promise<{ host: string; port: number; url: string }> {
    const host = this.options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({ host, port: this.options.port, maxPayload: MAX_MESSAGE });
      wss.once('error', reject);
      wss.once('listening', () => {
        wss.off('error', reject);
        // After listening, a server-level error (e.g. EMFILE on accept) is reported, never fatal.
        wss.on('error', (e: Error) => this.emit({ kind: 'server-error', error: e.message }));
        const port = (wss.address() as AddressInfo).port;
        resolve({ host, port, url: `ws://${host}:${port}` });
      });
      wss.on('connection', (ws, req) =>
        this.accept(ws, `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`),
      );
      this.wss = wss;
    });
  }

  get sessions(): number {
    return this.active;
  }

  async close(): Promise<void> {
    const wss = this.wss;
    if (!wss) return;
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  private accept(ws: WebSocket, remote: string): void {
    // ws closes the connection itself (with the RFC 6455 close code) after emitting 'error'; an
    // 'error' without a listener would be thrown and end the whole process.
    ws.on('error', (e: Error) => this.emit({ kind: 'protocol-error', remote, error: e.message }));
    if (this.options.exclusive && this.active > 0) {
      this.emit({
        kind: 'session-refused',
        remote,
        reason: 'the card is still held by another session',
      });
      ws.close(CLOSE_CARD_BUSY, 'card busy: one session at a time');
      return;
    }
    const id = this.nextId++;
    this.active++;
    this.emit({ kind: 'session-open', id, remote });
    const handler = new NfcConnection(id, ws, this.options, this.emit);
    ws.on('close', (code) => {
      // The card is released only once the in-flight APDU has finished and the field is off.
      void handler.end().then(() => {
        this.active--;
        this.emit({ kind: 'session-closed', id, code });
      });
    });
  }
}

/** One connection: its own ISO-DEP session on its own (or the exclusive) card. */
class NfcConnection {
  private readonly id: number;
  private readonly ws: WebSocket;
  private readonly options: NfcServerOptions;
  private readonly emit: (e: NfcServerEvent) => void;
  private session: Promise<IsoDepSession>;
  private queue: Promise<void> = Promise.resolve();
  /** Messages received and not yet handled (the one in flight included). */
  private waiting = 0;
  /** Resolvers waiting for the unsent answer bytes to fall below the high-water mark. */
  private drainWaiters: Array<() => void> = [];
  private lostTimer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    id: number,
    ws: WebSocket,
    options: NfcServerOptions,
    emit: (e: NfcServerEvent) => void,
  ) {
    this.id = id;
    this.ws = ws;
    this.options = options;
    this.emit = emit;
    this.session = Promise.resolve(options.card()).then((card) =>
      this.newSession(card, options.isoDep ?? {}),
    );
    ws.on('message', (data: RawData, isBinary: boolean) => {
      this.waiting++;
      this.flow();
      this.queue = this.queue
        .then(() => this.drained())
        .then(() => this.onMessage(data, isBinary))
        .catch((e: Error) => this.fail(e))
        .finally(() => {
          this.waiting--;
          this.flow();
        });
    });
    void this.session
      .then(() =>
        this.send({
          type: 'hello',
          protocol: NFC_PROTOCOL,
          card: options.cardDescription ?? 'emulated card',
        }),
      )
      .catch((e: Error) => this.fail(e));
  }

  /** The connection is gone: the in-flight APDU finishes, then the card leaves the field. */
  async end(): Promise<void> {
    this.ended = true;
    if (this.lostTimer) clearTimeout(this.lostTimer);
    for (const w of this.drainWaiters.splice(0)) w();
    await this.queue.catch(() => undefined);
    await this.session.then((s) => s.fieldOff()).catch(() => undefined);
  }

  /**
   * Half-duplex flow control: reading stops while a message is being handled or while the answers
   * already sent wait in the socket buffer, and resumes when both are done.
   */
  private flow(): void {
    if (this.ended) return;
    const stop = this.waiting > 0 || this.ws.bufferedAmount > HIGH_WATER_BYTES;
    if (stop && !this.ws.isPaused) this.ws.pause();
    else if (!stop && this.ws.isPaused) this.ws.resume();
  }

  /** Resolves once the unsent answer bytes are below the high-water mark (or the session ended). */
  private drained(): Promise<void> {
    if (this.ended || this.ws.bufferedAmount <= HIGH_WATER_BYTES) return Promise.resolve();
    this.emit({ kind: 'reading-paused', id: this.id, unsentBytes: this.ws.bufferedAmount });
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Called when a send has left the buffer: wakes the queue and re-evaluates reading. */
  private onSent(): void {
    if (this.ws.bufferedAmount <= HIGH_WATER_BYTES)
      for (const w of this.drainWaiters.splice(0)) w();
    this.flow();
  }

  private newSession(
    card: Card,
    isoDep: IsoDepConfigInput,
    faults = this.options.faults ?? [],
  ): IsoDepSession {
    return new IsoDepSession({
      card,
      config: isoDep,
      faults,
      ...(this.options.rng ? { rng: this.options.rng } : {}),
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      ...(this.options.gate ? { gate: this.options.gate } : {}),
    });
  }

  private async onMessage(data: RawData, isBinary: boolean): Promise<void> {
    // A client that is gone gets no more work done: what it sent before leaving is dropped.
    if (this.ended || this.ws.readyState !== this.ws.OPEN) return;
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    if (isBinary) return this.onApdu(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    const parsed = parseClientMessage(bytes.toString('utf8'));
    if (!parsed.ok) {
      this.emit({ kind: 'bad-message', id: this.id, error: parsed.error });
      return this.error('NFC_BAD_MESSAGE', parsed.error);
    }
    const session = await this.session;
    const m = parsed.message;
    if (m.type === 'configure') {
      if (session.state !== 'field-off')
        return this.error('NFC_BAD_STATE', 'configure only while the field is off');
      this.session = Promise.resolve(this.newSession(session.card, m.isoDep, session.faults));
      return this.send({ type: 'configured' });
    }
    if (m.type === 'faults') {
      session.setFaults(m.faults);
      return this.send({ type: 'faults-set', count: m.faults.length });
    }
    return m.on ? this.fieldOn(session) : this.fieldOff(session);
  }

  private fieldOn(session: IsoDepSession): void {
    session.fieldOff();
    const activation = session.fieldOn();
    this.armLostTimer(session);
    this.emit({ kind: 'activated', id: this.id, uid: toHex(activation.uid) });
    this.send({ type: 'activated', ...activationInfo(activation, session.card.atr) });
  }

  private fieldOff(session: IsoDepSession): void {
    if (this.lostTimer) clearTimeout(this.lostTimer);
    session.fieldOff();
    this.emit({ kind: 'field-off', id: this.id });
    this.send({ type: 'field-off' });
  }

  /** A `tag-lost-after` fault is announced when it happens, even between two APDUs. */
  private armLostTimer(session: IsoDepSession): void {
    if (this.lostTimer) clearTimeout(this.lostTimer);
    const after = session.lostAfterMs();
    if (after === undefined) return;
    const armedAt = performance.now();
    const fire = (): void => {
      this.queue = this.queue.then(() => {
        if (session.state !== 'active') return;
        if (session.checkDeadline()) this.tagLost(session.lossReason ?? 'tag lost');
        // Timers may fire a little early against the session's clock: try again just after.
        else
          this.lostTimer = setTimeout(fire, Math.max(1, after - (performance.now() - armedAt)) + 1);
      });
    };
    this.lostTimer = setTimeout(fire, after);
  }

  private async onApdu(command: Uint8Array): Promise<void> {
    const session = await this.session;
    const result = await session.transceive(command);
    const seq = session.apduCount;
    if (result.kind === 'rejected') return this.error(result.code, result.message, seq);
    if (result.kind === 'tag-lost') return this.tagLost(result.reason, seq);
    if (result.wtx > 0) this.send({ type: 'wtx', seq, count: result.wtx });
    if (this.ws.readyState === this.ws.OPEN)
      this.ws.send(result.response, { binary: true }, () => this.onSent());
  }

  private tagLost(reason: string, seq?: number): void {
    this.emit({ kind: 'tag-lost', id: this.id, reason });
    this.send({ type: 'tag-lost', reason, ...(seq !== undefined ? { seq } : {}) });
  }

  private error(code: NfcErrorCode, message: string, seq?: number): void {
    this.send({ type: 'error', code, message, ...(seq !== undefined ? { seq } : {}) });
  }

  private send(m: ServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(m), () => this.onSent());
  }

  private fail(e: Error): void {
    this.emit({ kind: 'bad-message', id: this.id, error: `internal: ${e.message}` });
    this.ws.close(1011, 'internal error');
  }
}
