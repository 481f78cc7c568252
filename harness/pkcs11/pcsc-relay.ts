/**
 * The daemon's PC/SC access: `ciebench-pcsc-relay` (src/pcsc-relay.c) as a child process, one
 * request at a time over its stdin/stdout frames (BRIDGE-PROTOCOL.md §5). The relay exists for
 * SCardBeginTransaction / SCardEndTransaction, which keep other PC/SC clients of the same reader
 * (OpenSC probing an unknown card) out of a secure-messaging session; the project's npm binding
 * does not expose them (README.md, "Why a relay").
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ChannelError, type ChannelErrorCode } from '../channel/apdu-channel.ts';
import { FrameDecoder, frame, WireReader, WireWriter } from './wire.ts';

/** PC/SC return values the daemon tells apart (pcsclite.h). */
export const SCARD = {
  S_SUCCESS: 0,
  E_INVALID_HANDLE: 0x80100003,
  E_INVALID_PARAMETER: 0x80100004,
  E_UNKNOWN_READER: 0x80100009,
  E_TIMEOUT: 0x8010000a,
  E_SHARING_VIOLATION: 0x8010000b,
  E_NO_SMARTCARD: 0x8010000c,
  E_NOT_TRANSACTED: 0x80100016,
  E_READER_UNAVAILABLE: 0x80100017,
  E_NO_SERVICE: 0x8010001d,
  E_SERVICE_STOPPED: 0x8010001e,
  E_NO_READERS_AVAILABLE: 0x8010002e,
  W_UNRESPONSIVE_CARD: 0x80100066,
  W_UNPOWERED_CARD: 0x80100067,
  W_RESET_CARD: 0x80100068,
  W_REMOVED_CARD: 0x80100069,
} as const;

/** Dispositions (SCARD_LEAVE_CARD …) and reader state bits. */
export const DISPOSITION = { leave: 0, reset: 1, unpower: 2 } as const;
export const STATE_PRESENT = 0x20;
export const STATE_MUTE = 0x200;

const NAMES = new Map<number, string>(Object.entries(SCARD).map(([k, v]) => [v, `SCARD_${k}`]));

function codeOf(rv: number): ChannelErrorCode {
  switch (rv) {
    case SCARD.W_REMOVED_CARD:
    case SCARD.E_NO_SMARTCARD:
      return 'CARD_REMOVED';
    case SCARD.W_RESET_CARD:
      return 'CARD_RESET';
    case SCARD.E_UNKNOWN_READER:
    case SCARD.E_READER_UNAVAILABLE:
    case SCARD.E_NO_READERS_AVAILABLE:
      return 'READER_NOT_FOUND';
    case SCARD.E_NO_SERVICE:
    case SCARD.E_SERVICE_STOPPED:
      return 'SERVICE_UNAVAILABLE';
    case SCARD.E_TIMEOUT:
      return 'TIMEOUT';
    default:
      return 'TRANSMIT_FAILED';
  }
}

/** A failed PC/SC call, with its SCARD_* value. */
export class PcscRelayError extends ChannelError {
  readonly scard: number;
  constructor(during: string, rv: number) {
    const name = NAMES.get(rv) ?? `0x${rv.toString(16).toUpperCase()}`;
    super(codeOf(rv), `${during}: ${name}`);
    this.scard = rv;
  }
}

export interface RelayReader {
  readonly name: string;
  /** SCardGetStatusChange event state (low 16 bits: flags; high 16 bits: pcsc-lite's event counter). */
  readonly state: number;
  readonly atr: Uint8Array;
}

export interface RelayConnection {
  readonly handle: number;
  readonly protocol: number;
  readonly atr: Uint8Array;
}

/**
 * What the daemon needs of PC/SC: the relay implements it; tests substitute in-process cards
 * (in-process-pcsc.ts).
 */
export interface PcscAccess {
  readonly alive: boolean;
  list(): Promise<RelayReader[]>;
  connect(reader: string): Promise<RelayConnection>;
  transmit(handle: number, apdu: Uint8Array): Promise<Uint8Array>;
  begin(handle: number): Promise<void>;
  end(handle: number, disposition?: number): Promise<void>;
  reconnect(handle: number, init: number): Promise<{ protocol: number; atr: Uint8Array }>;
  disconnect(handle: number, disposition?: number): Promise<void>;
  close(): Promise<void>;
}

const OP = {
  list: 1,
  connect: 2,
  transmit: 3,
  begin: 4,
  end: 5,
  reconnect: 6,
  disconnect: 7,
  status: 8,
} as const;

