/**
 * TypeScript client of the NFC endpoint, shaped like Android's `IsoDep` so app-side test code and
 * this reference client read the same: `connect`, `transceive`, `timeout`, `maxTransceiveLength`,
 * `isExtendedLengthApduSupported`, `historicalBytes`, and a tag-lost error. The Kotlin/Swift
 * adapters follow PROTOCOL.md the same way.
 *
 * After a tag loss or a timeout the tag is dead, as on Android: every transceive fails until
 * {@link IsoDepClient.reconnect} (a new tap: field off, field on, new activation).
 */
import { HostError, type FailureKind } from '../../emulator/src/host-error.ts';
import { WebSocket } from 'ws';
import { fromHex } from '../../emulator/src/bytes/hex.ts';
import type { FaultInput } from './faults.ts';
import type { IsoDepConfigInput } from './iso-dep-config.ts';
import {
  parseServerMessage,
  type ActivationInfo,
  type ClientMessage,
  type ServerMessage,
} from './protocol.ts';

export type NfcClientErrorCode =
  | 'NFC_TAG_LOST'
  | 'NFC_TIMEOUT'
  | 'NFC_TRANSCEIVE_FAILED'
  | 'NFC_CONNECTION_CLOSED'
  | 'NFC_NOT_CONNECTED';

export class NfcClientError extends HostError {
  readonly code: NfcClientErrorCode;
  /** The server's error code when the server refused the operation. */
  readonly serverCode: string | undefined;
  constructor(code: NfcClientErrorCode, message: string, serverCode?: string) {
    super(message);
    this.code = code;
    this.serverCode = serverCode;
  }
  /** The card was lost or the endpoint went away mid-run: the run failed, the input was fine. */
  override get kind(): FailureKind {
    return 'verdict';
  }
}

/** Android's TagLostException. */
export class TagLostError extends NfcClientError {
  constructor(message: string) {
    super('NFC_TAG_LOST', message);
  }
}

export interface IsoDepClientOptions {
  readonly isoDep?: IsoDepConfigInput;
  readonly faults?: readonly FaultInput[];
  /** Transceive timeout in ms (Android IsoDep.setTimeout; default 5000). */
  readonly timeoutMs?: number;
  /** Give up opening the connection after this long (default 10 000 ms). */
  readonly connectTimeoutMs?: number;
}

type Waiter = { resolve: (m: ServerMessage | Uint8Array) => void; reject: (e: Error) => void };

export class IsoDepClient {
  /** Transceive timeout in milliseconds (IsoDep.setTimeout/getTimeout). */
  timeout: number;
  /** WTX rounds announced for the last response. */
  lastWtx = 0;
  private readonly ws: WebSocket;
  private info: ActivationInfo | undefined;
  private waiter: Waiter | undefined;
  private inbox: Array<ServerMessage | Uint8Array> = [];
  private dead: NfcClientError | undefined;
  private closed: NfcClientError | undefined;

