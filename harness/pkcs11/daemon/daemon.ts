/**
 * The bench daemon behind libciebench-pkcs11.so: the PC/SC relay, the PKCS#11 backend, the bridge
 * socket, the PIN-entry channel and the control socket, started together and stopped together.
 * `ciebench middleware start` runs it in the foreground; tests and scenarios start it in-process.
 */
import { join, dirname } from 'node:path';
import { AwaitableLog } from '../../../emulator/src/awaitable-log.ts';
import { systemRng, type Rng } from '../../../emulator/src/crypto/rng.ts';
import { defaultPairingsDir } from '../pairing/store.ts';
import { PcscRelay, type PcscAccess } from '../pcsc-relay.ts';
import { Backend, type PinMode } from './backend.ts';
import { defaultSocketPath, startBridgeServer } from './bridge-server.ts';
import { startControlServer } from './control-server.ts';
import type { MiddlewareEvent } from './events.ts';
import { PinEntry } from './pin-entry.ts';

export interface DaemonOptions {
  /** The `ciebench-pcsc-relay` executable (build.ts). */
  readonly relayBinary: string;
  /** PC/SC access other than the relay (tests: in-process cards). */
  readonly pcsc?: PcscAccess;
  /** Bridge socket (default: the module's default path). */
  readonly socketPath?: string;
  /** Control socket for `ciebench middleware pin|status` (default: next to the bridge socket). */
  readonly controlPath?: string;
  readonly pairingsDir?: string;
  /** Who gives the last 4 PIN digits (default `protected-path`; backend.ts `PinMode`). */
  readonly pinMode?: PinMode;
  readonly pinTimeoutMs?: number;
  readonly rng?: Rng;
  readonly now?: () => Date;
  /** Called with every event (they are also kept, the last 500, in `events`). */
  readonly onEvent?: (e: MiddlewareEvent) => void;
}

export interface RunningDaemon {
  readonly socketPath: string;
  readonly controlPath: string;
  readonly pins: PinEntry;
  readonly backend: Backend;
  readonly events: readonly MiddlewareEvent[];
  readonly waitFor: WaitForEvent;
  close(): Promise<void>;
}

/**
 * Resolves with the first event that satisfies `pred`, among those from index `since` of
 * `events` on (default 0: already seen ones count); rejects after `timeoutMs` (default 60 s).
 */
export type WaitForEvent = (
  pred: (e: MiddlewareEvent) => boolean,
  timeoutMs?: number,
  since?: number,
) => Promise<MiddlewareEvent>;

/** {@link WaitForEvent} over a daemon's event log (in this process or read from a child's). */
export function eventWaiter(log: AwaitableLog<MiddlewareEvent>): WaitForEvent {
  return (pred, timeoutMs = 60_000, since = 0) => log.waitFor(pred, timeoutMs, since);
}

export async function startMiddlewareDaemon(o: DaemonOptions): Promise<RunningDaemon> {
  const socketPath = o.socketPath ?? defaultSocketPath();
  const controlPath = o.controlPath ?? join(dirname(socketPath), 'control.sock');
  const log = new AwaitableLog<MiddlewareEvent>({
    keep: 500,
    timeoutError: (ms) => new Error(`no matching middleware event within ${ms} ms`),
  });
  const events = log.entries;
  const emit = (e: MiddlewareEvent): void => {
    log.push(e);
    o.onEvent?.(e);
  };
  const pins = new PinEntry(o.pinTimeoutMs !== undefined ? { timeoutMs: o.pinTimeoutMs } : {});
  pins.on('request', (r: { id: string; nis: string; triesLeft: number | undefined }) =>
    emit({ type: 'pin-request', id: r.id, nis: r.nis, triesLeft: r.triesLeft }),
  );
  let relay: PcscAccess = o.pcsc ?? new PcscRelay({ binary: o.relayBinary });
  const backend = new Backend({
    relay: () => {
      if (!relay.alive && !o.pcsc) relay = new PcscRelay({ binary: o.relayBinary });
      return relay;
    },
    pairingsDir: o.pairingsDir ?? defaultPairingsDir(),
    rng: o.rng ?? systemRng,
    pinEntry: pins,
    pinMode: o.pinMode ?? 'protected-path',
    events: emit,
    ...(o.now ? { now: o.now } : {}),
  });
  const bridge = await startBridgeServer(backend, socketPath).catch(async (e: unknown) => {
    await relay.close();
    throw e;
  });
  const control = await startControlServer({ path: controlPath, pins, backend, events }).catch(
    async (e: unknown) => {
      await bridge.close();
      await relay.close();
      throw e;
    },
  );
  return {
    socketPath,
    controlPath,
    pins,
    backend,
    events,
    waitFor: eventWaiter(log),
    async close() {
      pins.cancelAll();
      await control.close();
      await bridge.close();
      await relay.close();
    },
  };
}