export interface PcscRelayOptions {
  /** Path of the `ciebench-pcsc-relay` executable. */
  readonly binary: string;
  /** Longest wait for one PC/SC call (default 60 s: a transaction may wait for another client). */
  readonly requestTimeoutMs?: number;
}

interface Pending {
  resolve(p: Uint8Array): void;
  reject(e: Error): void;
}

/** The relay process; requests are queued and answered in order. */
export class PcscRelay implements PcscAccess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly decoder = new FrameDecoder();
  private readonly waiting: Pending[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private dead: Error | undefined;
  private readonly timeoutMs: number;

  constructor(o: PcscRelayOptions) {
    this.timeoutMs = o.requestTimeoutMs ?? 60_000;
    this.child = spawn(o.binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = this.decoder.push(chunk);
      } catch (e) {
        return this.fail(e as Error);
      }
      for (const f of frames) this.waiting.shift()?.resolve(f);
    });
    this.child.stderr.on('data', () => undefined);
    this.child.on('error', (e) =>
      this.fail(new ChannelError('SERVICE_UNAVAILABLE', `PC/SC relay: ${e.message}`)),
    );
    this.child.on('exit', (code, signal) =>
      this.fail(new ChannelError('SERVICE_UNAVAILABLE', `PC/SC relay exited (${signal ?? code})`)),
    );
    this.child.stdin.on('error', () => undefined);
  }

  private fail(e: Error): void {
    if (!this.dead) this.dead = e;
    for (const w of this.waiting.splice(0)) w.reject(e);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  /** One request, after the previous ones have been answered. */
  private call(payload: Uint8Array, during: string): Promise<WireReader> {
    const run = async (): Promise<WireReader> => {
      if (this.dead) throw this.dead;
      const answer = await new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.fail(
            new ChannelError(
              'TIMEOUT',
              `${during}: the PC/SC relay did not answer in ${this.timeoutMs} ms`,
            ),
          );
        }, this.timeoutMs);
        this.waiting.push({
          resolve: (p) => {
            clearTimeout(timer);
            resolve(p);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        this.child.stdin.write(frame(payload));
      });
      const r = new WireReader(answer);
      const rv = r.u32();
      if (rv !== SCARD.S_SUCCESS) throw new PcscRelayError(during, rv);
      return r;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async list(): Promise<RelayReader[]> {
    const r = await this.call(new WireWriter().u8(OP.list).payload(), 'list readers');
    const n = r.count(64);
    const out: RelayReader[] = [];
    for (let i = 0; i < n; i++) {
      const name = Buffer.from(r.bytes(256)).toString('utf8');
      const state = r.u32();
      out.push({ name, state, atr: r.bytes(64) });
    }
    r.end();
    return out;
  }

  async connect(reader: string): Promise<RelayConnection> {
    const r = await this.call(
      new WireWriter().u8(OP.connect).text(reader).payload(),
      `connect to '${reader}'`,
    );
    const handle = r.u32();
    const protocol = r.u32();
    const atr = r.bytes(64);
    r.end();
    return { handle, protocol, atr };
  }

  async transmit(handle: number, apdu: Uint8Array): Promise<Uint8Array> {
    const r = await this.call(
      new WireWriter().u8(OP.transmit).u32(handle).bytes(apdu).payload(),
      'transmit',
    );
    const out = r.bytes(65_544);
    r.end();
    return out;
  }

  async begin(handle: number): Promise<void> {
    (
      await this.call(new WireWriter().u8(OP.begin).u32(handle).payload(), 'begin transaction')
    ).end();
  }

  async end(handle: number, disposition: number = DISPOSITION.leave): Promise<void> {
    const w = new WireWriter().u8(OP.end).u32(handle).u32(disposition);
    (await this.call(w.payload(), 'end transaction')).end();
  }

  async reconnect(handle: number, init: number): Promise<{ protocol: number; atr: Uint8Array }> {
    const w = new WireWriter().u8(OP.reconnect).u32(handle).u32(init);
    const r = await this.call(w.payload(), 'reconnect');
    const protocol = r.u32();
    const atr = r.bytes(64);
    r.end();
    return { protocol, atr };
  }

  async disconnect(handle: number, disposition: number = DISPOSITION.leave): Promise<void> {
    const w = new WireWriter().u8(OP.disconnect).u32(handle).u32(disposition);
    (await this.call(w.payload(), 'disconnect')).end();
  }

  /** Raw exchange for tests of the relay's own input handling. */
  async raw(payload: Uint8Array): Promise<number> {
    try {
      await this.call(payload, 'raw');
      return SCARD.S_SUCCESS;
    } catch (e) {
      if (e instanceof PcscRelayError) return e.scard;
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(timer);
  }
}