  private constructor(ws: WebSocket, timeoutMs: number) {
    this.ws = ws;
    this.timeout = timeoutMs;
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('error', () => undefined); // always followed by 'close', which carries the failure
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = new NfcClientError(
        'NFC_CONNECTION_CLOSED',
        `connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`,
      );
      this.waiter?.reject(this.closed);
      this.waiter = undefined;
    });
  }

  /** Opens a session, applies configuration and faults, switches the field on: the tag is discovered. */
  static async connect(url: string, options: IsoDepClientOptions = {}): Promise<IsoDepClient> {
    const ws = new WebSocket(url);
    // Listen before 'open': the server's hello can arrive in the same segment as the handshake.
    const client = new IsoDepClient(ws, options.timeoutMs ?? 5000);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new NfcClientError('NFC_NOT_CONNECTED', `no NFC endpoint answered at ${url}`));
      }, options.connectTimeoutMs ?? 10_000);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.once('error', (e) => {
        clearTimeout(timer);
        reject(new NfcClientError('NFC_NOT_CONNECTED', `${url}: ${e.message}`));
      });
    });
    await client.expect('hello', options.connectTimeoutMs ?? 10_000);
    if (options.isoDep)
      await client.control({ type: 'configure', isoDep: options.isoDep }, 'configured');
    if (options.faults)
      await client.control({ type: 'faults', faults: [...options.faults] }, 'faults-set');
    await client.activate();
    return client;
  }

  get isConnected(): boolean {
    return this.dead === undefined && this.closed === undefined && this.info !== undefined;
  }

  get activation(): ActivationInfo {
    if (!this.info) throw new NfcClientError('NFC_NOT_CONNECTED', 'no tag is activated');
    return this.info;
  }

  get uid(): Uint8Array {
    return fromHex(this.activation.uid);
  }

  get historicalBytes(): Uint8Array {
    return fromHex(this.activation.historicalBytes);
  }

  get maxTransceiveLength(): number {
    return this.activation.maxTransceiveLength;
  }

  isExtendedLengthApduSupported(): boolean {
    return this.activation.extendedLengthSupported;
  }

  async transceive(command: Uint8Array): Promise<Uint8Array> {
    if (this.closed) throw this.closed;
    if (this.dead) throw this.dead;
    if (!this.info) throw new NfcClientError('NFC_NOT_CONNECTED', 'transceive before connect');
    if (command.length > this.info.maxTransceiveLength) {
      throw new NfcClientError(
        'NFC_TRANSCEIVE_FAILED',
        `Transceive length exceeds supported maximum (${command.length} > ${this.info.maxTransceiveLength})`,
      );
    }
    this.lastWtx = 0;
    this.ws.send(command, { binary: true });
    for (;;) {
      let m: ServerMessage | Uint8Array;
      try {
        m = await this.next(this.timeout);
      } catch (e) {
        if (e instanceof NfcClientError && e.code === 'NFC_TIMEOUT') this.dead = e;
        throw e;
      }
      if (m instanceof Uint8Array) return m;
      if (m.type === 'wtx') this.lastWtx = m.count;
      else if (m.type === 'tag-lost') throw this.kill(m.reason);
      else if (m.type === 'error') {
        if (m.code === 'NFC_TAG_LOST') throw this.kill(m.message);
        throw new NfcClientError('NFC_TRANSCEIVE_FAILED', m.message, m.code);
      }
    }
  }

  /** Sets the fault plan; it applies from the next APDU. */
  async setFaults(faults: readonly FaultInput[]): Promise<void> {
    await this.control({ type: 'faults', faults: [...faults] }, 'faults-set');
  }

  /** A new tap: field off, field on, new activation (a new UID when random). */
  async reconnect(): Promise<void> {
    await this.control({ type: 'field', on: false }, 'field-off');
    await this.activate();
  }

  /** Field off and close. */
  async close(): Promise<void> {
    if (!this.closed && this.ws.readyState === this.ws.OPEN) {
      this.ws.send(JSON.stringify({ type: 'field', on: false } satisfies ClientMessage));
      this.ws.close(1000, 'done');
    }
    if (this.ws.readyState !== this.ws.CLOSED)
      await new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
  }

  private async activate(): Promise<void> {
    const m = await this.control({ type: 'field', on: true }, 'activated');
    if (m.type !== 'activated') throw new NfcClientError('NFC_NOT_CONNECTED', 'activation failed');
    const { type: _type, ...info } = m;
    this.info = info;
    this.dead = undefined;
  }

  private kill(reason: string): TagLostError {
    this.dead = new TagLostError(`Tag was lost: ${reason}`);
    return this.dead;
  }

  private async control(
    message: ClientMessage,
    expected: ServerMessage['type'],
  ): Promise<ServerMessage> {
    if (this.closed) throw this.closed;
    this.ws.send(JSON.stringify(message));
    return this.expect(expected, 10_000);
  }

  /** Waits for a message of type `type`; an error message instead rejects. */
  private async expect(type: ServerMessage['type'], timeoutMs: number): Promise<ServerMessage> {
    for (;;) {
      const m = await this.next(timeoutMs);
      if (m instanceof Uint8Array) continue;
      if (m.type === type) return m;
      if (m.type === 'error') throw new NfcClientError('NFC_TRANSCEIVE_FAILED', m.message, m.code);
    }
  }

  private next(timeoutMs: number): Promise<ServerMessage | Uint8Array> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new NfcClientError('NFC_TIMEOUT', `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    let m: ServerMessage | Uint8Array | undefined;
    try {
      m = isBinary ? new Uint8Array(data) : parseServerMessage(data.toString('utf8'));
      if (m === undefined) return;
    } catch (e) {
      this.closed = new NfcClientError(
        'NFC_CONNECTION_CLOSED',
        `unexpected message from the server: ${(e as Error).message}`,
      );
      this.ws.terminate();
      return;
    }
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.resolve(m);
    } else this.inbox.push(m);
  }
}
