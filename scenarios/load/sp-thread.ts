/**
 * The reference SP of a load run in a worker thread of its own.
 *
 * Why: in one process the IdP and the SP otherwise share the main thread, and checking the IdP's
 * signed Response (node-saml, xml-crypto) costs the SP about as much CPU as the IdP spends on the
 * whole login; the main thread then saturates while the second core idles. With the SP beside it,
 * the main thread carries the IdP alone, which is what a load run measures. Everything the SP does
 * stays the same: same module (`startSp`), same TLS listener on loopback, same pages; only the
 * thread it runs in changes. Its ACS outcome log stays in the thread (a load run judges logins by
 * the browser's pages, not by that log).
 */
import type { EventLoopUtilization } from 'node:perf_hooks';
import { startLoadThread } from './load-thread.ts';
import { BenchError, type FailureKind } from '../../emulator/src/host-error.ts';
import type { SpPageModel } from '../runner/actors/sp.ts';
import type { SpActor } from '../runner/model.ts';

/** What the load target needs of the SP (plain data: it crosses the thread boundary). */
export interface SpSummary {
  readonly homeUrl: string;
  readonly metadataXml: string;
  readonly tlsCaPem?: string;
  readonly pages: SpPageModel;
  readonly description: string;
}

export interface ThreadedSp extends SpSummary {
  /** The SP thread's event-loop utilisation (`performance.eventLoopUtilization` of the worker). */
  readonly utilization?: (since?: EventLoopUtilization) => EventLoopUtilization;
  close(): Promise<void>;
}

export interface SpThreadData {
  readonly actor: SpActor;
  readonly idpMetadataXml: string;
}

export type FromSpThread =
  | { readonly type: 'ready'; readonly sp: SpSummary }
  | { readonly type: 'closed' }
  | {
      readonly type: 'error';
      readonly message: string;
      /** The error's stable code and kind when it was a HostError (they decide the exit code). */
      readonly code?: string;
      readonly kind?: FailureKind;
    };

export type ToSpThread = { readonly type: 'close' };

/** Starts the SP of `actor` in a new worker thread; resolves once it listens. */
export function startSpThread(actor: SpActor, idpMetadataXml: string): Promise<ThreadedSp> {
  const data: SpThreadData = { actor, idpMetadataXml };
  const w = startLoadThread('sp-thread', data);
  return new Promise<ThreadedSp>((resolve, reject) => {
    let closed: (() => void) | undefined;
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    w.on('message', (m: FromSpThread) => {
      if (m.type === 'ready')
        resolve({
          ...m.sp,
          utilization: (since) => w.performance.eventLoopUtilization(since),
          close: async () => {
            const done = new Promise<void>((r) => (closed = r));
            w.postMessage({ type: 'close' } satisfies ToSpThread);
            // A thread that does not answer within 10 s is ended: closing never hangs a run.
            const t = setTimeout(() => void w.terminate(), 10_000);
            await Promise.race([done, exited]);
            clearTimeout(t);
            await w.terminate();
          },
        });
      else if (m.type === 'closed') closed?.();
      else {
        reject(
          new BenchError(
            m.code ?? 'SCENARIO_SP',
            `the SP thread failed: ${m.message}`,
            m.kind ?? 'environment',
          ),
        );
        void w.terminate();
      }
    });
    w.once('error', (e) => reject(e));
    void exited.then(() => reject(new Error('the SP thread exited before it was ready')));
  });
}
